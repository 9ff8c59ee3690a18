"""Concurrent contacts of one requester (PostgreSQL: SQLite runs writers one at a time): the same
external id opens one case, and two new cases at once get one automatic acknowledgement."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from playerdesk.intake.actions import do_intake
from playerdesk.intake.contact import Contact
from playerdesk.mail.models import OutboundEmail
from playerdesk.tickets.actions import Requester
from playerdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(count: int, work: Callable[[int], Any]) -> None:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(i)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]


def test_new_cases_of_one_address_at_once_get_one_acknowledgement() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are exercised on PostgreSQL (SQLite serialises writers)")

    def contact(i: int) -> None:
        do_intake(
            Contact(
                channel="web",
                requester=Requester("sam@example.com", "Sam"),
                subject=f"Question {i}",
                body=f"Hello, this is my question number {i}.",
            )
        )

    _at_once(8, contact)
    assert Ticket.objects.filter(requester_email="sam@example.com").count() == 8
    assert Ticket.objects.filter(acknowledged_at__isnull=False).count() == 1
    assert OutboundEmail.objects.filter(kind="acknowledgement").count() == 1


def test_the_same_external_id_at_once_opens_one_case() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are exercised on PostgreSQL (SQLite serialises writers)")

    def contact(_i: int) -> None:
        do_intake(
            Contact(
                channel="api",
                requester=Requester("sam@example.com", "Sam"),
                subject="Deposit missing",
                body="My deposit of $50 is not in my balance.",
                external_id="evt-42",
                once=True,
            )
        )

    _at_once(8, contact)
    assert Ticket.objects.count() == 1
