from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from playerdesk.intake.actions import do_intake
from playerdesk.intake.contact import Contact
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_creators_get_distinct_references() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are exercised on PostgreSQL (SQLite serialises writers)")
    barrier = threading.Barrier(50)
    errors: list[BaseException] = []
    refs: list[str] = []
    lock = threading.Lock()

    def create(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            ticket = do_intake(
                Contact(
                    channel="api",
                    requester=actions.Requester(f"p{i}@example.com"),
                    subject=f"Concurrent {i}",
                    body="Deposit missing",
                )
            ).ticket
            with lock:
                refs.append(ticket.reference)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]
    assert len(refs) == 50 and len(set(refs)) == 50
    assert Ticket.objects.count() == 50


@pytest.mark.django_db(transaction=True)
def test_concurrent_events_on_one_case_keep_the_chain(make_agent: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL")
    from playerdesk.tickets.timeline import verify_chain

    ticket = do_intake(
        Contact(
            channel="web", requester=actions.Requester("busy@example.com"), subject="Busy case", body="hello"
        )
    ).ticket
    agent = make_agent("conc")
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def note(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            actions.do_reply(ticket, author=agent, body=f"note {i}", internal=True)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=note, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]
    ticket.refresh_from_db()
    assert ticket.message_count == 11
    assert verify_chain(ticket.reference, ticket.events.order_by("seq"), ticket.last_event_hash).ok
