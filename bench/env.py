"""Where each benchmark database lives and the environment a process needs to use it (no Django import)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
# The generator's seed and content version: a cached benchmark database is reused only when both match.
SEED = 20_251_126
VERSION = 1
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
SECRET_KEY = "playerdesk-benchmark-only-secret-key-0123456789abcdef"  # noqa: S105 (benchmark database only)
# Variables of a developer's shell that must not leak into a benchmark process.
_CLEARED = ("PLAYERDESK_DEMO", "PLAYERDESK_DATABASE_URL", "PLAYERDESK_REDIS_URL", "PLAYERDESK_TESTING",
            "PLAYERDESK_DEBUG", "DJANGO_SETTINGS_MODULE")  # fmt: skip


def data_dir(db: str, size: int, label: str = "") -> Path:
    return OUT_DIR / f"{label or db}-{size}"


def pg_database(size: int, label: str = "") -> str:
    return f"playerdesk_bench_{label + '_' if label else ''}{size}"


def pg_url(size: int, label: str = "", server: str = PG_SERVER) -> str:
    parsed = urlparse(server)
    if parsed.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("benchmarks only target a PostgreSQL server on 127.0.0.1")
    return f"{server.rstrip('/')}/{pg_database(size, label)}"


def bench_env(db: str, size: int, label: str = "", server: str = PG_SERVER) -> dict[str, str]:
    """A copy of this process's environment pointed at the benchmark database of ``db``/``size``."""
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    directory = data_dir(db, size, label)
    (directory / "static").mkdir(parents=True, exist_ok=True)  # STATIC_ROOT, so nothing warns about it
    env.update(
        {
            "PLAYERDESK_DATA_DIR": str(directory),
            "PLAYERDESK_SECRET_KEY": SECRET_KEY,
            "PLAYERDESK_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "playerdesk.settings",
        }
    )
    if db == "postgres":
        env["PLAYERDESK_DATABASE_URL"] = pg_url(size, label, server)
    return env
