"""Queue order, round robin, least loaded, language skills, re-offers and supervisor alerts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from playerdesk.core import clock
from playerdesk.core.actions import do_set_agent_status
from playerdesk.core.models import AgentStatus, Team
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket, TicketEvent
from playerdesk.triage import actions as triage_actions
from playerdesk.triage.models import AssignmentState, TriageDecision

PAYMENT_TEXT = "My withdrawal of $100 has been pending for two days, when will it arrive?"


def test_p1_security_case_jumps_100_p3_cases(
    make_ticket: Callable[..., Ticket], supervisor: User, django_assert_max_num_queries: Any
) -> None:
    start = clock.now() - timedelta(hours=5)
    p3 = []
    for n in range(100):
        with clock.frozen(start + timedelta(minutes=n)):
            p3.append(
                make_ticket(
                    f"Bonus question {n}", "How do the wagering requirements work?", email=f"p{n}@x.ca"
                )
            )
    assert {t.priority for t in p3} == {3}
    with clock.frozen(start + timedelta(minutes=200)):
        urgent = make_ticket("Account hacked", "Someone else logged into my account and changed my email.")
    assert urgent.priority == 1
    created = TicketEvent.objects.get(ticket=urgent, kind="created")
    assert any("Account security" in r for r in created.data["triage"]["reasons"])  # reason on the timeline

    client = Client()
    client.force_login(supervisor)
    page = client.get("/desk/", {"tab": "all"})
    assert page.status_code == 200
    body = page.content.decode()
    positions = [body.index(t.reference) for t in [urgent, *p3[:49]]]
    assert positions == sorted(positions)  # P1 first, then P3 by received time


def test_queue_page_shows_why_no_agent_with_constant_queries(
    make_ticket: Callable[..., Ticket],
    payments_team: Team,
    supervisor: User,
    django_assert_max_num_queries: Any,
) -> None:
    client = Client()
    client.force_login(supervisor)
    make_ticket("Withdrawal", PAYMENT_TEXT)
    with django_assert_max_num_queries(30) as small:
        assert client.get("/desk/", {"tab": "all"}).status_code == 200
    for n in range(15):
        make_ticket("Withdrawal", PAYMENT_TEXT, email=f"q{n}@x.ca")
    with django_assert_max_num_queries(30) as large:
        response = client.get("/desk/", {"tab": "all"})
    assert len(large.captured_queries) == len(small.captured_queries)
    text = response.content.decode()
    assert "No eligible agent" in text and "Payments has no agents." in text


def test_round_robin_spreads_300_cases_within_one(
    make_ticket: Callable[..., Ticket], payments_team: Team, online_agent: Callable[..., User]
) -> None:
    agents = [online_agent(name, [payments_team]) for name in ("ann", "bob", "cat")]
    for n in range(300):
        make_ticket("Withdrawal", PAYMENT_TEXT, email=f"rr{n}@x.ca")
    counts = Counter(Ticket.objects.values_list("assignee_id", flat=True))
    assert set(counts) == {a.pk for a in agents}
    assert max(counts.values()) - min(counts.values()) <= 1


def test_least_loaded_respects_capacity_then_waits(
    make_ticket: Callable[..., Ticket],
    payments_team: Team,
    online_agent: Callable[..., User],
    supervisor: User,
) -> None:
    triage_actions.do_set_team_routing(
        payments_team, mode="least_loaded", alert_after_minutes=5, actor=supervisor
    )
    small = online_agent("ann", [payments_team], capacity=2)
    big = online_agent("bob", [payments_team], capacity=4)
    tickets = [make_ticket("Withdrawal", PAYMENT_TEXT, email=f"ll{n}@x.ca") for n in range(8)]
    counts = Counter(t.assignee_id for t in tickets)
    assert counts[small.pk] == 2 and counts[big.pk] == 4 and counts[None] == 2
    waiting = TriageDecision.objects.filter(state=AssignmentState.WAITING)
    assert waiting.count() == 2
    assert "at capacity" in waiting.first().state_reason  # type: ignore[union-attr]
    # A case is solved: the next waiting case goes to the agent who has room.
    actions.do_change_status(tickets[0], "solved", actor=small)
    assert triage_actions.assign_waiting() == 1


def test_french_case_never_goes_to_an_agent_without_fr(
    make_ticket: Callable[..., Ticket], payments_team: Team, online_agent: Callable[..., User]
) -> None:
    english_only = online_agent("ann", [payments_team], languages=["en"])
    french = make_ticket("Retrait", "Mon retrait de 100 $ est en attente depuis deux jours, c'est long.")
    assert french.language == "fr" and french.assignee is None
    assert "answers in French" in french.triage.state_reason
    english = make_ticket("Withdrawal", PAYMENT_TEXT)
    assert english.assignee == english_only
    bilingual = online_agent("bea", [payments_team], languages=["en", "fr"])
    do_set_agent_status(bilingual.agent, AgentStatus.OFFLINE)  # type: ignore[attr-defined]
    do_set_agent_status(bilingual.agent, AgentStatus.ONLINE)  # type: ignore[attr-defined]
    french.refresh_from_db()
    assert french.assignee == bilingual  # coming online takes the waiting French case


def test_agent_going_offline_gets_chats_reoffered(
    make_ticket: Callable[..., Ticket], payments_team: Team, online_agent: Callable[..., User]
) -> None:
    ann = online_agent("ann", [payments_team])
    chat = make_ticket("Withdrawal", PAYMENT_TEXT, channel="chat")
    assert chat.assignee == ann
    bob = online_agent("bob", [payments_team])
    do_set_agent_status(ann.agent, AgentStatus.AWAY)  # type: ignore[attr-defined]
    chat.refresh_from_db()
    assert chat.assignee == bob
    reasons = [e.data.get("reason", "") for e in chat.events.filter(kind="assignee")]
    assert any("went away" in r for r in reasons)
    do_set_agent_status(bob.agent, AgentStatus.OFFLINE)  # type: ignore[attr-defined]
    chat.refresh_from_db()
    assert chat.assignee is None  # nobody left: visible as waiting, never silently dropped
    assert chat.triage.state == AssignmentState.WAITING


def test_supervisors_are_alerted_after_the_wait(
    make_ticket: Callable[..., Ticket], payments_team: Team, django_capture_on_commit_callbacks: Any
) -> None:
    start = clock.now()
    with clock.frozen(start):
        case = make_ticket("Withdrawal", PAYMENT_TEXT)
    assert case.triage.state == AssignmentState.WAITING
    with clock.frozen(start + timedelta(minutes=5)):
        assert triage_actions.alert_waiting() == 0
    with clock.frozen(start + timedelta(minutes=11)), django_capture_on_commit_callbacks(execute=True):
        assert triage_actions.alert_waiting() == 1
        assert triage_actions.alert_waiting() == 0  # once
    event = case.events.get(kind="triage_alert")
    assert event.data["waited_minutes"] == 11 and "Payments" in event.data["reason"]
    case.triage.refresh_from_db()
    assert case.triage.alerted_at is not None


def test_manual_team_and_unrouted_cases_say_so(
    make_ticket: Callable[..., Ticket], team: Team, supervisor: User
) -> None:
    triage_actions.do_set_team_route("payments", team, actor=supervisor)
    case = make_ticket("Withdrawal", PAYMENT_TEXT)
    assert case.team == team and case.triage.state == AssignmentState.MANUAL
    other = make_ticket("Free spins", "My free spins were never credited.")
    assert other.team is None and other.triage.state == AssignmentState.UNROUTED


def test_caller_fixed_values_are_kept(make_ticket: Callable[..., Ticket], payments_team: Team) -> None:
    case = make_ticket("Withdrawal", PAYMENT_TEXT, category="bonus", priority=2, language="fr")
    assert (case.category, case.priority, case.team, case.language) == ("bonus", 2, None, "fr")
    assert any("triage suggested payments" in r for r in case.triage.reasons)


@pytest.mark.parametrize("status", [AgentStatus.AWAY, AgentStatus.OFFLINE])
def test_email_cases_stay_when_away(
    status: str, make_ticket: Callable[..., Ticket], payments_team: Team, online_agent: Callable[..., User]
) -> None:
    ann = online_agent("ann", [payments_team])
    case = make_ticket("Withdrawal", PAYMENT_TEXT, channel="email")
    actions.do_reply(case, author=ann, body="We are checking with the bank.")
    do_set_agent_status(ann.agent, status)  # type: ignore[attr-defined]
    case.refresh_from_db()
    assert case.assignee == ann  # answered email cases keep their owner
