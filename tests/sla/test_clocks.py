"""Clocks of a case: started by the case, met by replies, paused while waiting, re-based by changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User

from playerdesk.sla.actions import PolicySpec, do_save_policy
from playerdesk.sla.models import Clock, ClockEvent, ClockState, Policy, Target, TicketSla
from playerdesk.tickets import actions
from playerdesk.tickets.models import Status, Ticket
from playerdesk.tickets.timeline import verify_chain
from tests.sla.conftest import utc


def clocks(ticket: Ticket) -> dict[str, Clock]:
    return {f"{c.target}{c.cycle or ''}": c for c in Clock.objects.filter(ticket=ticket)}


def test_email_case_starts_its_clocks_in_business_time(make_ticket: Callable[..., Ticket], at: Any) -> None:
    with at(2026, 3, 2, 10, 0):  # Monday
        ticket = make_ticket(channel="email")
    c = clocks(ticket)
    assert set(c) == {"acknowledgement", "first_response", "resolution"}
    assert c["acknowledgement"].due_at == utc(2026, 3, 3, 10, 0)  # 24 h, any time
    assert c["first_response"].due_at == utc(2026, 3, 3, 10, 0)  # 1 business day
    assert c["first_response"].warn_at == utc(2026, 3, 2, 16, 24)  # at 80%: 6 h 24 min
    assert c["resolution"].due_at == utc(2026, 3, 9, 10, 0)  # 5 business days
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.policy is not None and sla.policy.key == "written"
    assert (sla.next_due_at, sla.next_target) == (utc(2026, 3, 3, 10, 0), Target.FIRST_RESPONSE)
    # No extra timeline entry at creation: the clocks' history says when they started.
    assert list(ticket.events.values_list("kind", flat=True)) == ["created", "message"]
    assert ClockEvent.objects.filter(ticket=ticket, change="started").count() == 3


def test_friday_evening_email_is_due_after_the_weekend(make_ticket: Callable[..., Ticket], at: Any) -> None:
    with at(2026, 3, 13, 18, 30):  # Friday after closing
        ticket = make_ticket(channel="email")
    assert clocks(ticket)["first_response"].due_at == utc(2026, 3, 16, 17, 0)  # all of Monday


def test_chat_first_response_is_three_minutes_any_time(make_ticket: Callable[..., Ticket], at: Any) -> None:
    with at(2026, 7, 1, 3, 0):  # Canada Day, 3 a.m.
        ticket = make_ticket(channel="chat")
    c = clocks(ticket)
    assert c["first_response"].due_at == utc(2026, 7, 1, 3, 3)
    assert "acknowledgement" not in c


def test_p1_is_two_hours_any_time_and_one_day_to_resolve(make_ticket: Callable[..., Ticket], at: Any) -> None:
    with at(2026, 3, 14, 22, 0):  # Saturday night
        ticket = make_ticket(channel="email", priority=1)
    c = clocks(ticket)
    assert c["first_response"].due_at == utc(2026, 3, 15, 0, 0)
    assert c["resolution"].due_at == utc(2026, 3, 15, 22, 0)
    assert c["update"].due_at == utc(2026, 3, 15, 2, 0)


def test_reply_meets_first_response_and_player_message_starts_next_response(
    make_ticket: Callable[..., Ticket], agent: User, at: Any
) -> None:
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email")
    with at(2026, 3, 2, 11, 0):
        actions.do_reply(ticket, author=agent, body="We are looking at it.", status=Status.OPEN)
    c = clocks(ticket)
    assert c["first_response"].state == ClockState.MET and c["first_response"].met_at == utc(
        2026, 3, 2, 11, 0
    )
    assert c["first_response"].consumed_seconds == 3600
    assert c["acknowledgement"].state == ClockState.MET
    with at(2026, 3, 2, 16, 0):
        actions.do_add_player_message(ticket, body="Any news?", channel="email")
    c = clocks(ticket)
    assert c["next_response"].state == ClockState.RUNNING
    assert c["next_response"].due_at == utc(2026, 3, 3, 16, 0)
    with at(2026, 3, 3, 9, 30):
        actions.do_reply(ticket, author=agent, body="Yes: it is on its way.")
    assert clocks(ticket)["next_response"].state == ClockState.MET
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds.count("sla") == 3  # reply, player message, reply
    ticket.refresh_from_db()
    assert verify_chain(ticket.reference, ticket.events.order_by("seq"), ticket.last_event_hash).ok


def test_internal_note_leaves_clocks_alone(
    make_ticket: Callable[..., Ticket], agent: User, at: Any, django_assert_max_num_queries: Any
) -> None:
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email")
    actions.do_reply(ticket, author=agent, body="Checking with payments.", internal=True)
    assert clocks(ticket)["first_response"].state == ClockState.RUNNING
    assert "sla" not in ticket.events.values_list("kind", flat=True)


def test_paused_while_waiting_on_the_player(make_ticket: Callable[..., Ticket], agent: User, at: Any) -> None:
    with at(2026, 3, 2, 10, 0):  # Monday; resolution due Monday 9 March 10:00
        ticket = make_ticket(channel="email")
    with at(2026, 3, 2, 12, 0):  # 2 business hours used
        actions.do_reply(
            ticket, author=agent, body="Please send a photo of your ID.", status=Status.WAITING_PLAYER
        )
    res = clocks(ticket)["resolution"]
    assert res.state == ClockState.PAUSED and res.due_at is None and res.consumed_seconds == 2 * 3600
    assert TicketSla.objects.get(ticket=ticket).next_due_at is None
    with at(2026, 3, 5, 15, 0):  # Thursday: the player answers, 38 business hours left
        actions.do_add_player_message(ticket, body="Here it is.", channel="email")
    res = clocks(ticket)["resolution"]
    assert res.state == ClockState.RUNNING
    # Thursday 15-17 (2) + Friday (8) + Monday-Wednesday (24) = 34, then 4 h on Thursday: 13:00.
    assert res.due_at == utc(2026, 3, 12, 13, 0)
    changes = [e.change for e in ClockEvent.objects.filter(clock=res)]
    assert changes == ["started", "paused", "resumed"]


def test_waiting_on_a_third_party_pauses_resolution_but_not_updates(
    make_ticket: Callable[..., Ticket], agent: User, at: Any
) -> None:
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email", priority=1)
    with at(2026, 3, 2, 10, 30):
        actions.do_reply(
            ticket, author=agent, body="We asked the game provider.", status=Status.WAITING_THIRD_PARTY
        )
    c = clocks(ticket)
    assert c["resolution"].state == ClockState.PAUSED
    assert c["update1"].state == ClockState.RUNNING  # the reply restarted the update interval
    with at(2026, 3, 2, 13, 0):
        actions.do_change_status(ticket, Status.OPEN, actor=agent)
    res = clocks(ticket)["resolution"]
    assert res.state == ClockState.RUNNING
    assert res.due_at == utc(2026, 3, 3, 12, 30)  # 24 h budget, 30 min used before the pause


def test_solved_meets_resolution_and_reopening_resumes_it(
    make_ticket: Callable[..., Ticket], agent: User, at: Any
) -> None:
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email")
    with at(2026, 3, 2, 14, 0):
        actions.do_reply(ticket, author=agent, body="Done.", status=Status.SOLVED)
    res = clocks(ticket)["resolution"]
    assert res.state == ClockState.MET and res.consumed_seconds == 4 * 3600
    with at(2026, 3, 3, 10, 0):
        actions.do_add_player_message(ticket, body="It is not fixed.", channel="email")
    res = clocks(ticket)["resolution"]
    assert res.state == ClockState.RUNNING and res.met_at is None
    assert res.due_at == utc(2026, 3, 9, 14, 0)  # 36 business hours left from Tuesday 10:00


def test_policy_changed_mid_case_keeps_the_started_version(
    make_ticket: Callable[..., Ticket], agent: User, supervisor: User, at: Any
) -> None:
    with at(2026, 3, 2, 10, 0):
        before = make_ticket(channel="email")
    old = Policy.objects.get(key="written", is_current=True)
    spec = PolicySpec(
        name=old.name,
        rank=old.rank,
        channels=tuple(old.channels),
        first_response_minutes=60,
        resolution_minutes=old.resolution_minutes,
        acknowledgement_minutes=old.acknowledgement_minutes,
        next_response_minutes=old.next_response_minutes,
    )
    new = do_save_policy("written", spec, actor=supervisor)
    assert new.version == 2 and not Policy.objects.get(pk=old.pk).is_current
    with at(2026, 3, 2, 10, 0):
        after = make_ticket(channel="email")
    assert clocks(before)["first_response"].due_at == utc(2026, 3, 3, 10, 0)
    assert clocks(after)["first_response"].due_at == utc(2026, 3, 2, 11, 0)
    # A change on the old case (category) keeps its version.
    with at(2026, 3, 2, 11, 0):
        actions.do_change_category(before, "payments", actor=agent)
    assert TicketSla.objects.get(ticket=before).policy == old
    assert clocks(before)["first_response"].policy == old


def test_priority_raised_to_p1_switches_policy_and_calendar(
    make_ticket: Callable[..., Ticket], agent: User, at: Any
) -> None:
    with at(2026, 3, 6, 16, 0):  # Friday 16:00
        ticket = make_ticket(channel="email")
    with at(2026, 3, 6, 16, 30):  # 30 business minutes used
        actions.do_change_priority(ticket, 1, actor=agent)
    c = clocks(ticket)
    assert TicketSla.objects.get(ticket=ticket).policy.key == "urgent"  # type: ignore[union-attr]
    assert c["first_response"].calendar.always_open  # type: ignore[union-attr]  # 24/7 now
    assert c["first_response"].due_at == utc(2026, 3, 6, 18, 0)  # 2 h budget, 30 min used
    event = ticket.events.filter(kind="sla").last()
    assert event is not None and {ch["change"] for ch in event.data["changes"]} == {"recomputed"}


def test_closed_case_stops_open_clocks(make_ticket: Callable[..., Ticket], agent: User, at: Any) -> None:
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email")
    actions.do_change_status(ticket, Status.SOLVED, actor=agent)
    c = clocks(ticket)
    assert c["first_response"].state == ClockState.STOPPED
    assert c["resolution"].state == ClockState.MET
    assert TicketSla.objects.get(ticket=ticket).next_due_at is None
