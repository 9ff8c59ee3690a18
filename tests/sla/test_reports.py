"""SLA report figures against a hand computation on a generated data set; CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from playerdesk.core import clock
from playerdesk.core.models import Team
from playerdesk.sla import reports
from playerdesk.sla.sweep import sweep
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket
from tests.sla.conftest import utc

LATE = {1, 4, 7}  # cases answered after their first-response breach
N = 10


def generate(make_ticket: Callable[..., Ticket], agent: User, teams: list[Team]) -> list[dict[str, Any]]:
    specs = []
    tickets = []
    with clock.frozen(utc(2026, 3, 2, 10, 0)):  # Monday
        for i in range(N):
            spec = {"team": teams[i % 2].name, "channel": ("email", "web", "api")[i % 3], "late": i in LATE}
            tickets.append(make_ticket(subject=f"Case {i}", channel=spec["channel"], team=teams[i % 2]))
            specs.append(spec)
    for i, ticket in enumerate(tickets):
        if i not in LATE:
            minutes = (i + 1) * 20
            specs[i]["seconds"] = minutes * 60
            with clock.frozen(utc(2026, 3, 2, 10, 0) + minutes * clock.dt.timedelta(minutes=1)):
                actions.do_reply(ticket, author=agent, body="On it.", status="open")
    with clock.frozen(utc(2026, 3, 3, 10, 1)):  # Tuesday: due at 10:00, the sweep sees the late ones
        sweep()
    for i in LATE:
        specs[i]["seconds"] = 9 * 3600  # Monday 10-17 and Tuesday 9-11
        with clock.frozen(utc(2026, 3, 3, 11, 0)):
            actions.do_reply(tickets[i], author=agent, body="Sorry for the wait.", status="open")
    for spec, ticket in zip(specs, tickets, strict=True):
        ticket.refresh_from_db()
        spec["priority"] = str(ticket.priority)  # the report groups by the current priority
    return specs


def nearest_rank(values: list[float], p: int) -> float:
    ordered = sorted(values)
    k = -(-p * len(ordered) // 100)  # ceil
    return ordered[max(k, 1) - 1]


def test_attainment_matches_a_hand_computation(
    make_ticket: Callable[..., Ticket], agent: User, team: Team, other_team: Team
) -> None:
    specs = generate(make_ticket, agent, [team, other_team])
    report = reports.build(utc(2026, 3, 1, 0, 0), utc(2026, 3, 8, 0, 0))
    first = report.overall["first_response"]
    assert (first.decided, first.met) == (N, N - len(LATE))
    assert first.percent == 70.0
    by_team = {a.key: (a.decided, a.met) for a in report.by["first_response"]["team"]}
    expected_team: dict[str, list[int]] = {}
    for spec in specs:
        row = expected_team.setdefault(spec["team"], [0, 0])
        row[0] += 1
        row[1] += 0 if spec["late"] else 1
    assert by_team == {k: tuple(v) for k, v in expected_team.items()}
    by_channel = {a.key: (a.decided, a.met) for a in report.by["first_response"]["channel"]}
    expected_channel: dict[str, list[int]] = {}
    for spec in specs:
        row = expected_channel.setdefault(spec["channel"], [0, 0])
        row[0] += 1
        row[1] += 0 if spec["late"] else 1
    assert by_channel == {k: tuple(v) for k, v in expected_channel.items()}
    by_priority = {a.key: (a.decided, a.met) for a in report.by["first_response"]["priority"]}
    expected_priority: dict[str, list[int]] = {}
    for spec in specs:
        row = expected_priority.setdefault(spec["priority"], [0, 0])
        row[0] += 1
        row[1] += 0 if spec["late"] else 1
    assert by_priority == {k: tuple(v) for k, v in expected_priority.items()}
    seconds = [float(s["seconds"]) for s in specs]
    for p in (50, 90, 95):
        assert report.times["first_response"][f"p{p}"] == nearest_rank(seconds, p)
    # By hand: answered after 20, 60, 80, 120, 140, 180, 200 min, and 3 × 540 min → 5th of 10 is 140 min.
    assert report.times["first_response"]["p50"] == 140 * 60
    causes = {(row["target"], row["cause"]): row["n"] for row in report.causes}
    assert causes[("first_response", "unassigned")] == len(LATE)
    assert "resolution" not in report.overall  # still running, nothing decided


def test_report_page_and_csv_export(
    make_ticket: Callable[..., Ticket], agent: User, team: Team, other_team: Team, supervisor: User
) -> None:
    generate(make_ticket, agent, [team, other_team])
    client = Client()
    client.force_login(supervisor)
    page = client.get("/desk/reports/sla/?start=2026-03-01&end=2026-03-07")
    assert page.status_code == 200
    assert 'data-target="first_response">70.0%' in page.content.decode()
    response = client.get("/desk/reports/sla/export.csv?start=2026-03-01&end=2026-03-07")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))  # type: ignore[arg-type]
    assert rows[0] == reports.CSV_HEADER
    first = [r for r in rows[1:] if r[1] == "first_response"]
    assert len(first) == N and sum(r[-1] == "yes" for r in first) == N - len(LATE)
    assert len(rows) == 1 + 2 * N  # first response and resolution of each case
