"""``playerdesk check``: is this installation configured to run? Prints a table; exit status 1 on errors."""

from __future__ import annotations

import socket
import tempfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

OK, WARN, ERROR = "ok", "warning", "ERROR"


@dataclass(frozen=True)
class Row:
    name: str
    status: str
    detail: str


def run_checks() -> list[Row]:
    return [
        _mode(),
        _secret_key(),
        *_database(),
        _data_dir(),
        _redis(),
        _mail(),
        _hosts(),
        _staff_sign_in(),
    ]


def _mode() -> Row:
    if settings.TESTING:
        return Row("mode", OK, "test suite")
    if settings.DEMO:
        return Row("mode", WARN, "demo mode (demo logins, local mailbox): not for real players")
    if settings.DEBUG:
        return Row("mode", WARN, "production with PLAYERDESK_DEBUG on: turn it off for real players")
    return Row("mode", OK, "production")


def _secret_key() -> Row:
    if settings.SECRET_KEY == settings.DEMO_SECRET_KEY:
        if settings.DEMO or settings.TESTING:
            return Row("secret key", OK, "demo key (demo or test mode)")
        return Row("secret key", ERROR, "the demo key is set outside demo mode")
    if len(settings.SECRET_KEY) < 32:
        return Row("secret key", WARN, "PLAYERDESK_SECRET_KEY is shorter than 32 characters")
    return Row("secret key", OK, "set")


def _database() -> list[Row]:
    engine = "PostgreSQL" if settings.DATABASE_URL else f"SQLite ({settings.DATABASES['default']['NAME']})"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return [Row("database", ERROR, f"{engine}: not reachable: {_short(exc)}")]
    rows = [Row("database", OK, f"{engine}: reachable")]
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return [*rows, Row("migrations", ERROR, _short(exc))]
    if pending:
        rows.append(Row("migrations", WARN, f"{len(pending)} not applied: run 'playerdesk migrate'"))
    else:
        rows.append(Row("migrations", OK, "up to date"))
    return rows


def _data_dir() -> Row:
    path = settings.DATA_DIR
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".check-", delete=True) as handle:
            handle.write(b"ok")
            handle.flush()
    except OSError as exc:
        return Row("data directory", ERROR, f"{path}: not writable: {_short(exc)}")
    return Row("data directory", OK, f"{path}: writable")


def _redis() -> Row:
    if not settings.REDIS_URL:
        return Row("redis", OK, "not configured: in-memory live events, jobs in SQLite (one machine)")
    try:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
        client.ping()
    except Exception as exc:
        return Row("redis", ERROR, f"{_redacted(settings.REDIS_URL)}: not reachable: {_short(exc)}")
    return Row("redis", OK, f"{_redacted(settings.REDIS_URL)}: reachable")


def _mail() -> Row:
    if not settings.SMTP_RELAY:
        if settings.DEMO:
            return Row("outbound mail", OK, "local mailbox (demo): mail is shown in the console")
        return Row("outbound mail", WARN, "no PLAYERDESK_SMTP_RELAY: mail stays in the local mailbox")
    host, port = settings.EMAIL_HOST, int(settings.EMAIL_PORT)
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        return Row("outbound mail", ERROR, f"relay {host}:{port} not reachable: {_short(exc)}")
    return Row("outbound mail", OK, f"relay {host}:{port} reachable")


def _hosts() -> Row:
    if not settings.DEMO and settings.SITE_URL.startswith("http://") and "127.0.0.1" not in settings.SITE_URL:
        return Row("site url", WARN, f"{settings.SITE_URL} is not https: links in emails are not secure")
    return Row("site url", OK, settings.SITE_URL)


def _staff_sign_in() -> Row:
    if settings.STAFF_2FA_REQUIRED:
        return Row("staff sign-in", OK, "password and authenticator code (two-step sign-in required)")
    if settings.DEMO or settings.TESTING:
        return Row("staff sign-in", OK, "two-step sign-in left to each agent (demo or test mode)")
    return Row(
        "staff sign-in", WARN, "two-step sign-in left to each agent: set PLAYERDESK_STAFF_2FA_REQUIRED=1"
    )


def _short(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:160]


def _redacted(url: str) -> str:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def format_table(rows: list[Row]) -> str:
    width = max(len(r.name) for r in rows)
    lines = [f"{'CHECK':<{width}}  {'STATUS':<7}  DETAIL"]
    lines += [f"{r.name:<{width}}  {r.status:<7}  {r.detail}" for r in rows]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Check the configuration: secret key, database, data directory, Redis, outbound mail."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = run_checks()
        self.stdout.write(format_table(rows))
        errors = [r for r in rows if r.status == ERROR]
        if errors:
            raise CommandError(f"{len(errors)} problem(s) to fix before starting.", returncode=1)
