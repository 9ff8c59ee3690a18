"""The breach sweep: detection at the due time, exactly one escalation and one player update per breach,
warnings, clock jumps, several workers."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection

from playerdesk.core import clock
from playerdesk.mail.models import OutboundEmail, UndeliverableAddress
from playerdesk.sla.models import Breach, Clock, ClockState, EscalationRule, PlayerUpdate, Target, TicketSla
from playerdesk.sla.sweep import sweep
from playerdesk.tickets import actions
from playerdesk.tickets.models import Status, Ticket
from tests.sla.conftest import utc


def first_response(ticket: Ticket) -> Clock:
    return Clock.objects.get(ticket=ticket, target=Target.FIRST_RESPONSE)


def test_breach_detected_at_due_time_escalates_once(
    make_ticket: Callable[..., Ticket], player: Any, at: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email", player=player, email=player.email)  # French player, P3
    due = first_response(ticket).due_at
    assert due == utc(2026, 3, 3, 10, 0)
    with clock.frozen(due - dt.timedelta(seconds=1)):
        assert sweep().breaches == 0
    with django_capture_on_commit_callbacks(execute=True), clock.frozen(due + dt.timedelta(seconds=30)):
        result = sweep()
    assert result.breaches == 2  # first response, and the acknowledgement nobody sent (no mail ingest here)
    breach = Breach.objects.get(target=Target.FIRST_RESPONSE)
    assert breach.target == Target.FIRST_RESPONSE and breach.due_at == due and breach.cause == "not_triaged"
    assert breach.escalations == ["Breach: raise the priority and alert"]
    ticket.refresh_from_db()
    assert ticket.priority == 2  # raised once
    assert TicketSla.objects.get(ticket=ticket).breached
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds.count("sla_breach") == 2 and kinds.count("priority") == 1  # rules skip acknowledgements
    # One update to the player, in French, by email.
    update = PlayerUpdate.objects.get()
    assert update.sent and update.channel == "email" and update.language == "fr"
    sent = [m for m in mail.outbox if "nous y travaillons toujours" in m.subject]
    assert len(sent) == 1 and sent[0].to == [player.email]
    assert "normes de service" in sent[0].body and ticket.reference in sent[0].subject


def test_clock_jumps_and_repeated_sweeps_never_fire_twice(
    make_ticket: Callable[..., Ticket], at: Any
) -> None:
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email")
    due = first_response(ticket).due_at
    assert due is not None
    moments = [
        due + dt.timedelta(seconds=10),
        due - dt.timedelta(hours=2),
        due + dt.timedelta(hours=2),
        due - dt.timedelta(hours=2),
        due + dt.timedelta(seconds=20),
        due + dt.timedelta(hours=2),
    ]
    for moment in moments:
        with clock.frozen(moment):
            sweep()
    assert Breach.objects.filter(target=Target.FIRST_RESPONSE).count() == 1
    ticket.refresh_from_db()
    assert ticket.priority == 2
    assert ticket.events.filter(kind="priority").count() == 1
    assert PlayerUpdate.objects.filter(sent=True).count() == 1
    assert OutboundEmail.objects.filter(kind="sla_update").count() == 1


def test_warning_before_due_notifies_once(make_ticket: Callable[..., Ticket], at: Any) -> None:
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email")
    c = first_response(ticket)
    assert c.warn_at == utc(2026, 3, 2, 16, 24)
    for moment in (c.warn_at, c.warn_at + dt.timedelta(minutes=1), c.warn_at - dt.timedelta(hours=2)):
        with clock.frozen(moment):
            sweep()
    assert ticket.events.filter(kind="sla_warning").count() == 1
    assert Breach.objects.count() == 0
    c.refresh_from_db()
    assert c.warned_at == utc(2026, 3, 2, 16, 24)


def test_no_breach_while_paused_and_no_update_while_waiting_on_the_player(
    make_ticket: Callable[..., Ticket], agent: User, at: Any
) -> None:
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email", priority=1)  # update interval: 4 h
    with at(2026, 3, 2, 10, 30):
        actions.do_reply(
            ticket, author=agent, body="Could you send a screenshot?", status=Status.WAITING_PLAYER
        )
    with at(2026, 3, 5, 10, 0):  # days later, still waiting on the player
        sweep()
    assert Breach.objects.count() == 0
    assert PlayerUpdate.objects.count() == 0
    assert OutboundEmail.objects.filter(kind="sla_update").count() == 0


def test_update_interval_sends_regular_updates_at_most_once_per_interval(
    make_ticket: Callable[..., Ticket], agent: User, at: Any
) -> None:
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email", priority=1)
    with at(2026, 3, 2, 10, 30):
        actions.do_reply(
            ticket, author=agent, body="We asked the provider.", status=Status.WAITING_THIRD_PARTY
        )
    update_clock = Clock.objects.get(ticket=ticket, target=Target.UPDATE, state=ClockState.RUNNING)
    assert update_clock.due_at == utc(2026, 3, 2, 14, 30)
    for moment in (utc(2026, 3, 2, 14, 31), utc(2026, 3, 2, 12, 31), utc(2026, 3, 2, 14, 32)):
        with clock.frozen(moment):
            sweep()
    updates = PlayerUpdate.objects.filter(kind="interval")
    assert [u.sent for u in updates] == [True]
    nxt = Clock.objects.get(ticket=ticket, target=Target.UPDATE, state=ClockState.RUNNING)
    assert nxt.cycle == update_clock.cycle + 1 and nxt.due_at == utc(2026, 3, 2, 18, 31)


def test_no_update_to_an_undeliverable_address(make_ticket: Callable[..., Ticket], at: Any) -> None:
    with at(2026, 3, 2, 10, 0):
        make_ticket(channel="email", email="gone@example.com")
    now = utc(2026, 3, 2, 10, 0)
    UndeliverableAddress.objects.create(address="gone@example.com", first_seen_at=now, last_seen_at=now)
    with clock.frozen(utc(2026, 3, 3, 10, 1)):
        sweep()
    update = PlayerUpdate.objects.get()
    assert not update.sent and update.skipped_reason == "undeliverable"
    assert OutboundEmail.objects.filter(kind="sla_update").count() == 0
    assert Breach.objects.filter(target=Target.FIRST_RESPONSE).count() == 1


def test_acknowledgement_met_by_the_automatic_acknowledgement(
    make_ticket: Callable[..., Ticket], at: Any
) -> None:
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email", acknowledge=True)
    assert OutboundEmail.objects.filter(ticket=ticket, kind="acknowledgement").count() == 1
    ack = Clock.objects.get(ticket=ticket, target=Target.ACKNOWLEDGEMENT)
    assert ack.state == ClockState.MET and ack.met_at == utc(2026, 3, 2, 10, 0)
    with clock.frozen(utc(2026, 3, 3, 10, 1)):
        sweep()
    assert not Breach.objects.filter(target=Target.ACKNOWLEDGEMENT).exists()


def test_acknowledgement_left_out_by_the_daily_rule_breaches(
    make_ticket: Callable[..., Ticket], at: Any
) -> None:
    with at(2026, 3, 2, 10, 0):
        first = make_ticket(channel="email", acknowledge=True)
    with at(2026, 3, 2, 11, 0):
        second = make_ticket(channel="email", acknowledge=True)  # same address within the day: none
    assert first.acknowledged_at is not None and second.acknowledged_at is None
    with clock.frozen(utc(2026, 3, 3, 11, 1)):
        result = sweep()
    assert result.acknowledged == 0
    assert Breach.objects.filter(ticket=second, target=Target.ACKNOWLEDGEMENT).count() == 1
    assert not Breach.objects.filter(ticket=first, target=Target.ACKNOWLEDGEMENT).exists()


def test_rules_move_to_a_supervisor_queue(
    make_ticket: Callable[..., Ticket], supervisor: User, other_team: Any, at: Any
) -> None:
    EscalationRule.objects.create(
        name="Resolution breach to supervisors",
        trigger="breach",
        targets=["resolution"],
        move_to_team=other_team,
        assign_to=supervisor,
        rank=5,
    )
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email")
    with clock.frozen(utc(2026, 3, 9, 10, 1)):  # first response and resolution both overdue
        sweep()
    ticket.refresh_from_db()
    assert ticket.team == other_team and ticket.assignee == supervisor
    assert Breach.objects.exclude(target=Target.ACKNOWLEDGEMENT).count() == 2
    res = Breach.objects.get(target="resolution")
    assert res.escalations == ["Resolution breach to supervisors", "Breach: raise the priority and alert"]
    assert PlayerUpdate.objects.filter(sent=True).count() == 1  # one update for both timeframes


@pytest.mark.django_db(transaction=True)
def test_several_workers_escalate_each_breach_once(make_ticket: Callable[..., Ticket]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent workers are exercised on PostgreSQL (SQLite serialises writers)")
    with clock.frozen(utc(2026, 3, 2, 10, 0)):
        tickets = [make_ticket(channel="email", subject=f"Case {n}") for n in range(6)]
    before = {t.pk: t.priority for t in tickets}  # as triage set them
    moment = utc(2026, 3, 3, 10, 5)
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def worker() -> None:
        try:
            barrier.wait()
            with clock.frozen(moment):
                sweep()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert Breach.objects.filter(target=Target.FIRST_RESPONSE).count() == len(tickets)
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.priority == max(1, before[ticket.pk] - 1)  # raised once
        assert ticket.events.filter(kind="priority").count() == (1 if before[ticket.pk] > 1 else 0)
        breaches = ticket.events.filter(kind="sla_breach")
        assert breaches.filter(data__target="first_response").count() == 1
        assert breaches.filter(data__target="acknowledgement").count() == 1  # no mail ingest here
    assert PlayerUpdate.objects.filter(sent=True).count() == len(tickets)
