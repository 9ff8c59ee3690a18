"""Prepare one benchmark database: migrate, generate the cases (cached between runs), create the
supervisor session and the service token the scenarios use, and count the queries of the measured pages.

    python -m bench.prepare --db sqlite --size 10000 [--regenerate]

Prints one JSON object on the last line of stdout. Everything happens in the benchmark database chosen by
``bench.env`` (a data directory under ``bench/out/`` or a ``playerdesk_bench_*`` PostgreSQL database).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench import env as bench_env

MANIFEST = "manifest.json"
SUPERVISOR = "bench-supervisor"
QUEUE_PATH = "/desk/?tab=all"
API_PATH = "/api/v1/tickets"


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _reset_database(db: str, directory: Path, environ: dict[str, str]) -> None:
    """Start from an empty benchmark database (never touches anything outside the benchmark ones)."""
    (directory / MANIFEST).unlink(missing_ok=True)
    if db == "sqlite":
        for name in ("playerdesk.sqlite3", "playerdesk.sqlite3-wal", "playerdesk.sqlite3-shm"):
            (directory / name).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    url = environ["PLAYERDESK_DATABASE_URL"]
    server, _, name = url.rpartition("/")
    if not name.startswith("playerdesk_bench"):
        raise SystemExit(f"refusing to reset {name!r}: not a benchmark database")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _ensure_pg_database(environ: dict[str, str]) -> None:
    import psycopg
    from psycopg import sql

    server, _, name = environ["PLAYERDESK_DATABASE_URL"].rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def schema_fingerprint() -> str:
    """A digest of every migration file: cached data is rebuilt when the schema's history changes."""
    import hashlib

    digest = hashlib.sha256()
    root = bench_env.BENCH_DIR.parent / "playerdesk"
    for path in sorted(root.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _manifest_matches(directory: Path, db: str, size: int, seed: int, version: int) -> dict[str, Any] | None:
    path = directory / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text())
    except ValueError:
        return None
    wanted = {"db": db, "size": size, "seed": seed, "version": version, "schema": schema_fingerprint()}
    if all(manifest.get(k) == v for k, v in wanted.items()):
        return manifest
    return None


def _credentials() -> dict[str, Any]:
    from django.contrib.auth.models import User

    from bench.generate import signed_in_client
    from playerdesk.api.actions import do_create_token
    from playerdesk.api.models import ApiToken
    from playerdesk.core.models import AgentProfile, Role

    user = User.objects.filter(username=SUPERVISOR).first()
    if user is None:
        user = User(username=SUPERVISOR, email=f"{SUPERVISOR}@desk.example")
        user.set_unusable_password()
        user.save()
        AgentProfile.objects.create(user=user, display_name="Bench Supervisor", role=Role.SUPERVISOR,
                                    languages=["en", "fr"])  # fmt: skip
    client = signed_in_client(user)
    session = client.cookies["sessionid"].value
    ApiToken.objects.filter(name="bench").delete()  # one live benchmark token per database
    token, _row = do_create_token("bench", "service")
    return {"session_cookie": session, "token": token, "supervisor": SUPERVISOR}


def _count_queries(session: str, token: str, repeat: int = 5) -> dict[str, Any]:
    """Status, number of SQL queries and the slowest queries (median of ``repeat`` requests after one
    warm-up) of each measured page, through Django's test client in this process. Also returns the queue
    page's own statement with its bound parameters, as Django sends it (``queue_statement``)."""
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    result: dict[str, Any] = {}
    client = Client()
    client.cookies["sessionid"] = session
    for name, path, headers in (
        ("queue", QUEUE_PATH, {}),
        ("api", API_PATH, {"Authorization": f"Bearer {token}"}),
    ):
        try:
            statements: list[tuple[str, Any]] = []

            def keep(
                execute: Any, sql: str, params: Any, many: bool, context: Any, into: list[Any] = statements
            ) -> Any:
                into.append((sql, params))
                return execute(sql, params, many, context)

            with connection.execute_wrapper(keep):
                response = client.get(path, headers=headers)
            result[name] = {"status": response.status_code, "queries": len(statements)}
            if response.status_code != 200:
                continue
            runs = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    client.get(path, headers=headers)
                runs.append(list(captured.captured_queries))
            queries = runs[-1]
            result[name]["queries"] = len(queries)
            if name == "queue":
                result["queue_statement"] = _main_statement(statements)
            if any(len(run) != len(queries) for run in runs):
                continue
            timings = [
                (statistics.median(float(run[i]["time"]) for run in runs) * 1000, queries[i]["sql"])
                for i in range(len(queries))
            ]
            result[name]["sql_ms"] = round(sum(ms for ms, _sql in timings), 2)
            result[name]["slowest"] = [
                {"ms": round(ms, 2), "sql": _short(sql)}
                for ms, sql in sorted(timings, key=lambda t: -t[0])[:3]
            ]
        except Exception as exc:  # a page still being built must not stop the benchmark
            result[name] = {"status": None, "queries": None, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return result


def _short(sql: str, limit: int = 300) -> str:
    """A statement with its column list elided, so the FROM/WHERE/ORDER BY part shows."""
    flat = " ".join(sql.split())
    if flat.startswith('SELECT "') and " FROM " in flat:
        flat = "SELECT … FROM " + flat.split(" FROM ", 1)[1]
    for keyword in (" WHERE ", " ORDER BY ", " LIMIT "):
        if len(flat) > limit and keyword in flat and " JOIN " in flat.split(keyword, 1)[0]:
            head, tail = flat.split(keyword, 1)
            flat = head.split(" LEFT OUTER JOIN ")[0].split(" INNER JOIN ")[0] + " JOIN …" + keyword + tail
            break
    return flat[:limit]


def _main_statement(statements: list[tuple[str, Any]]) -> dict[str, Any] | None:
    """The statement that reads the page of cases (from the ticket table, ordered and limited), with its
    parameters made JSON-safe (datetimes as ISO text)."""
    for sql, params in statements:
        flat = " ".join(sql.split())
        upper = flat.upper()
        if (
            upper.startswith("SELECT")
            and '"tickets_ticket"' in flat
            and " LIMIT " in upper
            and " ORDER BY " in upper
            and "COUNT(" not in upper
        ):
            values = [p.isoformat() if hasattr(p, "isoformat") else p for p in (params or ())]
            return {"sql": flat, "params": values}
    return None


def _verify_sample(sample: int = 50) -> dict[str, Any]:
    from playerdesk.tickets.models import Ticket
    from playerdesk.tickets.timeline import verify_chain

    total = Ticket.objects.count()
    step = max(1, total // sample)
    ids = list(Ticket.objects.order_by("id").values_list("id", flat=True)[::step][:sample])
    broken = []
    for ticket in Ticket.objects.filter(id__in=ids).prefetch_related("events"):
        report = verify_chain(ticket.reference, ticket.events.all(), ticket.last_event_hash)
        if not report.ok:
            broken.append(f"{ticket.reference}: {report.reason}")
    return {"tickets": total, "chains_checked": len(ids), "chains_broken": broken}


def prepare(
    db: str, size: int, *, regenerate: bool = False, label: str = "", server: str = bench_env.PG_SERVER
) -> dict[str, Any]:
    environ = bench_env.bench_env(db, size, label, server)
    directory = Path(environ["PLAYERDESK_DATA_DIR"])
    os.environ.clear()
    os.environ.update(environ)

    manifest = None if regenerate else _manifest_matches(directory, db, size, bench_env.SEED,
                                                        bench_env.VERSION)  # fmt: skip
    if manifest is None:
        _reset_database(db, directory, environ)
    if db == "postgres":
        _ensure_pg_database(environ)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench import generate

    if manifest is None:
        last = [0.0]

        def progress(done: int, total: int, elapsed: float) -> None:
            if elapsed - last[0] >= 10 or done == total:
                last[0] = elapsed
                _log(f"  generated {done:,}/{total:,} cases in {elapsed:.0f} s")

        _log(f"generating {size:,} cases into the {db} benchmark database ({directory.name})")
        report = generate.generate(size, progress=progress)
        manifest = {
            "db": db,
            "size": size,
            "seed": bench_env.SEED,
            "version": bench_env.VERSION,
            "schema": schema_fingerprint(),
            "generated": report.as_dict(),
            "generated_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        (directory / MANIFEST).write_text(json.dumps(manifest, indent=2))
        g = manifest["generated"]
        _log(
            f"  {g['tickets']:,} cases, {g['messages']:,} messages, {g['events']:,} events "
            f"in {g['seconds']} s ({g['rows_per_second']:,} rows/s)"
        )
    else:
        _log(f"reusing the {db} benchmark database with {size:,} cases ({directory.name})")
    creds = _credentials()
    pages = _count_queries(creds["session_cookie"], creds["token"])
    queue_statement = pages.pop("queue_statement", None)
    return {
        "pages": pages,
        "queue_statement": queue_statement,
        "db": db,
        "size": size,
        "data_dir": str(directory),
        "database_url": environ.get("PLAYERDESK_DATABASE_URL", ""),
        "sqlite_path": str(directory / "playerdesk.sqlite3") if db == "sqlite" else "",
        "manifest": manifest,
        "verify": _verify_sample(),
        **creds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--label", default="", help="name prefix of the data directory/database (e.g. smoke)")
    parser.add_argument("--pg-server", default=bench_env.PG_SERVER)
    parser.add_argument("--regenerate", action="store_true", help="drop the cached data and generate again")
    args = parser.parse_args(argv)
    if not 1 <= args.size <= 5_000_000:
        parser.error("--size must be between 1 and 5,000,000")
    result = prepare(args.db, args.size, regenerate=args.regenerate, label=args.label, server=args.pg_server)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
