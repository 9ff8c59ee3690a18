"""RFC 3834: no automatic reply to automatic mail, at most one per sender a day, our own mail recognised."""

from __future__ import annotations

import email
from email.policy import compat32
from typing import Any

import pytest
from django.core import mail

from playerdesk.mail.models import InboundOutcome, OutboundEmail
from playerdesk.tickets.models import Ticket
from tests.mail.conftest import SUPPORT
from tests.mail.mails import ingest, make_mail

pytestmark = pytest.mark.django_db


def acks() -> int:
    return OutboundEmail.objects.filter(kind="acknowledgement").count()


@pytest.mark.parametrize(
    ("headers", "sender", "envelope"),
    [
        ({"Auto-Submitted": "auto-replied"}, "bot@example.com", "bot@example.com"),
        (
            {"Auto-Submitted": "auto-generated; owner-email=x@example.com"},
            "bot@example.com",
            "bot@example.com",
        ),
        ({"Precedence": "bulk"}, "news@example.com", "news@example.com"),
        ({"Precedence": "junk"}, "news@example.com", "news@example.com"),
        ({"Precedence": "list"}, "news@example.com", "news@example.com"),
        ({"X-Auto-Response-Suppress": "All"}, "exchange@example.com", "exchange@example.com"),
        ({"List-Id": "<players.lists.example.com>"}, "list@example.com", "list@example.com"),
        ({"List-Unsubscribe": "<mailto:leave@example.com>"}, "promo@example.com", "promo@example.com"),
        ({}, "noreply@example.com", "noreply@example.com"),
        ({}, "no-reply@shop.example", "no-reply@shop.example"),
        ({}, "pat@example.com", ""),
    ],
)
def test_no_acknowledgement_to_automatic_mail(headers: dict[str, str], sender: str, envelope: str) -> None:
    inbound = ingest(make_mail(sender=sender, headers=headers), mail_from=envelope)
    assert inbound.outcome == InboundOutcome.CASE  # the mail is kept as a case…
    assert acks() == 0  # …but nothing answers it
    assert "No acknowledgement" in inbound.reason
    assert mail.outbox == []


def test_auto_submitted_no_is_answered() -> None:
    ingest(make_mail(headers={"Auto-Submitted": "no"}))
    assert acks() == 1


def test_at_most_one_automatic_reply_per_sender_per_day() -> None:
    ingest(make_mail(subject="First question", body="Where is my money?"))
    second = ingest(make_mail(subject="Second question", body="And my bonus?"))
    assert Ticket.objects.count() == 2
    assert acks() == 1
    assert "last 24 hours" in second.reason


def test_our_automatic_mail_carries_rfc3834_headers() -> None:
    ingest(make_mail())
    sent = mail.outbox[0]
    assert sent.extra_headers["Auto-Submitted"] == "auto-replied"
    assert sent.extra_headers["X-Auto-Response-Suppress"] == "All"
    assert "playerdesk" in sent.extra_headers["X-PlayerDesk-Loop"]
    assert sent.from_email.startswith("bounce+")  # the envelope sender names the email (bounces)


def test_our_own_mail_coming_back_opens_nothing() -> None:
    ingest(make_mail())
    echoed = mail.outbox[0].message().as_bytes()
    before = Ticket.objects.count()
    inbound = ingest(echoed, mail_from="relay@example.com")
    assert inbound.outcome == InboundOutcome.LOOP
    assert Ticket.objects.count() == before


def _autoresponder_answer(sent: Any, n: int, *, auto_submitted: bool, keep_headers: bool) -> bytes:
    """What a robot answering everything sends back to one of our emails."""
    original = email.message_from_bytes(sent.message().as_bytes(), policy=compat32)
    headers = {"Auto-Submitted": "auto-replied"} if auto_submitted else {}
    return make_mail(
        sender="Robot <robot@example.net>",
        subject=f"Automatic reply: {original['Subject']}",
        body=f"I am away ({n}). This is an automatic answer.",
        in_reply_to=str(original["Message-ID"]) if keep_headers else "",
        headers=headers,
    )


@pytest.mark.parametrize("keep_headers", [True, False])
def test_an_autoresponder_that_answers_everything_ends_within_three_messages(keep_headers: bool) -> None:
    exchanged = 1
    ingest(
        make_mail(sender="Robot <robot@example.net>", body="Hello, please send me the rules."),
        mail_from="robot@example.net",
    )
    handled = 0
    for n in range(10):  # the robot answers every email we send it
        outgoing = mail.outbox[handled:]
        if not outgoing:
            break
        handled = len(mail.outbox)
        exchanged += len(outgoing)
        for sent in outgoing:
            ingest(
                _autoresponder_answer(sent, n, auto_submitted=False, keep_headers=keep_headers),
                mail_from="robot@example.net",
            )
            exchanged += 1
    assert exchanged <= 3
    assert len(mail.outbox) == 1


def test_an_autoresponder_with_auto_submitted_gets_no_reply_at_all() -> None:
    ingest(
        make_mail(
            sender="robot@example.net", headers={"Auto-Submitted": "auto-replied"}, body="Out of office."
        ),
        mail_from="robot@example.net",
    )
    assert mail.outbox == []


def test_mail_to_several_support_addresses_is_one_case() -> None:
    raw = make_mail(to=f"{SUPPORT}, verification@playerdesk.localhost")
    ingest(raw, to=(SUPPORT, "verification@playerdesk.localhost"))
    ingest(raw, to=(SUPPORT,))
    assert Ticket.objects.count() == 1
