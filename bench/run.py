"""Scenario 1: the agent queue page and the API list at growing case counts, beside a bare ASGI hello on the
same server settings and the raw SQL of the same query.

    python -m bench.run                          # SQLite, 10k and 100k cases, 300 requests each
    python -m bench.run --db postgres            # the same on PostgreSQL (127.0.0.1:5432)
    python -m bench.run --sizes 10000,100000 --million   # adds 1M cases (generation takes a while)
    python -m bench.run --smoke                  # 2k cases, 50 requests, generous gates (< 90 s)

For each size: the benchmark database is generated (or reused, see ``bench.prepare``), PlayerDesk is
started with uvicorn on a free 127.0.0.1 port, the hello app beside it with the same settings, and requests
are sent one at a time (after a warm-up), interleaving the targets so drift affects all of them alike.
The full run rewrites its section of ``bench/RESULTS.md``; the smoke run writes ``bench/out/smoke.md``.

Exit status: 0 all gates pass, 1 a gate failed, 2 a measured page did not answer 200 (nothing to gate).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import env as bench_env

RESULTS = bench_env.BENCH_DIR / "RESULTS.md"
SMOKE_RESULTS = bench_env.OUT_DIR / "smoke.md"
QUEUE_PATH = "/desk/?tab=all"
API_PATH = "/api/v1/tickets"
GROWTH_GATE = 1.5  # p95 at the largest size ≤ 1.5 × p95 at the smallest (queue page)
SMOKE_HELLO_GATE = 40.0  # smoke: queue and API p95 < 40 × hello p95 …
# … with hello's p95 counted as at least 2.5 ms: on a quiet loopback it is ~1 ms, which would turn a
# generous gate into a flaky one.
SMOKE_HELLO_FLOOR_MS = 2.5
SERVER_START_SECONDS = 60.0
REQUEST_TIMEOUT = 30.0

# The reference query: the first page of the open-cases queue (priority, then oldest first), with the
# joins a queue row shows. It is what the queue page asks of the database, without Django around it.
RAW_QUEUE_SQL = """
SELECT t.id, t.reference, t.subject, t.status, t.channel, t.language, t.category, t.priority,
       t.received_at, t.updated_at, t.requester_email, t.requester_name, t.message_count,
       tm.name, u.username, p.first_name, p.last_name
FROM tickets_ticket t
LEFT JOIN core_team tm ON tm.id = t.team_id
LEFT JOIN auth_user u ON u.id = t.assignee_id
LEFT JOIN players_player p ON p.id = t.player_id
WHERE t.status IN ('new', 'open', 'waiting_player', 'waiting_third_party')
ORDER BY t.priority, t.received_at, t.id
LIMIT 50
"""


def log(text: str) -> None:
    print(text, flush=True)


# ---------------------------------------------------------------- measurements


@dataclass
class Series:
    """Latencies of one target at one size (milliseconds)."""

    name: str
    samples: list[float] = field(default_factory=list)
    status: int | None = None
    error: str = ""
    bytes: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.samples) and not self.error

    def pct(self, q: int) -> float | None:
        if len(self.samples) < 2:
            return self.samples[0] if self.samples else None
        return statistics.quantiles(self.samples, n=100, method="inclusive")[q - 1]

    @property
    def p50(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def p95(self) -> float | None:
        return self.pct(95)

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": len(self.samples),
            "p50_ms": _round(self.p50),
            "p95_ms": _round(self.p95),
            "max_ms": _round(max(self.samples) if self.samples else None),
            "status": self.status,
            "error": self.error,
            "bytes": self.bytes,
        }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


Probe = Callable[[], tuple[int, int]]  # → (status, body bytes); raises on a transport error


def http_probe(client: httpx.Client, path: str, **kwargs: Any) -> Probe:
    def probe() -> tuple[int, int]:
        response = client.get(path, **kwargs)
        return response.status_code, len(response.content)

    return probe


def measure(
    probes: dict[str, Probe], *, requests: int, warmup: int, budget_seconds: float
) -> dict[str, Series]:
    """Warm each target up, then ``requests`` rounds, each round one request per target in turn.
    Bounded by the count and by ``budget_seconds``. A target that does not answer 200 is dropped."""
    series = {name: Series(name) for name in probes}
    live = dict(probes)
    for name, probe in list(live.items()):
        for _ in range(warmup):
            try:
                status, size = probe()
            except Exception as exc:
                series[name].error = f"{type(exc).__name__}: {exc}"[:200]
                break
            series[name].status, series[name].bytes = status, size
            if status != 200:
                series[name].error = f"HTTP {status}"
                break
        if series[name].error:
            del live[name]
    deadline = time.monotonic() + budget_seconds
    for _round_no in range(requests):
        if time.monotonic() > deadline:
            log(f"    time budget of {budget_seconds:.0f} s reached after {_round_no} rounds")
            break
        for name, probe in list(live.items()):
            started = time.perf_counter()
            try:
                status, _size = probe()
            except Exception as exc:
                series[name].error = f"{type(exc).__name__}: {exc}"[:200]
                del live[name]
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                series[name].status, series[name].error = status, f"HTTP {status}"
                del live[name]
                continue
            series[name].samples.append(elapsed)
    return series


# ---------------------------------------------------------------- raw SQL


_QMARK = re.compile(r"(?<!%)%s")


def sqlite_probe(path: str, sql: str, params: list[Any]) -> tuple[Probe, Callable[[], None], str]:
    """Run ``sql`` (Django's ``%s`` placeholders) on its own connection, bound as Django's backend binds."""
    sql = _QMARK.sub("?", sql).replace("%%", "%")
    conn = sqlite3.connect(path, check_same_thread=False)
    for pragma in ("cache_size=-32000", "temp_store=MEMORY", "mmap_size=268435456"):
        conn.execute(f"PRAGMA {pragma}")
    plan = " / ".join(str(row[-1]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))

    def probe() -> tuple[int, int]:
        rows = conn.execute(sql, params).fetchall()
        return 200, len(rows)

    return probe, conn.close, plan


def postgres_probe(url: str, sql: str, params: list[Any]) -> tuple[Probe, Callable[[], None], str]:
    """Run ``sql`` with client-side binding, as Django's psycopg 3 backend does by default."""
    import psycopg

    conn = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor)
    with conn.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = " / ".join(str(r[0]).strip() for r in cursor.fetchall()[:6])

    def probe() -> tuple[int, int]:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return 200, len(rows)

    return probe, conn.close, plan


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


UVICORN_FLAGS = ["--host", "127.0.0.1", "--workers", "1", "--lifespan", "off", "--no-access-log",
                 "--log-level", "warning", "--timeout-keep-alive", "30"]  # fmt: skip


@contextlib.contextmanager
def server(app: str, environ: dict[str, str], ready_path: str, log_name: str) -> Iterator[str]:
    """Run ``uvicorn app`` on a free 127.0.0.1 port until the block ends; yields its base URL."""
    port = free_port()
    bench_env.OUT_DIR.mkdir(parents=True, exist_ok=True)
    log_path = bench_env.OUT_DIR / f"{log_name}.log"
    with open(log_path, "w") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, *UVICORN_FLAGS, "--port", str(port)],
            env=environ,
            cwd=bench_env.BENCH_DIR.parent,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{app} exited ({proc.returncode}); see {log_path}")
                try:
                    if httpx.get(base + ready_path, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{app} did not answer within {SERVER_START_SECONDS:.0f} s; see {log_path}"
                    )
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


# ---------------------------------------------------------------- one size


def prepare(db: str, size: int, label: str, regenerate: bool, pg_server: str) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "bench.prepare",
        "--db",
        db,
        "--size",
        str(size),
        "--pg-server",
        pg_server,
    ]
    if label:
        command += ["--label", label]
    if regenerate:
        command.append("--regenerate")
    done = subprocess.run(
        command,
        cwd=bench_env.BENCH_DIR.parent,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
        timeout=4 * 3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"preparing the {db} database of {size:,} cases failed ({done.returncode})")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_size(db: str, size: int, args: argparse.Namespace, label: str) -> dict[str, Any]:
    log(f"\n== {db}, {size:,} cases")
    info = prepare(db, size, label, args.regenerate, args.pg_server)
    environ = bench_env.bench_env(db, size, label, args.pg_server)
    for name, page in info["pages"].items():
        sql_ms = f" ({page['sql_ms']} ms of SQL)" if "sql_ms" in page else ""
        log(
            f"  {name}: status {page.get('status')}, {page.get('queries')} queries{sql_ms} "
            f"{page.get('error', '')}"
        )
        for q in page.get("slowest", [])[:1]:
            log(f"    slowest {q['ms']} ms: {q['sql'][:150]}")
    statement = info.get("queue_statement") or {}
    with (
        server("playerdesk.asgi:application", environ, "/healthz", f"server-{label or db}-{size}") as app_url,
        server("bench.hello_asgi:app", environ, "/", f"hello-{label or db}-{size}") as hello_url,
        httpx.Client(base_url=app_url, timeout=REQUEST_TIMEOUT) as app_client,
        httpx.Client(base_url=hello_url, timeout=REQUEST_TIMEOUT) as hello_client,
    ):
        app_client.cookies.set("sessionid", info["session_cookie"])
        probes: dict[str, Probe] = {
            "hello": http_probe(hello_client, "/"),
            "queue": http_probe(app_client, QUEUE_PATH),
            "api": http_probe(app_client, API_PATH, headers={"Authorization": f"Bearer {info['token']}"}),
        }
        closers: list[Callable[[], None]] = []
        plans: dict[str, str] = {}
        raw_queries: dict[str, tuple[str, list[Any]]] = {"raw_sql": (RAW_QUEUE_SQL, [])}
        if statement:
            raw_queries["view_sql"] = (statement["sql"], list(statement["params"]))
        for name, (sql, params) in raw_queries.items():
            try:
                if db == "sqlite":
                    probe, close, plan = sqlite_probe(info["sqlite_path"], sql, params)
                else:
                    probe, close, plan = postgres_probe(info["database_url"], sql, params)
            except Exception as exc:
                log(f"  {name}: cannot run ({type(exc).__name__}: {exc})")
                continue
            probes[name], plans[name] = probe, plan
            closers.append(close)
        try:
            log(f"  measuring {', '.join(probes)}: {args.warmup} warm-up + {args.requests} requests each")
            series = measure(probes, requests=args.requests, warmup=args.warmup, budget_seconds=args.budget)
        finally:
            for close in closers:
                close()
    for name, s in series.items():
        if s.ok:
            log(f"  {name:9} p50 {s.p50:8.2f} ms   p95 {s.p95:8.2f} ms   n={len(s.samples)}")
        else:
            log(f"  {name:9} unavailable: {s.error or 'no samples'}")
    return {
        "size": size,
        "generated": (info.get("manifest") or {}).get("generated", {}),
        "verify": info.get("verify", {}),
        "pages": info.get("pages", {}),
        "plans": plans,
        "view_sql": statement,
        "series": {name: s.as_dict() for name, s in series.items()},
    }


# ---------------------------------------------------------------- ratios and gates


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def ratios(result: dict[str, Any]) -> dict[str, float | None]:
    s = result["series"]

    def get(name: str, key: str) -> float | None:
        value = s.get(name, {}).get(key)
        return float(value) if value is not None else None

    out = {}
    for pct in ("p50_ms", "p95_ms"):
        tag = pct[:3]
        out[f"queue/hello {tag}"] = ratio(get("queue", pct), get("hello", pct))
        out[f"api/hello {tag}"] = ratio(get("api", pct), get("hello", pct))
        out[f"queue/raw-sql {tag}"] = ratio(get("queue", pct), get("raw_sql", pct))
        out[f"api/raw-sql {tag}"] = ratio(get("api", pct), get("raw_sql", pct))
    return out


def growth(results: list[dict[str, Any]]) -> dict[str, float | None]:
    if len(results) < 2:
        return {}
    first = results[0]
    out = {}
    for later in results[1:]:
        for name in ("queue", "api", "raw_sql", "view_sql", "hello"):
            for pct in ("p95", "p50"):
                a = later["series"].get(name, {}).get(f"{pct}_ms")
                b = first["series"].get(name, {}).get(f"{pct}_ms")
                if a is not None and b is not None:
                    out[f"{name} {pct}({_k(later['size'])})/{pct}({_k(first['size'])})"] = ratio(a, b)
    return out


def _k(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


@dataclass
class Gate:
    name: str
    value: float | None
    limit: float
    unavailable: bool = False

    @property
    def passed(self) -> bool:
        return self.value is not None and self.value <= self.limit

    def line(self) -> str:
        if self.value is None:
            return f"{self.name}: not measured"
        verdict = "PASS" if self.passed else "FAIL"
        return f"{self.name}: {self.value:.2f} (limit {self.limit:g}) {verdict}"


def gates(results: list[dict[str, Any]], smoke: bool) -> list[Gate]:
    found = []
    if smoke:
        for result in results:
            series = result["series"]
            hello = max(series.get("hello", {}).get("p95_ms") or 0.0, SMOKE_HELLO_FLOOR_MS)
            for name in ("queue", "api"):
                p95 = series.get(name, {}).get("p95_ms")
                label = f"{name} p95 / max(hello p95, {SMOKE_HELLO_FLOOR_MS:g} ms)"
                found.append(Gate(label, ratio(p95, hello), SMOKE_HELLO_GATE))
        return found
    g = growth(results)
    largest, smallest = results[-1]["size"], results[0]["size"]
    key = f"queue p95({_k(largest)})/p95({_k(smallest)})"
    if key in g:
        found.append(Gate(f"queue page growth, {key}", g[key], GROWTH_GATE))
    return found


# ---------------------------------------------------------------- report


def machine(db: str, pg_url: str) -> dict[str, str]:
    info = {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": _memory(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    with contextlib.suppress(Exception):
        import django
        import uvicorn

        info["django"] = django.get_version()
        info["uvicorn"] = uvicorn.__version__
    if db == "postgres" and pg_url:
        with contextlib.suppress(Exception):
            import psycopg

            with psycopg.connect(pg_url, connect_timeout=5) as conn:
                row = conn.execute("SHOW server_version").fetchone()
                info["postgresql"] = str(row[0]) if row else "?"
    return info


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _memory() -> str:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "?"


def _git_commit() -> str:
    with contextlib.suppress(Exception):
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=bench_env.BENCH_DIR.parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if done.returncode == 0:
            return done.stdout.strip()
    return "?"


def _ms(value: Any) -> str:
    return "–" if value is None else f"{value:.2f}"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


LABELS = {
    "hello": "bare ASGI hello (same uvicorn settings)",
    "queue": f"queue page `GET {QUEUE_PATH}` (supervisor session)",
    "api": f"API list `GET {API_PATH}` (service token)",
    "raw_sql": "raw SQL of the queue query, statuses as literals (in-process, no HTTP)",
    "view_sql": "raw SQL of the queue view's own statement, parameters bound as Django binds them",
}


def render(db: str, command: str, results: list[dict[str, Any]], found: list[Gate], args: argparse.Namespace
           ) -> str:  # fmt: skip
    info = machine(db, results[0].get("database_url", "") if results else "")
    lines = [
        f"## Scenario 1: queue page and API list, {'PostgreSQL' if db == 'postgres' else 'SQLite'}",
        "",
        f"Command: `{command}`  ",
        f"Run at {time.strftime('%Y-%m-%d %H:%M:%S %Z')} on commit `{_git_commit()}`; "
        f"{args.warmup} warm-up then {args.requests} sequential requests per target, targets interleaved; "
        "latencies are client-side (request sent → body read) in milliseconds.",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()),
        "",
    ]
    for result in results:
        gen = result.get("generated") or {}
        verify = result.get("verify") or {}
        lines += [f"### {result['size']:,} cases", ""]
        chains = (
            "BROKEN " + "; ".join(verify["chains_broken"]) if verify.get("chains_broken") else "all intact"
        )
        if gen:
            lines.append(
                f"Data: {gen.get('tickets', 0):,} cases, {gen.get('messages', 0):,} messages, "
                f"{gen.get('events', 0):,} timeline events, {gen.get('players', 0):,} players; "
                f"open (new/open/waiting): {_open_count(gen):,}; generated in {gen.get('seconds')} s "
                f"({gen.get('rows_per_second', 0):,} rows/s). Hash chains verified on a sample of "
                f"{verify.get('chains_checked', 0)}: {chains}."
            )
            lines.append("")
        lines += [
            "| target | n | p50 ms | p95 ms | max ms | SQL queries | status |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for name, s in result["series"].items():
            page = result.get("pages", {}).get(name, {})
            queries = page.get("queries")
            status = "ok" if not s["error"] else s["error"]
            lines.append(
                f"| {LABELS.get(name, name)} | {s['n']} | {_ms(s['p50_ms'])} | {_ms(s['p95_ms'])} | "
                f"{_ms(s['max_ms'])} | {'' if queries is None else queries} | {status} |"
            )
        lines.append("")
        r = ratios(result)
        lines += ["| ratio | p50 | p95 |", "|---|---:|---:|"]
        for pair in ("queue/hello", "api/hello", "queue/raw-sql", "api/raw-sql"):
            lines.append(f"| {pair} | {_x(r[pair + ' p50'])} | {_x(r[pair + ' p95'])} |")
        lines.append("")
        for name, plan in result.get("plans", {}).items():
            lines.append(f"Plan of {name}: `{plan}`  ")
        lines.append("")
        for name, page in result.get("pages", {}).items():
            if page.get("slowest"):
                lines.append(
                    f"Slowest SQL of {name} ({page['queries']} queries, {page['sql_ms']} ms of SQL in all, "
                    "median of 5 in-process requests):"
                )
                lines += [f"- {q['ms']} ms: `{q['sql']}`" for q in page["slowest"]]
                lines.append("")
    g = growth(results)
    if g:
        lines += ["### Growth (latency at the larger size / at the smallest)", "", "| measurement | ratio |",
                  "|---|---:|"]  # fmt: skip
        lines += [f"| {k} | {_x(v)} |" for k, v in g.items()]
        lines.append("")
    if found:
        lines += ["Gates: " + "; ".join(gate.line() for gate in found), ""]
    unavailable = [
        f"{r['size']:,}: {n} ({s['error']})" for r in results for n, s in r["series"].items() if s["error"]
    ]
    if unavailable:
        lines += ["Not measured: " + "; ".join(unavailable), ""]
    return "\n".join(lines)


def _open_count(gen: dict[str, Any]) -> int:
    statuses = gen.get("statuses") or {}
    return sum(int(statuses.get(s, 0)) for s in ("new", "open", "waiting_player", "waiting_third_party"))


HEADER = """# Benchmark results

Produced by `make bench` (`python -m bench.run`, see `bench/run.py`); each scenario section below is
rewritten by the run that measured it, with the exact command, the machine and the figures.
Data: `bench/generate.py` (deterministic, seed {seed}); databases under `bench/out/` or `playerdesk_bench_*`.
"""


def write_results(path: Path, key: str, section: str) -> None:
    begin, end = f"<!-- scenario {key} -->", f"<!-- end scenario {key} -->"
    block = f"{begin}\n{section.rstrip()}\n{end}\n"
    text = path.read_text() if path.exists() else HEADER.format(seed=bench_env.SEED)
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    found = pattern.search(text)
    text = pattern.sub(lambda _m: block, text) if found else text.rstrip() + "\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# ---------------------------------------------------------------- main


def parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(x.replace("_", "")) for x in text.split(",") if x.strip()})
    if not sizes or any(not 1 <= s <= 5_000_000 for s in sizes):
        raise argparse.ArgumentTypeError("sizes are case counts between 1 and 5,000,000")
    return sizes


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sizes", type=parse_sizes, default=[10_000, 100_000])
    parser.add_argument("--million", action="store_true", help="add 1,000,000 cases to the sizes")
    parser.add_argument("--requests", type=int, default=300, help="measured requests per target and size")
    parser.add_argument("--warmup", type=int, default=30, help="warm-up requests per target and size")
    parser.add_argument("--budget", type=float, default=300.0, help="seconds of measuring per size, at most")
    parser.add_argument("--regenerate", action="store_true", help="generate the data again even if cached")
    parser.add_argument("--pg-server", default=bench_env.PG_SERVER, help="PostgreSQL server URL (127.0.0.1)")
    parser.add_argument("--smoke", action="store_true", help="tiny run with generous gates (CI check)")
    parser.add_argument("--results", type=Path, default=None, help="file to write (default bench/RESULTS.md)")
    args = parser.parse_args(argv)
    label = ""
    if args.smoke:
        label = "smoke"
        if "--sizes" not in " ".join(argv):
            args.sizes = [2_000]
        if "--requests" not in argv:
            args.requests = 50
        if "--warmup" not in argv:
            args.warmup = 10
        args.budget = min(args.budget, 45.0)
    if args.million and 1_000_000 not in args.sizes:
        args.sizes = sorted([*args.sizes, 1_000_000])
    args.requests = max(1, min(args.requests, 10_000))
    args.warmup = max(1, min(args.warmup, 1_000))
    command = " ".join(["python -m bench.run", *argv])

    started = time.monotonic()
    results = []
    for size in args.sizes:
        result = run_size(args.db, size, args, label)
        if args.db == "postgres":
            result["database_url"] = bench_env.pg_url(size, label, args.pg_server)
        results.append(result)
    found = gates(results, args.smoke)
    section = render(args.db, command, results, found, args)
    target = args.results or (SMOKE_RESULTS if args.smoke else RESULTS)
    write_results(target, f"{'smoke' if args.smoke else 'queue-api'}:{args.db}", section)

    log("")
    for key, value in growth(results).items():
        log(f"  {key}: {_x(value)}")
    for result in results:
        for key, value in ratios(result).items():
            if key.endswith("p95"):
                log(f"  {_k(result['size'])} {key}: {_x(value)}")
    for gate in found:
        log(f"  gate {gate.line()}")
    log(f"\nwrote {target} in {time.monotonic() - started:.0f} s")

    missing = [n for r in results for n, s in r["series"].items() if s["error"] or not s["n"]]
    if missing:
        log(f"not measured: {', '.join(sorted(set(missing)))}")
    if any(gate.value is not None and not gate.passed for gate in found) or (args.smoke and missing):
        return 1
    if missing:
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
