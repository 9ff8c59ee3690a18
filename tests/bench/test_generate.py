"""The benchmark data generator stores what the actions would have stored: valid chains, unique references,
search entries, and a reference sequence advanced past the generated cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench import generate
from playerdesk.core import refs
from playerdesk.tickets import search
from playerdesk.tickets.models import OPEN_STATUSES, Message, SearchEntry, Ticket, TicketEvent
from playerdesk.tickets.timeline import verify_chain


def _content() -> list[tuple[Any, ...]]:
    return list(
        Ticket.objects.order_by("received_at").values_list(
            "subject", "status", "channel", "language", "category", "priority", "received_at",
            "requester_email", "message_count", "last_event_seq",
        )
    )  # fmt: skip


def test_generated_cases_are_complete_and_verifiable(db: Any, make_ticket: Callable[..., Ticket]) -> None:
    report = generate.generate(200, analyze=False)

    assert Ticket.objects.count() == report.tickets == 200
    assert Message.objects.count() == report.messages
    assert TicketEvent.objects.count() == report.events
    assert SearchEntry.objects.count() == report.search_entries == 200
    assert 2.5 <= report.messages / 200 <= 5
    open_count = Ticket.objects.filter(status__in=OPEN_STATUSES).count()
    assert 0 < open_count < 60
    assert Ticket.objects.filter(status="closed").count() > 100

    tickets = list(Ticket.objects.prefetch_related("events", "messages"))
    references = [t.reference for t in tickets]
    assert len(set(references)) == 200
    assert all(refs.is_valid(r) and refs.normalize(r) == r for r in references)
    for ticket in tickets:
        events = list(ticket.events.all())
        assert verify_chain(ticket.reference, events, ticket.last_event_hash).ok, ticket.reference
        assert ticket.last_event_seq == len(events)
        assert ticket.message_count == len(ticket.messages.all())
        assert events[0].kind == "created"

    # The full-text index covers the generated documents.
    sample = tickets[17]
    word = search.terms(sample.subject)[0]
    assert sample in search.search(Ticket.objects.all(), word)
    assert list(search.search(Ticket.objects.all(), sample.reference)) == [sample]

    # The reference sequence moved past the generated block: a real new case gets a fresh reference.
    created = make_ticket()
    assert created.reference not in set(references)
    assert refs.sequence_for_reference(created.reference) > report.last_sequence


def test_generation_is_deterministic(db: Any) -> None:
    generate.generate(40, analyze=False)
    first = _content()
    Ticket.objects.all().delete()
    generate.generate(40, analyze=False)
    assert _content() == first
