"""Processing after storage is a job: claimed atomically, committed once; a worker that dies between
parse and commit loses nothing and duplicates nothing."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from playerdesk.core import clock
from playerdesk.mail import inbound
from playerdesk.mail.models import InboundEmail, InboundOutcome, InboundStatus, OutboundEmail
from playerdesk.tickets import actions as ticket_actions
from playerdesk.tickets.models import Message, MessageKind, Ticket
from tests.mail.conftest import SUPPORT
from tests.mail.mails import make_mail

pytestmark = pytest.mark.django_db


def test_worker_killed_between_parse_and_commit_20_times_across_200_mails(monkeypatch: Any) -> None:
    monkeypatch.setattr(inbound, "_enqueue", lambda pk: None)  # the test plays the worker
    ids = []
    for i in range(200):
        raw = make_mail(
            sender=f"player{i}@example.com",
            subject=f"Question number {i}",
            body=f"Hello, this is question {i} about my account.",
            message_id=f"<q{i}@mail.example.com>",
        )
        ids.append(
            inbound.receive(
                raw, source="smtp", envelope_from=f"player{i}@example.com", envelope_to=[SUPPORT]
            ).inbound_id
        )
    doomed = set(random.Random(20).sample(range(200), 20))
    state = {"n": 0}
    real_create = ticket_actions.do_create_ticket
    from playerdesk.mail import delivery

    real_ack = delivery.queue_acknowledgement

    def maybe_die() -> None:
        if state["n"] in doomed:
            doomed.discard(state["n"])
            raise inbound.WorkerStopped  # the process is gone: its transaction never commits

    def create(*args: Any, **kwargs: Any) -> Any:
        ticket = real_create(*args, **kwargs)
        if state["n"] % 2:
            maybe_die()
        return ticket

    def acknowledge(*args: Any, **kwargs: Any) -> Any:
        email = real_ack(*args, **kwargs)
        maybe_die()
        return email

    monkeypatch.setattr(ticket_actions, "do_create_ticket", create)
    monkeypatch.setattr(delivery, "queue_acknowledgement", acknowledge)
    killed = 0
    for n, pk in enumerate(ids):
        state["n"] = n
        try:
            inbound.process(pk)
        except inbound.WorkerStopped:
            killed += 1
    assert killed == 20
    assert InboundEmail.objects.filter(status=InboundStatus.PROCESSING).count() == 20
    assert inbound.recover() == 0  # their leases still hold: no second worker takes them yet
    with clock.frozen(clock.now() + inbound.LEASE + timedelta(seconds=1)):
        assert inbound.recover() == 20
    assert InboundEmail.objects.filter(status=InboundStatus.DONE, outcome=InboundOutcome.CASE).count() == 200
    messages = Message.objects.filter(kind=MessageKind.INBOUND, channel="email")
    assert messages.count() == 200
    assert messages.values("external_id").distinct().count() == 200
    assert Ticket.objects.count() == 200
    assert OutboundEmail.objects.filter(kind="acknowledgement").count() == 200


def test_a_claimed_email_is_not_processed_twice(monkeypatch: Any) -> None:
    monkeypatch.setattr(inbound, "_enqueue", lambda pk: None)
    row = inbound.receive(make_mail(), source="smtp", envelope_to=[SUPPORT]).inbound
    InboundEmail.objects.filter(pk=row.pk).update(
        status=InboundStatus.PROCESSING, claim="other-worker", lease_until=clock.now() + timedelta(minutes=4)
    )
    assert inbound.process(row.pk) is None
    assert not Ticket.objects.exists()


def test_a_failing_email_is_retried_then_quarantined(monkeypatch: Any) -> None:
    monkeypatch.setattr(inbound, "_enqueue", lambda pk: None)
    row = inbound.receive(make_mail(), source="smtp", envelope_to=[SUPPORT]).inbound

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(inbound.threads, "find_case", broken)
    moment = clock.now()
    for _attempt in range(inbound.MAX_ATTEMPTS):
        moment += timedelta(minutes=10)
        with clock.frozen(moment):
            inbound.process(row.pk)
    row.refresh_from_db()
    assert row.status == InboundStatus.QUARANTINED and "RuntimeError" in row.reason
    assert not Ticket.objects.exists()
