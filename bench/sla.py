"""Scenario: the SLA breach sweep with 1,000,000 open cases on PostgreSQL.

    python -m bench.sla                      # 1,000,000 open cases, 240 s window, 150 breaches a minute
    python -m bench.sla --cases 100000 --window 60 --smoke   # quick run, written to bench/out/sla-smoke.md

1. A separate benchmark database (``playerdesk_bench_sla_<cases>`` on 127.0.0.1) is created and migrated;
   the open cases, their SLA summaries and two clocks each (first response, resolution) are generated in
   bulk with SQL (``generate_series``), under the default policy and business calendar. Their due times are
   spread over the next five days, except ``rate × window`` clocks due during the measured window.
2. Two sweeper threads (each with its own database connection, as two workers would) run the real sweep
   (``playerdesk.sla.sweep.sweep``: claim, breach row, timeline event, escalation rules that raise the
   priority, player update queued) every ``SLA_SWEEP_SECONDS`` (15 s), both at the same instants: the
   worst case for contention.
3. Measured: detection latency (breach ``detected_at`` − ``due_at``) of every clock due in the window,
   breaches per clock (must be exactly 1), and the sweep cost: CPU of this process plus CPU of the two
   PostgreSQL backends serving it (from /proc), divided by wall time, as a share of one core; the plan of
   the sweep query.

Gates: every due clock breached exactly once, max latency ≤ 60 s, cost ≤ 10 % of one core.
Writes the ``sla:postgres`` section of bench/RESULTS.md. Exit status: 0 gates pass, 1 a gate failed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import env as bench_env

SWEEP_SECONDS = 15
LATENCY_GATE = 60.0
COST_GATE = 0.10
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of one PostgreSQL backend process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def reset_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    server, _, name = url.rpartition("/")
    if not name.startswith("playerdesk_bench"):
        raise SystemExit(f"refusing to reset {name!r}: not a benchmark database")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


GENERATE = [
    # Cases: open email cases received over the last 30 days, no team (so the cause is "not triaged").
    """
    INSERT INTO tickets_ticket (reference, subject, status, channel, language, category, priority,
        requester_email, requester_name, received_at, updated_at, last_player_message_at, message_count,
        last_event_seq, last_event_hash)
    SELECT 'PD-B' || lpad(i::text, 8, '0'), 'Benchmark case ' || i, 'open', 'email',
        CASE WHEN i %% 3 = 0 THEN 'fr' ELSE 'en' END, 'payments', 3,
        'player' || i || '@bench.example', 'Player ' || i,
        %(now)s - (i %% 43200) * interval '1 minute', %(now)s, %(now)s - (i %% 43200) * interval '1 minute',
        1, 0, ''
    FROM generate_series(1, %(cases)s) AS i
    """,
    """
    INSERT INTO sla_ticketsla (ticket_id, policy_id, next_due_at, next_target, breached, paused, updated_at)
    SELECT t.id, %(policy)s, %(now)s + ((t.id * 7919) %% 432000) * interval '1 second', 'first_response',
        false, false, %(now)s
    FROM tickets_ticket t
    """,
    # Two clocks a case, due from 1 hour to 5 days ahead (never during the window).
    """
    INSERT INTO sla_clock (ticket_id, policy_id, target, cycle, calendar_id, state, budget_seconds,
        consumed_seconds, started_at, running_since, due_at, warn_at, warned_at)
    SELECT t.id, %(policy)s, x.target, 0, %(calendar)s, 'running', x.budget, 0, t.received_at, t.received_at,
        %(now)s + interval '1 hour' + ((t.id * 7919 + x.shift) %% 432000) * interval '1 second',
        NULL, %(now)s
    FROM tickets_ticket t
    CROSS JOIN (VALUES ('first_response', 28800, 0), ('resolution', 144000, 104729))
        AS x(target, budget, shift)
    """,
]


def generate(cases: int, due_in_window: int, window: float, start: datetime) -> dict[str, Any]:
    from django.db import connection

    from playerdesk.sla.models import Calendar, Policy

    policy = Policy.objects.get(key="written", is_current=True)
    calendar = Calendar.objects.get(is_default=True)
    params = {"now": start, "cases": cases, "policy": policy.pk, "calendar": calendar.pk}
    began = time.monotonic()
    with connection.cursor() as cursor:
        for statement in GENERATE:
            cursor.execute(statement, params)
        # The clocks that come due during the window: first-response clocks of evenly spaced cases, due
        # times spread evenly over the window (a steady 150 breaches a minute by default).
        step = max(1, cases // due_in_window)
        cursor.execute(
            """
            UPDATE sla_clock
            SET due_at = %(start)s + ((ticket_id / %(step)s) - 1) * %(gap)s * interval '1 second'
            WHERE target = 'first_response' AND ticket_id %% %(step)s = 0 AND ticket_id / %(step)s <= %(n)s
            """,
            {"start": start, "step": step, "gap": window / due_in_window, "n": due_in_window},
        )
        due = cursor.rowcount
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM sla_clock")
        clocks = cursor.fetchone()[0]
    return {"seconds": time.monotonic() - began, "clocks": clocks, "due": due}


def sweep_plan() -> str:
    from django.db import connection

    from playerdesk.core import clock
    from playerdesk.sla.models import Clock, ClockState

    qs = (
        Clock.objects.filter(state=ClockState.RUNNING, breached_at__isnull=True, due_at__lte=clock.now())
        .order_by("due_at")
        .values_list("pk", "ticket_id", "target")[:2000]
    )
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql, params)
        lines = [row[0] for row in cursor.fetchall()]
    return " / ".join(line.strip() for line in lines if not line.strip().startswith(("Planning", "Buffers")))


class Sweeper(threading.Thread):
    def __init__(self, name: str, start_at: float, stop_at: float) -> None:
        super().__init__(name=name, daemon=True)
        self.start_at, self.stop_at = start_at, stop_at
        self.backend_pid = 0
        self.backend_cpu = 0.0
        self.durations: list[float] = []
        self.total = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        from django.db import connection

        from playerdesk.sla.sweep import sweep

        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend_pid = cursor.fetchone()[0]
            cpu0 = backend_cpu(self.backend_pid)
            tick = self.start_at
            while tick < self.stop_at:
                time.sleep(max(0.0, tick - time.monotonic()))
                began = time.monotonic()
                self.total += sweep().total
                self.durations.append(time.monotonic() - began)
                tick += SWEEP_SECONDS
            self.backend_cpu = backend_cpu(self.backend_pid) - cpu0
        except BaseException as exc:  # reported by the main thread
            self.error = exc
        finally:
            connection.close()


def verdict(ok: bool) -> str:
    return "ok" if ok else "FAILED"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--window", type=float, default=240.0, help="seconds during which clocks come due")
    parser.add_argument("--rate", type=int, default=150, help="breaches a minute during the window")
    parser.add_argument("--smoke", action="store_true", help="write bench/out/sla-smoke.md, not RESULTS.md")
    args = parser.parse_args(argv)
    if not 1000 <= args.cases <= 5_000_000 or not 30 <= args.window <= 900:
        parser.error("cases 1,000..5,000,000 and window 30..900 s")

    environ = bench_env.bench_env("postgres", args.cases, "sla")
    os.environ.clear()
    os.environ.update(environ)
    os.environ["PLAYERDESK_SLA_SWEEP_SECONDS"] = str(SWEEP_SECONDS)
    log(f"database {environ['PLAYERDESK_DATABASE_URL']}")
    reset_database(environ["PLAYERDESK_DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    due_in_window = max(1, int(args.rate * args.window / 60))
    lead = 20.0  # seconds between generation and the first due time
    wall_start = datetime.now(UTC) + timedelta(seconds=lead + 120)  # generation time is bounded below
    log(f"generating {args.cases:,} open cases with 2 clocks each …")
    gen = generate(args.cases, due_in_window, args.window, wall_start)
    log(f"generated in {gen['seconds']:.1f} s: {gen['clocks']:,} clocks, {gen['due']:,} due in the window")
    # Shift the window so it starts `lead` seconds from now, whatever generation took.
    shift = wall_start - (datetime.now(UTC) + timedelta(seconds=lead))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sla_clock SET due_at = due_at - %s WHERE due_at >= %s AND due_at < %s",
            [shift, wall_start, wall_start + timedelta(seconds=args.window + 1)],
        )
    window_start = wall_start - shift
    connection.close()

    idle_plan = sweep_plan()
    now_mono = time.monotonic()
    stop_at = now_mono + lead + args.window + 2 * SWEEP_SECONDS
    cpu0 = time.process_time()
    wall0 = time.monotonic()
    workers = [Sweeper(f"sweeper-{n}", now_mono + 1.0, stop_at) for n in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.monotonic() - wall0
    process_cpu = time.process_time() - cpu0
    errors = [w.error for w in workers if w.error]
    if errors:
        raise SystemExit(f"sweeper failed: {errors[0]!r}")
    db_cpu = sum(w.backend_cpu for w in workers)
    cost = (process_cpu + db_cpu) / wall

    from django.db.models import Count

    from playerdesk.sla.models import Breach, Clock
    from playerdesk.tickets.models import TicketEvent

    window_end = window_start + timedelta(seconds=args.window + 1)
    breaches = list(
        Breach.objects.filter(due_at__gte=window_start, due_at__lt=window_end).values_list(
            "due_at", "detected_at"
        )
    )
    latencies = [(d - due).total_seconds() for due, d in breaches]
    due_clocks = Clock.objects.filter(due_at__gte=window_start, due_at__lt=window_end).count()
    missed = Clock.objects.filter(
        due_at__gte=window_start, due_at__lt=window_end, breached_at__isnull=True
    ).count()
    dupes = (
        TicketEvent.objects.filter(kind="sla_breach")
        .values("ticket_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    busy_plan = sweep_plan()
    durations = [d for w in workers for d in w.durations]

    ok_count = len(breaches) == due_clocks == gen["due"] and missed == 0 and dupes == 0
    ok_latency = bool(latencies) and max(latencies) <= LATENCY_GATE
    ok_cost = cost <= COST_GATE
    status = "ok" if ok_count and ok_latency and ok_cost else "FAILED"
    machine = f"cpus (nproc) {os.cpu_count()}, python {platform.python_version()}, {platform.platform()}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    command = "python -m bench.sla"
    if args.cases != 1_000_000:
        command += f" --cases {args.cases}"
    if args.window != 240:
        command += f" --window {int(args.window)}"
    if args.rate != 150:
        command += f" --rate {args.rate}"
    lat = [percentile(latencies, 50), percentile(latencies, 95), max(latencies)] if latencies else [0.0] * 3
    lat_text = " / ".join(f"{v:.1f}" for v in lat)
    per_breach = 1000 * (process_cpu + db_cpu) / max(1, len(breaches))
    section = f"""## Scenario: SLA breach sweep, PostgreSQL ({args.cases:,} open cases)

Command: `{command}`<br>
Run at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC. Machine: {machine}, PostgreSQL {pg_version}.

Data: {args.cases:,} open cases, {gen["clocks"]:,} running clocks (first response, resolution) in the partial
due-time index, generated with SQL in {gen["seconds"]:.1f} s; {gen["due"]:,} clocks come due during a
{args.window:.0f} s window ({args.rate} a minute), the others over the next five days.
Two sweeper threads (own connections, like two workers) sweep every {SWEEP_SECONDS} s at the same instants;
each breach runs the full path (claim, breach row, timeline event, escalation rule raising the priority,
player update queued).

| measure | value | gate |
|---|---:|---|
| clocks due in the window | {due_clocks:,} | |
| breaches recorded for them | {len(breaches):,} | = due, {"ok" if ok_count else "FAILED"} |
| clocks missed / cases with a duplicate breach event | {missed} / {dupes} | 0 / 0 |
| detection latency p50 / p95 / max (s) | {lat_text} | max ≤ {LATENCY_GATE:.0f} s, {verdict(ok_latency)} |
| sweep passes (both workers) | {len(durations)} | |
| pass duration p50 / max (s) | {statistics.median(durations):.3f} / {max(durations):.3f} | |
| CPU: sweeper process / database backends (s) | {process_cpu:.2f} / {db_cpu:.2f} in {wall:.0f} s | |
| CPU per handled breach (process + database) | {per_breach:.1f} ms | |
| sweep cost (share of one core) | {100 * cost:.1f} % | ≤ {100 * COST_GATE:.0f} %, {verdict(ok_cost)} |

Plan of the sweep query with nothing due: `{idle_plan}`<br>
Plan after the window: `{busy_plan}`

Result: **{status}**.
"""
    print(section)
    from bench.run import RESULTS, write_results

    if args.smoke:
        out = bench_env.OUT_DIR / "sla-smoke.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(section)
    else:
        write_results(RESULTS, "sla:postgres", section)
    return 0 if status == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
