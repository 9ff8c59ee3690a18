from __future__ import annotations

from typing import Any

from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket, TicketEvent
from playerdesk.tickets.timeline import verify_chain


def report(ticket: Ticket) -> Any:
    ticket.refresh_from_db()
    return verify_chain(ticket.reference, ticket.events.order_by("seq"), ticket.last_event_hash)


def test_chain_detects_edited_event(ticket: Ticket, agent: Any) -> None:
    actions.do_change_priority(ticket, 1, actor=agent)
    assert report(ticket).ok
    TicketEvent.objects.filter(ticket=ticket, kind="priority").update(data={"from": 3, "to": 4})
    result = report(ticket)
    assert not result.ok and result.broken_at == 3 and "changed" in result.reason


def test_chain_detects_removed_and_reordered_events(ticket: Ticket, agent: Any) -> None:
    actions.do_change_priority(ticket, 1, actor=agent)
    actions.do_change_priority(ticket, 2, actor=agent)
    TicketEvent.objects.filter(ticket=ticket, seq=4).delete()
    assert not report(ticket).ok  # last event removed
    TicketEvent.objects.filter(ticket=ticket, seq=2).delete()
    assert report(ticket).broken_at == 3  # a gap in the middle


def test_chain_detects_changed_actor_or_time(ticket: Ticket, agent: Any) -> None:
    actions.do_change_priority(ticket, 1, actor=agent)
    TicketEvent.objects.filter(ticket=ticket, seq=3).update(actor_label="Somebody else")
    assert not report(ticket).ok
