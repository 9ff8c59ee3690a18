"""Triage benchmark: time to triage one message, and the queue page's query count with triage shown.

    python -m bench.triage            # 300 held-out messages × 5 rounds; rewrites its section of RESULTS.md
    python -m bench.triage --smoke    # 1 round, no file written

Runs in-process on a fresh SQLite database in a temporary directory (migrated first). "Triage one
message" is ``triage.actions.triage_text``: the configuration version check (one query), language,
category (rules + classifier), priority rules and team, with reasons, exactly as a new case gets it.
Exit status 1 when the median exceeds the 5 ms target or the queue page's query count grows with rows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 5.0
HELD_OUT = Path(__file__).resolve().parent.parent / "tests" / "triage" / "data" / "heldout.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true")
    options = parser.parse_args(argv)
    rounds = 1 if options.smoke else max(1, min(options.rounds, 50))

    tmp = tempfile.mkdtemp(prefix="playerdesk-bench-triage-")
    for name in ("PLAYERDESK_DATABASE_URL", "PLAYERDESK_REDIS_URL", "PLAYERDESK_TESTING"):
        os.environ.pop(name, None)
    os.environ.update(
        {"PLAYERDESK_DATA_DIR": tmp, "PLAYERDESK_DEMO": "1", "DJANGO_SETTINGS_MODULE": "playerdesk.settings"}
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.generate import signed_in_client
    from playerdesk.core.models import AgentProfile, Role, Team
    from playerdesk.intake.actions import do_intake
    from playerdesk.intake.contact import Contact
    from playerdesk.tickets.actions import Requester
    from playerdesk.triage import actions

    rows = [json.loads(line) for line in HELD_OUT.read_text(encoding="utf-8").splitlines() if line.strip()]
    actions.triage_text("warm up", "the model and the configuration load once per process")

    samples: list[float] = []
    for _ in range(rounds):
        for row in rows:
            started = time.perf_counter()
            actions.triage_text(row.get("subject") or "", row["text"])
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    median = statistics.median(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]

    # The queue page: same number of queries with 10 and 60 triaged rows.
    team = Team.objects.create(slug="payments", name="Payments")
    actions.do_set_team_route("payments", team, actor=None)
    user = User.objects.create_user("bench-supervisor", "s@bench.invalid", "bench-password-123")
    AgentProfile.objects.create(user=user, display_name="Bench", role=Role.SUPERVISOR)
    client = signed_in_client(user)

    def create(n: int) -> None:
        for i in range(n):
            row = rows[i % len(rows)]
            do_intake(
                Contact(
                    channel="email",
                    requester=Requester(f"p{i}-{time.monotonic_ns()}@bench.invalid"),
                    subject=row.get("subject") or "Question",
                    body=row["text"],
                )
            )

    def queue_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/desk/", {"tab": "all"})
        assert response.status_code == 200, response.status_code
        return len(ctx.captured_queries)

    create(10)
    small = queue_queries()
    create(50)
    large = queue_queries()

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    section = "\n".join(
        [
            "## Triage: one message, and the queue page",
            "",
            "Command: `python -m bench.triage`  ",
            f"Run at {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC "
            f"on commit `{commit.stdout.strip() or '?'}`; "
            f"{len(rows)} held-out messages (half French) × {rounds} rounds, in-process, SQLite.  ",
            f"Machine: cpus {os.cpu_count()}, python {platform.python_version()}, {platform.platform()}",
            "",
            "| measure | value | target |",
            "|---|---:|---|",
            f"| triage one message, median | {median:.3f} ms | ≤ {TARGET_MS:.0f} ms |",
            f"| triage one message, p95 | {p95:.3f} ms | |",
            f"| triage one message, max | {samples[-1]:.3f} ms | |",
            f"| queue page SQL queries, 10 triaged cases | {small} | |",
            f"| queue page SQL queries, 60 triaged cases | {large} | same as with 10 |",
        ]
    )
    print(section)
    ok = median <= TARGET_MS and small == large
    if not options.smoke:
        from bench.run import RESULTS, write_results

        write_results(RESULTS, "triage", section)
        print(f"\nwritten to {RESULTS}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
