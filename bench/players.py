"""Scenario: the operator connector's bulk path and the player panel.

    python -m bench.players                    # SQLite: 10,000 players, 100,000 transactions, panel at 50,000
    python -m bench.players --db postgres      # the same on PostgreSQL (127.0.0.1:5432)
    python -m bench.players --smoke            # 1,000 players, 10,000 transactions, panel at 5,000

1. A fresh benchmark database is migrated; JSONL files are generated (deterministic).
2. ``playerdesk import players`` then ``playerdesk import transactions`` run as the operator would (a
   separate process each, wall-clock time including start-up). Both are run a second time: the same push
   must change nothing. An older version of 1,000 transactions is pushed: all must be ignored.
3. The console's case page and the transaction log (htmx fragment, with filters) are requested in-process
   (Django test client, no network) for a verified case whose player has 50,000 transactions, beside one
   with 20: query counts must be equal, p95 ≤ 150 ms.

Writes the ``players:<db>`` section of bench/RESULTS.md (``--smoke``: bench/out/players-smoke.md).
Exit status: 0 all gates pass, 1 a gate failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import env as bench_env
from bench.prepare import _reset_database
from bench.run import RESULTS, _git_commit, machine, write_results

BULK_GATE_SECONDS = 60.0
PANEL_P95_GATE_MS = 150.0
SEED = 20_251_126
CLI = str(Path(sys.executable).parent / "playerdesk")
START = datetime(2026, 1, 1, tzinfo=UTC)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def write_files(directory: Path, players: int, transactions: int) -> tuple[Path, Path, Path]:
    rng = random.Random(SEED)
    players_file = directory / "players.jsonl"
    tx_file = directory / "transactions.jsonl"
    older_file = directory / "transactions-older.jsonl"
    with players_file.open("w") as out:
        for i in range(players):
            row = {
                "external_id": f"BP-{i:07d}",
                "version": 3,
                "email": f"player{i}@example.com",
                "first_name": "Alex",
                "last_name": f"Player{i}",
                "locale": "fr" if i % 4 == 0 else "en",
                "province": "QC" if i % 4 == 0 else "ON",
                "status": "self_excluded" if i % 500 == 0 else "active",
                "limits": {"deposit_day": "250.00"} if i % 5 == 0 else {},
                "balance": f"{rng.randint(0, 100000) / 100:.2f}",
                "balance_at": "2026-06-01T12:00:00Z",
            }
            out.write(json.dumps(row) + "\n")
    kinds = ["deposit", "withdrawal", "game_round", "game_round", "game_round", "bonus_credit"]
    with tx_file.open("w") as out, older_file.open("w") as older:
        for i in range(transactions):
            kind = kinds[i % len(kinds)]
            row: dict[str, Any] = {
                "id": f"BT-{i:09d}",
                "player_id": f"BP-{rng.randrange(players):07d}",
                "version": 2,
                "type": kind,
                "status": "completed",
                "amount": f"{rng.randint(100, 50000) / 100:.2f}",
                "occurred_at": (START + timedelta(seconds=i * 37)).isoformat(),
            }
            if kind == "game_round":
                row.update(win_amount="0.00", game="Starburst", provider="NetEnt", round_id=f"R{i}")
            else:
                row["method"] = "Interac"
            out.write(json.dumps(row) + "\n")
            if i < 1000:
                older.write(json.dumps({**row, "version": 1, "status": "pending"}) + "\n")
    return players_file, tx_file, older_file


def run_import(kind: str, path: Path, environ: dict[str, str]) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(
        [CLI, "import", kind, str(path), "--no-progress"],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"import {kind} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout.strip()


# ---------------------------------------------------------------- panel (runs inside Django)


def panel_worker(big: int, requests: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.generate import signed_in_client
    from playerdesk.core.models import AgentProfile, Role
    from playerdesk.intake.actions import do_intake
    from playerdesk.intake.contact import Contact
    from playerdesk.players import ingest
    from playerdesk.players.models import Player
    from playerdesk.players.schemas import PlayerPush, TransactionPush
    from playerdesk.tickets.actions import Requester

    user = User.objects.filter(username="bench-panel").first()
    if user is None:
        user = User.objects.create_user("bench-panel", "bench-panel@example.com", None)
        AgentProfile.objects.create(user=user, display_name="Bench", role=Role.SUPERVISOR, languages=["en"])

    def player_with(external_id: str, count: int) -> Player:
        push = PlayerPush.model_validate(
            {"external_id": external_id, "version": 1, "email": f"{external_id.lower()}@example.com",
             "balance": "10.00", "limits": {"loss_week": "100.00"}}
        )  # fmt: skip
        ingest.ingest_players([(0, push)])
        kinds = ["deposit", "withdrawal", "game_round", "bonus_credit"]
        items = [
            {"id": f"{external_id}-{n:06d}", "player_id": external_id, "type": kinds[n % 4],
             "status": "pending" if n % 50 == 0 else "completed", "amount": f"{10 + n % 500}.00",
             "occurred_at": (START + timedelta(minutes=n)).isoformat()}
            for n in range(count)
        ]  # fmt: skip
        for begin in range(0, len(items), 2000):
            valid, errors = ingest.validate(TransactionPush, items[begin : begin + 2000])
            assert not errors, errors[:3]
            ingest.ingest_transactions(valid)
        return Player.objects.get(external_id=external_id)

    small = player_with("PANEL-SMALL", 20)
    started = time.monotonic()
    large = player_with("PANEL-LARGE", big)
    load_seconds = time.monotonic() - started
    tickets = {}
    for name, player in (("small", small), ("large", large)):
        tickets[name] = do_intake(
            Contact(
                channel="email",
                requester=Requester(player.email, "Alex", player),
                subject="Where is my withdrawal?",
                body=f"My withdrawal {player.external_id}-000004 is still pending.",
            )
        ).ticket
    client = signed_in_client(user)
    targets = {
        "case page": lambda t: client.get(f"/desk/t/{t.reference}/"),
        "transaction log, first page": lambda t: client.get(f"/desk/players/t/{t.reference}/transactions/"),
        "transaction log, type+status+amount filter": lambda t: client.get(
            f"/desk/players/t/{t.reference}/transactions/",
            {"type": "withdrawal", "status": "completed", "min": "100", "max": "400"},
        ),
        "transaction log, search by id": lambda t: client.get(
            f"/desk/players/t/{t.reference}/transactions/", {"q": f"{t.player.external_id}-000123"}
        ),
    }
    out: dict[str, Any] = {"load_seconds": load_seconds, "targets": []}
    for label, call in targets.items():
        counts = {}
        for name, ticket in tickets.items():
            with CaptureQueriesContext(connection) as ctx:
                response = call(ticket)
            assert response.status_code == 200, (label, response.status_code)
            counts[name] = len(ctx.captured_queries)
        for _ in range(10):
            call(tickets["large"])
        samples = []
        for _ in range(requests):
            began = time.perf_counter()
            response = call(tickets["large"])
            samples.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        samples.sort()
        out["targets"].append(
            {
                "target": label,
                "n": len(samples),
                "p50": statistics.median(samples),
                "p95": samples[int(0.95 * (len(samples) - 1))],
                "max": samples[-1],
                "queries_small": counts["small"],
                "queries_large": counts["large"],
            }
        )
    return out


# ---------------------------------------------------------------- orchestration


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--players", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--panel-transactions", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="small sizes, results in bench/out only")
    parser.add_argument("--panel-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.panel_worker:
        print(json.dumps(panel_worker(args.panel_transactions, args.requests)))
        return 0
    if args.smoke:
        args.players, args.transactions, args.panel_transactions, args.requests = 1000, 10_000, 5000, 50

    label = "players-smoke" if args.smoke else "players"
    environ = bench_env.bench_env(args.db, args.transactions, label)
    directory = bench_env.data_dir(args.db, args.transactions, label)
    directory.mkdir(parents=True, exist_ok=True)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    log(f"fresh {args.db} database for {label}")
    _reset_database(args.db, directory, environ)
    subprocess.run([CLI, "migrate"], env=environ, check=True, capture_output=True)
    log("generating files")
    players_file, tx_file, older_file = write_files(directory, args.players, args.transactions)

    runs: list[tuple[str, float, str]] = []
    for name, kind, path in (
        ("players, first push", "players", players_file),
        ("transactions, first push", "transactions", tx_file),
        ("players, same push again", "players", players_file),
        ("transactions, same push again", "transactions", tx_file),
        ("1,000 transactions, older version", "transactions", older_file),
    ):
        log(f"import: {name}")
        seconds, summary = run_import(kind, path, environ)
        runs.append((name, seconds, summary))
        log(f"  {seconds:.1f} s: {summary}")
    bulk_seconds = runs[0][1] + runs[1][1]
    repeat_ok = " 0 applied" in runs[2][2] and " 0 applied" in runs[3][2]
    older_ok = " 0 applied" in runs[4][2] and "1,000 ignored" in runs[4][2]

    log(f"panel: player with {args.panel_transactions:,} transactions, {args.requests} requests per target")
    worker_env = {**environ, "PYTHONPATH": str(bench_env.BENCH_DIR.parent)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.players", "--panel-worker", "--panel-transactions",
         str(args.panel_transactions), "--requests", str(args.requests)],
        env=worker_env, capture_output=True, text=True, check=False, cwd=bench_env.BENCH_DIR.parent,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"panel measurement failed:\n{done.stderr[-3000:]}")
    panel = json.loads(done.stdout.strip().splitlines()[-1])
    constant = all(t["queries_small"] == t["queries_large"] for t in panel["targets"])
    worst_p95 = max(t["p95"] for t in panel["targets"])

    bulk_gate = f"bulk path ≤ {BULK_GATE_SECONDS:.0f} s"
    p95_gate = f"panel p95 ≤ {PANEL_P95_GATE_MS:.0f} ms"
    gates = [
        (bulk_gate, bulk_seconds <= BULK_GATE_SECONDS, f"{bulk_seconds:.1f} s"),
        ("same push twice changes nothing", repeat_ok, "0 applied on the second run"),
        ("older versions ignored", older_ok, "1,000 of 1,000 ignored"),
        ("panel queries constant (20 vs large history)", constant, "equal counts"),
        (p95_gate, worst_p95 <= PANEL_P95_GATE_MS, f"worst {worst_p95:.1f} ms"),
    ]
    command = "python -m bench.players" + (f" --db {args.db}" if args.db != "sqlite" else "")
    command += " --smoke" if args.smoke else ""
    info = machine(args.db, environ.get("PLAYERDESK_DATABASE_URL", ""))
    database = "PostgreSQL" if args.db == "postgres" else "SQLite"
    lines = [
        f"## Operator connector bulk path and player panel, {database}",
        "",
        f"Command: `{command}`  ",
        f"Run at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC on commit `{_git_commit()}`.",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()) + f"; load average at start {load}",
        "",
        f"### Bulk path: {args.players:,} players, {args.transactions:,} transactions (`playerdesk import`)",
        "",
        "Each run is a separate `playerdesk import` process (wall clock, start-up included), JSONL input.",
        "",
        "| run | seconds | result |",
        "|---|---:|---|",
    ]
    lines += [f"| {name} | {seconds:.1f} | {summary.split(': ', 1)[-1]} |" for name, seconds, summary in runs]
    lines += [
        "",
        f"**Players + transactions first push: {bulk_seconds:.1f} s** "
        f"({args.transactions / max(0.001, runs[1][1]):,.0f} transactions/s).",
        "",
        f"### Player panel: a player with {args.panel_transactions:,} transactions",
        "",
        f"Django test client in-process (no network), verified case, supervisor session; {args.requests} "
        "requests per target after 10 warm-up requests; milliseconds. Queries counted for the same page of a "
        "player with 20 transactions and of the large one.",
        "",
        "| target | n | p50 ms | p95 ms | max ms | queries (20 tx) | queries (large) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {t['target']} | {t['n']} | {t['p50']:.1f} | {t['p95']:.1f} | {t['max']:.1f} "
        f"| {t['queries_small']} | {t['queries_large']} |"
        for t in panel["targets"]
    ]
    lines += ["", "| gate | result | figure |", "|---|---|---|"]
    lines += [f"| {name} | {'pass' if ok else 'FAIL'} | {figure} |" for name, ok, figure in gates]
    section = "\n".join(lines)
    if args.smoke:
        target = bench_env.OUT_DIR / "players-smoke.md"
        target.write_text(section + "\n")
    else:
        write_results(RESULTS, f"players:{args.db}", section)
    print(section)
    return 0 if all(ok for _, ok, _ in gates) else 1


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playerdesk.settings")
    sys.exit(main())
