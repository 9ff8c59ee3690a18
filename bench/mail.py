"""Scenario: email ingest over SMTP, against a no-op aiosmtpd handler and the bare parse rate, on the shared
real-world corpus (every email-kind file of ../shared/corpus).

    python -m bench.mail                 # SQLite, 2 passes over the corpus, writes bench/RESULTS.md
    python -m bench.mail --passes 1 --smoke   # one pass, writes bench/out/mail-smoke.md, generous gates

Three targets, measured the same way (one SMTP client, one connection, messages sent one after another,
lines converted to CRLF as an MTA would):

- bare parse: ``limits.check_limits`` + ``parse.parse`` of each message, in process, no I/O;
- no-op: a stock aiosmtpd server (separate process) whose handler answers 250 and keeps nothing;
- PlayerDesk: ``playerdesk mailin`` (separate process) storing each message durably before 250, with
  ``playerdesk worker`` (separate process) processing the jobs at the same time (cases, threading,
  acknowledgements into the local mailbox).

Hostile headers (a 300 KB header block, a Content-Type with 32,000 parameters) must be rejected before
parsing in at most 100 ms: timed over SMTP (MAIL to the 552/554 reply, the copy kept in quarantine) and in
process (``check_limits`` alone), the worst of a few tries each.

Each pass makes every message unique (an ``X-Bench-Pass`` header) so the sha256 dedup never short-cuts.
Accept→case visible is the time from the 250 (client clock) to the commit of the processing (``processed_at``,
same machine). Peak memory is each process's high-water RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import re
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import env as bench_env
from bench.run import RESULTS, _git_commit, machine, write_results

CORPUS = bench_env.BENCH_DIR.parent.parent / "shared" / "corpus"
SMOKE_RESULTS = bench_env.OUT_DIR / "mail-smoke.md"
NOOP_GATE = 0.3
PARSE_GATE = 0.5
SMOKE_FACTOR = 0.5  # the smoke run halves the gates (short runs on shared machines are noisy)
VISIBLE_TIMEOUT = 600.0
PACED = 150  # messages of the paced phase
REJECT_GATE_MS = 100.0  # hostile headers rejected before parsing within this
REJECT_TRIES = 3
CHUNK = 50  # messages per target in turn


def log(text: str) -> None:
    print(text, flush=True)


def corpus_messages() -> list[bytes]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        raise SystemExit(f"the corpus is absent ({CORPUS}); nothing to measure")
    with manifest.open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["kind"].startswith("email-")]
    files = sorted(CORPUS / r["file"] for r in rows)
    return [re.sub(rb"\r\n|\r|\n", b"\r\n", f.read_bytes()) for f in files if f.is_file()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port} after {seconds:.0f} s")


def peak_rss_mib(pid: int) -> float | None:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("ab") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# ---------------------------------------------------------------- the SMTP client


class Client:
    """One SMTP connection; ``send`` returns (seconds, [(code, time of the reply, reply)])."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = self._connect()

    def _connect(self) -> smtplib.SMTP:
        conn = smtplib.SMTP("127.0.0.1", self.port, timeout=120)
        conn.ehlo("bench.example.com")
        return conn

    def send(
        self, messages: list[bytes], to: str, interval: float = 0.0
    ) -> tuple[float, list[tuple[int, float, str]]]:
        replies: list[tuple[int, float, str]] = []
        spent = 0.0
        for raw in messages:
            if interval:
                time.sleep(interval)
            started = time.perf_counter()
            self.conn.mail("bench@example.org")
            self.conn.rcpt(to)
            try:
                code, text = self.conn.data(raw)
            except smtplib.SMTPServerDisconnected:
                self.conn = self._connect()
                code, text = 0, b"disconnected"
            spent += time.perf_counter() - started
            replies.append((code, time.time(), text.decode("utf-8", "replace")))
            if code not in (250, 552, 554):
                self.conn.rset()
        return spent, replies

    def close(self) -> None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.conn.quit()


def unique(messages: list[bytes], passes: int, tag: bytes = b"") -> list[bytes]:
    return [
        b"X-Bench-Pass: %s%d-%d\r\n" % (tag, n, i) + raw
        for n in range(passes)
        for i, raw in enumerate(messages)
    ]


def accepted_ids(replies: list[tuple[int, float, str]]) -> dict[int, float]:
    accepted = {}
    for code, at, text in replies:
        found = re.search(r"#(\d+)", text)
        if code == 250 and found:
            accepted[int(found.group(1))] = at
    return accepted


# ---------------------------------------------------------------- the no-op server (own process)


def serve_noop(port: int) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class Noop:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    class LongLines(SMTP):
        line_length_limit = 1024 * 1024  # the same tolerance as PlayerDesk's receiver

    class NoopController(Controller):
        def factory(self) -> SMTP:
            return LongLines(self.handler, data_size_limit=25 * 1024 * 1024, decode_data=False)

    controller = NoopController(Noop(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


# ---------------------------------------------------------------- measurements


def bare_parse(messages: list[bytes]) -> float:
    """Seconds to check and parse ``messages`` in this process."""
    from playerdesk.mail.limits import check_limits
    from playerdesk.mail.parse import parse

    started = time.perf_counter()
    for raw in messages:
        if check_limits(raw) is None:
            parse(raw)
    return time.perf_counter() - started


def hostile_headers() -> dict[str, bytes]:
    """The acceptance test's two header bombs (``tests/mail/test_smtp_receiver.py``), and the 32,000
    parameters in a part's header, where the header block cap does not apply and the parameter cap must."""
    fillers = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"v" * 60) for i in range(4200))
    params = b";".join(b"p%d=1" % i for i in range(32_000))
    head = b"From: a@example.com\r\nSubject: params\r\n"
    return {
        "300 KB header block": b"From: a@example.com\r\nSubject: bomb\r\n" + fillers + b"\r\nbody\r\n",
        "32,000 parameters": head + b"Content-Type: text/plain; " + params + b"\r\n\r\nbody\r\n",
        "32,000 parameters in a part": head
        + b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        + b"Content-Type: text/plain; "
        + params
        + b"\r\n\r\nbody\r\n--b--\r\n",
    }


def time_rejections(port: int) -> list[tuple[str, int, float, float, str]]:
    """(bomb, SMTP reply code, worst ms over SMTP, worst ms in process, cap hit) of each header bomb."""
    from playerdesk.mail.limits import check_limits

    client = Client(port)
    results = []
    try:
        for name, bomb in hostile_headers().items():
            in_process, over_smtp, codes, caps = [], [], set(), set()
            for attempt in range(REJECT_TRIES):
                started = time.perf_counter()
                violation = check_limits(bomb)
                in_process.append((time.perf_counter() - started) * 1000)
                caps.add(violation.code if violation else "none")
                unique_bomb = b"X-Bench-Reject: %d\r\n" % attempt + bomb  # the sha256 never short-cuts
                spent, replies = client.send([unique_bomb], "support@bench.localhost")
                over_smtp.append(spent * 1000)
                codes.add(replies[0][0])
            code = codes.pop() if len(codes) == 1 else 0
            results.append((name, code, max(over_smtp), max(in_process), "/".join(sorted(caps))))
    finally:
        client.close()
    return results


def wait_visible(expected_ids: set[int], timeout: float) -> dict[int, tuple[str, float | None]]:
    from playerdesk.mail.models import InboundEmail, InboundStatus

    deadline = time.monotonic() + timeout
    while True:
        rows = {
            pk: (status, processed.timestamp() if processed else None)
            for pk, status, processed in InboundEmail.objects.filter(pk__in=expected_ids).values_list(
                "pk", "status", "processed_at"
            )
        }
        todo = [
            pk
            for pk, (status, _t) in rows.items()
            if status in (InboundStatus.PENDING, InboundStatus.PROCESSING)
        ]
        if not todo or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--passes", type=int, default=2, help="passes over the corpus per target")
    parser.add_argument("--smoke", action="store_true", help="write bench/out/mail-smoke.md, halved gates")
    parser.add_argument("--noop-server", type=int, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.noop_server:
        serve_noop(options.noop_server)
        return 0

    load_at_start = os.getloadavg()[0]
    corpus = corpus_messages()
    messages = unique(corpus, max(1, options.passes))
    env = bench_env.bench_env(options.db, 0, "mail")
    if options.db == "postgres":
        # Scale-out mode: PostgreSQL, and Redis for the job queue.
        from bench.prepare import _reset_database

        _reset_database("postgres", Path(env["PLAYERDESK_DATA_DIR"]), env)
        env["PLAYERDESK_REDIS_URL"] = "redis://127.0.0.1:6379/0"
        env["PLAYERDESK_REDIS_PREFIX"] = "pdbenchmail"
    data_dir = Path(env["PLAYERDESK_DATA_DIR"])
    shutil.rmtree(data_dir, ignore_errors=True)
    (data_dir / "static").mkdir(parents=True, exist_ok=True)
    env["PLAYERDESK_MAIL_DOMAIN"] = "bench.localhost"
    env["PLAYERDESK_LOG_LEVEL"] = "ERROR"
    logs = data_dir / "servers.log"
    py = sys.executable
    log(f"corpus: {len(corpus)} messages, {sum(map(len, corpus)):,} bytes; {len(messages)} sends per target")
    subprocess.run([py, "-m", "playerdesk.cli", "migrate"], env=env, check=True, capture_output=True)
    os.environ.update(env)
    import django

    django.setup()

    noop_port, port = free_port(), free_port()
    with (
        process([py, "-m", "bench.mail", "--noop-server", str(noop_port)], env, logs) as noop,
        process([py, "-m", "playerdesk.cli", "mailin", "--port", str(port)], env, logs) as mailin,
    ):
        wait_port(noop_port, noop)
        wait_port(port, mailin)
        # 1. The three targets in alternating chunks, so that the machine's load weighs on each alike.
        noop_client, pd_client = Client(noop_port), Client(port)
        parse_seconds = noop_seconds = pd_seconds = 0.0
        pd_replies: list[tuple[int, float, str]] = []
        for start in range(0, len(messages), CHUNK):
            chunk = messages[start : start + CHUNK]
            parse_seconds += bare_parse(chunk)
            noop_seconds += noop_client.send(chunk, "support@bench.localhost")[0]
            spent, replies = pd_client.send(chunk, "support@bench.localhost")
            pd_seconds += spent
            pd_replies += replies
        noop_client.close()
        noop_rss = peak_rss_mib(noop.pid)
        rate_parse, rate_noop = len(messages) / parse_seconds, len(messages) / noop_seconds
        log(f"bare parse: {rate_parse:,.0f} messages/s; no-op aiosmtpd: {rate_noop:,.0f} messages/s")
        accepted = accepted_ids(pd_replies)
        log(f"PlayerDesk receiver: {len(messages) / pd_seconds:,.0f} messages/s")
        rejections = time_rejections(port)
        for name, code, smtp_ms, check_ms, cap in rejections:
            log(f"{name}: {code} ({cap}) in {smtp_ms:,.1f} ms over SMTP, {check_ms:,.1f} ms in process")
        # 2. The worker drains the backlog: processing throughput.
        with process([py, "-m", "playerdesk.cli", "worker"], env, logs) as worker:
            started = time.time()
            rows = wait_visible(set(accepted), VISIBLE_TIMEOUT)
            drain_rate = len(accepted) / max(0.001, time.time() - started)
            log(f"processing: {drain_rate:,.0f} messages/s")
            # 3. Paced traffic (half the processing throughput), worker running: accept → case visible.
            paced = unique(corpus[:: max(1, len(corpus) // PACED)], 1, tag=b"paced")
            interval = 1 / max(0.5, drain_rate / 2)
            _s, paced_replies = pd_client.send(paced, "support@bench.localhost", interval=interval)
            pd_client.close()
            paced_ids = accepted_ids(paced_replies)
            paced_rows = wait_visible(set(paced_ids), VISIBLE_TIMEOUT)
            mailin_rss, worker_rss = peak_rss_mib(mailin.pid), peak_rss_mib(worker.pid)
    rate_pd = len(messages) / pd_seconds
    latencies = [
        (paced_rows[pk][1] - at) * 1000  # type: ignore[operator]
        for pk, at in paced_ids.items()
        if pk in paced_rows and paced_rows[pk][1] is not None
    ]
    codes: dict[int, int] = {}
    for code, _at, _text in pd_replies:
        codes[code] = codes.get(code, 0) + 1
    statuses: dict[str, int] = {}
    for status, _t in list(rows.values()) + list(paced_rows.values()):
        statuses[status] = statuses.get(status, 0) + 1
    from playerdesk.mail.models import InboundEmail
    from playerdesk.tickets.models import Ticket

    outcomes = dict(
        InboundEmail.objects.values_list("outcome")
        .annotate(n=django.db.models.Count("id"))
        .values_list("outcome", "n")
    )

    factor = SMOKE_FACTOR if options.smoke else 1.0
    gates = [
        (
            "ingest ≥ %.2f × no-op" % (NOOP_GATE * factor),
            f"{rate_pd / rate_noop:.2f}×",
            rate_pd / rate_noop >= NOOP_GATE * factor,
        ),
        (
            "ingest ≥ %.2f × bare parse" % (PARSE_GATE * factor),
            f"{rate_pd / rate_parse:.2f}×",
            rate_pd / rate_parse >= PARSE_GATE * factor,
        ),
    ]
    worst_reject = max(max(smtp_ms, check_ms) for _n, _c, smtp_ms, check_ms, _cap in rejections)
    rejected = all(code in (552, 554) for _n, code, _s, _c, _cap in rejections)
    gates.append(
        (
            f"hostile headers rejected (552/554) ≤ {REJECT_GATE_MS:.0f} ms",
            f"{worst_reject:,.1f} ms",
            rejected and worst_reject <= REJECT_GATE_MS,
        )
    )
    rejections_text = "; ".join(
        f"{name}: {code} ({cap}) in {smtp_ms:,.1f} ms over SMTP, {check_ms:,.1f} ms in process"
        for name, code, smtp_ms, check_ms, cap in rejections
    )
    info = machine(options.db, env.get("PLAYERDESK_DATABASE_URL", ""))
    codes_text = ", ".join(f"{c}: {n}" for c, n in sorted(codes.items()))
    statuses_text = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
    outcomes_text = ", ".join(f"{o or 'none'}: {n}" for o, n in sorted(outcomes.items()))
    gates_text = "; ".join(f"{n}: {v} {'ok' if ok else 'FAILED'}" for n, v, ok in gates)
    smoke = " --smoke" if options.smoke else ""
    command = f"python -m bench.mail --db {options.db} --passes {options.passes}{smoke}"
    corpus_bytes = sum(map(len, corpus))
    database = "PostgreSQL + Redis" if options.db == "postgres" else "SQLite"
    lines = [
        f"## Scenario: email ingest over SMTP ({database})",
        "",
        f"Command: `{command}`  ",
        f"Run at {time.strftime('%Y-%m-%d %H:%M:%S %Z')} on commit `{_git_commit()}`; corpus: "
        f"{len(corpus)} email-kind files of `../shared/corpus` ({corpus_bytes:,} bytes), "
        f"{options.passes} pass(es), each message made unique; one SMTP connection per server, messages "
        f"sent one after another, the targets taking turns by chunks of {CHUNK}.",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()) + f"; load average at start "
        f"{load_at_start:.1f} (the machine is shared: the chunked turns spread its load over every target)",
        "",
        "| target | messages/s | × no-op | × bare parse | peak RSS MiB |",
        "|---|---:|---:|---:|---:|",
        f"| bare parse (`check_limits` + `parse`, in process) | {rate_parse:,.0f} | | 1.00× | |",
        f"| no-op aiosmtpd handler (own process) | {rate_noop:,.0f} | 1.00× | "
        f"{rate_noop / rate_parse:.2f}× | {noop_rss or 0:.0f} |",
        "| PlayerDesk `mailin`: raw stored (encrypted, sha256, durable) before each 250 | "
        f"{rate_pd:,.0f} | {rate_pd / rate_noop:.2f}× | {rate_pd / rate_parse:.2f}× | "
        f"mailin {mailin_rss or 0:.0f} |",
        "| PlayerDesk `worker`: processing the backlog into cases, follow-ups, bounces | "
        f"{drain_rate:,.0f} | {drain_rate / rate_noop:.2f}× | {drain_rate / rate_parse:.2f}× | "
        f"worker {worker_rss or 0:.0f} |",
        "",
        f"Accept → case visible (250 at the client → processing committed), paced traffic at half the "
        f"processing throughput with the worker running, {len(latencies)} messages: "
        f"p50 {pct(latencies, 50):,.0f} ms, p95 {pct(latencies, 95):,.0f} ms, "
        f"max {max(latencies or [0]):,.0f} ms.",
        "",
        f"SMTP replies: {codes_text}; processing statuses: {statuses_text}; outcomes: {outcomes_text}; "
        f"cases: {Ticket.objects.count()}.",
        "",
        f"Hostile headers, rejected before parsing (worst of {REJECT_TRIES} tries; over SMTP: MAIL → reply, "
        f"the copy kept in quarantine; in process: `check_limits`): {rejections_text}.",
        "",
        f"Gates: {gates_text}",
    ]
    section = "\n".join(lines)
    target = SMOKE_RESULTS if options.smoke else RESULTS
    if options.smoke:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(section + "\n")
    else:
        write_results(RESULTS, f"mail-ingest:{options.db}", section)
    log(section)
    return 0 if all(ok for _n, _v, ok in gates) else 1


if __name__ == "__main__":
    sys.exit(main())
