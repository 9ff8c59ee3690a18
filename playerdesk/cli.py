"""The ``playerdesk`` command.

``playerdesk run`` starts every role of the desk on one machine (migrating the embedded database and
loading the demo data first when asked); ``web`` and ``worker`` run one role each, for scale-out. The
other subcommands administer an installation: ``migrate``, ``check``, ``demo``, ``createuser``,
``token``, ``verify-timeline`` and ``manage`` (any Django management command).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from types import FrameType

log = logging.getLogger("playerdesk.run")

# Every role `playerdesk run` starts, as the arguments of `playerdesk` that run it on its own.
# Adding a role to the one-machine setup is one line here.
ROLES: dict[str, list[str]] = {
    "web": ["web"],
    "worker": ["worker"],
    "mailin": ["mailin"],
}

# Subcommands implemented as Django management commands (their options are parsed there).
DJANGO_COMMANDS = {
    "demo": ("demo", "load the demo desk once (idempotent; demo mode only)"),
    "createuser": ("createuser", "create an agent, supervisor or admin login"),
    "reset-2fa": ("reset_2fa", "turn off an agent's two-step sign-in (lost phone): USERNAME --reason TEXT"),
    "token": ("token", "API tokens: create --role ROLE (prints only the token), list, revoke PREFIX"),
    "verify-timeline": ("verify_timeline", "verify the hash chain of cases: PD-… [PD-…] or --all"),
    "triage": ("triage", "triage: train | evaluate FILE.jsonl | test TEXT"),
    "import": ("import_operator_data", "operator data: import players|transactions FILE (JSONL or CSV)"),
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playerdesk.settings")
    if args and args[0] in DJANGO_COMMANDS:
        return _django_command(args[0], args[1:])
    if args and args[0] == "manage":
        return _manage(args[1:])
    parser = build_parser()
    options = parser.parse_args(args)
    handler: Callable[[argparse.Namespace], int] | None = getattr(options, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return handler(options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playerdesk",
        description="PlayerDesk: player support desk. Configuration comes from PLAYERDESK_* variables.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = sub.add_parser("run", help="all roles on this machine (migrates first in embedded mode)")
    run.add_argument("--max-restarts", type=int, default=5, help="restarts of a role allowed per minute")
    run.add_argument("--stop-timeout", type=float, default=10.0, help="seconds to wait for roles to stop")
    run.set_defaults(handler=cmd_run)

    web = sub.add_parser("web", help="the web role: HTTP and WebSockets (ASGI, uvicorn)")
    web.add_argument("--host", default=None, help="default PLAYERDESK_HTTP_HOST (127.0.0.1)")
    web.add_argument("--port", type=int, default=None, help="default PLAYERDESK_HTTP_PORT (8000)")
    web.add_argument("--workers", type=int, default=1, help="web processes on this machine")
    web.add_argument(
        "--proxy-headers",
        action="store_true",
        help="trust X-Forwarded-For/Proto from the load balancer (FORWARDED_ALLOW_IPS)",
    )
    web.set_defaults(handler=cmd_web)

    worker = sub.add_parser("worker", help="the worker role: background jobs and schedules (Huey)")
    worker.add_argument("--threads", type=int, default=None, help="default PLAYERDESK_WORKER_THREADS (4)")
    worker.set_defaults(handler=cmd_worker)

    mailin = sub.add_parser("mailin", help="the mail-in role: the SMTP receiver (aiosmtpd)")
    mailin.add_argument("--host", default=None, help="default PLAYERDESK_SMTP_HOST (127.0.0.1)")
    mailin.add_argument("--port", type=int, default=None, help="default PLAYERDESK_SMTP_PORT (2525)")
    mailin.set_defaults(handler=cmd_mailin)

    migrate = sub.add_parser("migrate", help="create or update the database tables")
    migrate.set_defaults(handler=cmd_migrate)

    check = sub.add_parser("check", help="check the configuration (exit status 1 on errors)")
    check.set_defaults(handler=cmd_check)

    for name, (_command, help_text) in DJANGO_COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    sub.add_parser("manage", help="any Django management command, e.g. 'manage shell'", add_help=False)
    return parser


# ---------------------------------------------------------------- helpers


def _setup() -> int | None:
    """Load the settings and apps; on a configuration error print it and return the exit status."""
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        print(f"playerdesk: configuration error: {exc}", file=sys.stderr)
        return 2
    return None


def _django_command(name: str, args: list[str]) -> int:
    if (status := _setup()) is not None:
        return status
    from django.core.management import call_command
    from django.core.management.base import CommandError

    command, _help = DJANGO_COMMANDS[name]
    try:
        call_command(command, *args)
    except CommandError as exc:
        print(f"playerdesk {name}: {exc}", file=sys.stderr)
        return exc.returncode
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    return 0


def _manage(args: list[str]) -> int:
    if (status := _setup()) is not None:
        return status
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["playerdesk manage", *args])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def _say(message: str) -> None:
    print(f"playerdesk: {message}", flush=True)


# ---------------------------------------------------------------- single roles and admin commands


def cmd_migrate(options: argparse.Namespace) -> int:
    if (status := _setup()) is not None:
        return status
    from django.core.management import call_command

    call_command("migrate", interactive=False)
    return 0


def cmd_check(options: argparse.Namespace) -> int:
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        print(f"{'CHECK':<14}  {'STATUS':<7}  DETAIL")
        print(f"{'settings':<14}  {'ERROR':<7}  {exc}")
        return 1
    return _django_command_by_name("checkconfig")


def _django_command_by_name(command: str) -> int:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command(command)
    except CommandError as exc:
        print(f"playerdesk: {exc}", file=sys.stderr)
        return exc.returncode
    return 0


def cmd_web(options: argparse.Namespace) -> int:
    if (status := _setup()) is not None:
        return status
    import uvicorn
    from django.conf import settings

    host = options.host or settings.HTTP_HOST
    port = options.port or settings.HTTP_PORT
    # Static files are served from the apps (finders); the directory only has to exist.
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    _say(f"web listening on http://{host}:{port} ({options.workers} process(es))")
    uvicorn.run(
        "playerdesk.asgi:application",
        host=host,
        port=port,
        workers=max(1, options.workers),
        lifespan="off",
        proxy_headers=options.proxy_headers,
        # Chat frames are small: compression would cost ~35 KiB of zlib state per socket for nothing.
        ws_per_message_deflate=False,
        log_level=settings.LOGGING["root"]["level"].lower(),  # type: ignore[index]
        timeout_graceful_shutdown=8,
    )
    return 0


def cmd_worker(options: argparse.Namespace) -> int:
    if (status := _setup()) is not None:
        return status
    from django.conf import settings
    from django.utils.module_loading import autodiscover_modules
    from huey.consumer_options import ConsumerConfig
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")
    values: dict[str, object] = dict(settings.HUEY.get("consumer", {}))  # type: ignore[call-overload]
    if options.threads:
        values["workers"] = options.threads
    # SIGTERM (what `playerdesk run`, systemd and orchestrators send) finishes the running jobs first.
    values.update(graceful_signal="TERM", shutdown_timeout=8)
    config = ConsumerConfig(**values)
    config.validate()
    consumer = HUEY.create_consumer(**config.values)
    _say(f"worker consuming jobs from {type(HUEY).__name__} with {config.workers} thread(s)")
    consumer.run()
    return 0


def cmd_mailin(options: argparse.Namespace) -> int:
    if (status := _setup()) is not None:
        return status
    from playerdesk.mail.smtp import serve

    serve(options.host, options.port)
    return 0


# ---------------------------------------------------------------- run: every role in one command


def cmd_run(options: argparse.Namespace) -> int:
    if (status := _setup()) is not None:
        return status
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    try:
        if not settings.DATABASE_URL:
            _say(f"migrating the embedded database ({settings.DATA_DIR})")
            call_command("migrate", interactive=False, verbosity=0)
        if settings.DEMO:
            _load_demo(settings.DEMO_CASES)
    except KeyboardInterrupt:
        _say("interrupted before the roles started (the demo data load resumes next time)")
        return 130
    connections.close_all()

    supervisor = Supervisor(ROLES, max_restarts=options.max_restarts, stop_timeout=options.stop_timeout)
    return supervisor.run(
        ready=lambda: _port_open(settings.HTTP_HOST, settings.HTTP_PORT), on_ready=_print_banner
    )


def _load_demo(cases: int) -> None:
    from playerdesk.console import demo

    def progress(done: int, total: int) -> None:
        if done % 250 == 0 or done == total:
            _say(f"demo data: {done}/{total} cases")

    summary = demo.build(cases, progress=progress)
    if summary.already_loaded:
        _say(f"demo data already loaded ({demo.loaded_cases()} cases)")
    else:
        _say(f"demo data loaded: {summary.created_cases} cases in {summary.seconds:.1f} s")


def _print_banner() -> None:
    from django.conf import settings as conf

    base = f"http://{conf.HTTP_HOST}:{conf.HTTP_PORT}"
    lines = [
        "",
        f"PlayerDesk is running ({', '.join(ROLES)}). Ctrl-C stops it.",
        f"  agent console   {base}/desk/",
        f"  player portal   {base}/help/",
        f"  REST API        {base}/api/v1/  (OpenAPI: {base}/api/v1/openapi.json)",
        f"  health          {base}/healthz",
    ]
    if conf.DEMO:
        from playerdesk.console import demo

        lines.append(f"  demo logins (password '{demo.DEMO_PASSWORD}' for all):")
        lines += [f"    {username:<8} {about}" for username, _password, about in demo.logins()]
    else:
        lines.append("  logins: create one with 'playerdesk createuser NAME --email … --role admin'")
    print("\n".join(lines) + "\n", flush=True)


def _port_open(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        return False
    return True


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """On Linux, a role receives SIGTERM if the runner itself is killed, so no role is left behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: S110 - best effort: other systems have no such call
        pass


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


class Supervisor:
    """Runs each role as a child process, restarts a role that stops (with backoff, at most
    ``max_restarts`` a minute) and stops them all on SIGINT/SIGTERM: SIGTERM, wait, then SIGKILL."""

    def __init__(
        self,
        roles: dict[str, list[str]],
        *,
        max_restarts: int = 5,
        window: float = 60.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.roles = roles
        self.max_restarts = max_restarts
        self.window = window
        self.stop_timeout = stop_timeout
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.restarts: dict[str, deque[float]] = {name: deque() for name in roles}
        self.due: dict[str, float] = {}
        self.stop_signal: int | None = None
        self.exit_code = 0

    def start(self, name: str) -> None:
        command = [sys.executable, "-m", "playerdesk.cli", *self.roles[name]]
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, start_new_session=True, preexec_fn=_die_with_parent
        )
        self.children[name] = process
        _say(f"{name} started (pid {process.pid})")

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop_signal = signum

    def run(self, ready: Callable[[], bool] | None = None, on_ready: Callable[[], None] | None = None) -> int:
        """Supervise until a stop signal (exit status 0) or a role that keeps failing (status 1).
        ``on_ready`` is called once, as soon as ``ready()`` is true."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for name in self.roles:
                self.start(name)
            announced = on_ready is None
            while self.stop_signal is None and self.exit_code == 0:
                self._reap()
                if not announced and (ready is None or ready()):
                    assert on_ready is not None
                    on_ready()
                    announced = True
                now = time.monotonic()
                for name, due in list(self.due.items()):
                    if now >= due and self.stop_signal is None:
                        del self.due[name]
                        self.start(name)
                time.sleep(0.2)
            if self.stop_signal is not None:
                _say(f"{signal.Signals(self.stop_signal).name} received: stopping")
            self.shutdown()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return self.exit_code

    def _reap(self) -> None:
        for name, process in list(self.children.items()):
            code = process.poll()
            if code is None:
                continue
            del self.children[name]
            now = time.monotonic()
            recent = self.restarts[name]
            while recent and now - recent[0] > self.window:
                recent.popleft()
            if len(recent) >= self.max_restarts:
                _say(
                    f"{name} (pid {process.pid}) stopped with {_describe(code)}; it stopped "
                    f"{len(recent) + 1} times within {self.window:.0f} s: giving up"
                )
                self.exit_code = 1
                return
            delay = float(min(30, 2 ** len(recent)))
            recent.append(now)
            self.due[name] = now + delay
            _say(
                f"{name} (pid {process.pid}) stopped with {_describe(code)}; restarting in {delay:.0f} s "
                f"(restart {len(recent)} within a minute)"
            )

    def shutdown(self) -> None:
        self.due.clear()
        for process in self.children.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + self.stop_timeout
        for name, process in self.children.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _say(f"{name} (pid {process.pid}) did not stop in {self.stop_timeout:.0f} s: killing it")
                process.kill()
                process.wait()
        self.children.clear()
        _say("all roles stopped")


if __name__ == "__main__":
    sys.exit(main())
