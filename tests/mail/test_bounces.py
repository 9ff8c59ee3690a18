"""Bounces (DSN, multipart/report) are matched to the email we sent, mark the address undeliverable, show
on the case and never open a case."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from playerdesk.mail import loops
from playerdesk.mail.models import InboundOutcome, OutboundEmail, OutboundStatus, UndeliverableAddress
from playerdesk.tickets.models import Ticket
from tests.mail.conftest import SUPPORT
from tests.mail.mails import ingest, make_mail

pytestmark = pytest.mark.django_db


def dsn(*, to: str, original_id: str, recipient: str, status: str = "5.1.1", action: str = "failed") -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        f"To: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.example.com>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
        "This is the mail system. Your message could not be delivered.\r\n"
        "\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{recipient}>: Recipient address rejected: User unknown\r\n"
        "\r\n--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original_id}\r\nSubject: Re: Withdrawal still pending\r\n"
        "\r\n--b1--\r\n"
    ).encode()


@pytest.fixture
def sent() -> OutboundEmail:
    inbound = ingest(make_mail(sender="gone@example.com"), mail_from="gone@example.com")
    email = OutboundEmail.objects.get(ticket=inbound.ticket)
    assert email.status == OutboundStatus.SENT
    return email


def test_bounce_to_the_verp_address_marks_the_address_undeliverable(
    sent: OutboundEmail, agent_client: Any
) -> None:
    address = loops.bounce_address(sent.pk)
    bounce = ingest(
        dsn(to=address, original_id="<unrelated@x>", recipient="gone@example.com"),
        mail_from="",
        to=(address,),
    )
    assert bounce.outcome == InboundOutcome.BOUNCE
    assert bounce.ticket_id == sent.ticket_id
    assert Ticket.objects.count() == 1  # no case for a bounce
    sent.refresh_from_db()
    assert sent.status == OutboundStatus.BOUNCED and "User unknown" in sent.bounce_detail
    row = UndeliverableAddress.objects.get(address="gone@example.com")
    assert row.outbound_id == sent.pk and row.code == "5.1.1"
    # The agent sees it on the case.
    sent.ticket.team = None
    page = agent_client.get(f"/desk/t/{sent.ticket.reference}/")
    if page.status_code == 200:
        assert "cannot be delivered" in page.content.decode()


def test_bounce_to_support_matched_by_the_original_message_id(sent: OutboundEmail) -> None:
    bounce = ingest(dsn(to=SUPPORT, original_id=sent.message_id, recipient="gone@example.com"), mail_from="")
    assert bounce.outcome == InboundOutcome.BOUNCE and bounce.ticket_id == sent.ticket_id
    assert UndeliverableAddress.objects.filter(address="gone@example.com").exists()


def test_delay_notice_does_not_mark_the_address(sent: OutboundEmail) -> None:
    raw = dsn(
        to=SUPPORT,
        original_id=sent.message_id,
        recipient="gone@example.com",
        status="4.4.7",
        action="delayed",
    )
    bounce = ingest(raw, mail_from="")
    assert bounce.outcome == InboundOutcome.BOUNCE
    assert not UndeliverableAddress.objects.exists()
    sent.refresh_from_db()
    assert sent.status == OutboundStatus.SENT and sent.bounce_detail.startswith("Delayed")


def test_unmatched_bounce_is_recorded_without_a_case() -> None:
    bounce = ingest(dsn(to=SUPPORT, original_id="<never@elsewhere>", recipient="x@example.com"), mail_from="")
    assert bounce.outcome == InboundOutcome.BOUNCE and bounce.ticket_id is None
    assert not Ticket.objects.exists() and not UndeliverableAddress.objects.exists()
    assert mail.outbox == []


def test_forged_bounce_address_is_refused() -> None:
    assert loops.outbound_of_bounce_address("bounce+1-000000000000@playerdesk.localhost") is None
    assert loops.outbound_of_bounce_address(loops.bounce_address(7)) == 7


def test_plain_text_bounce_from_mailer_daemon_is_not_a_case(sent: OutboundEmail) -> None:
    raw = make_mail(
        sender="MAILER-DAEMON@mx.example.com",
        subject="failure notice",
        body="Sorry, I couldn't deliver your message.\n<gone@example.com>: 550 user unknown\n\n"
        f"Message-ID: {sent.message_id}",
    )
    bounce = ingest(raw, mail_from="")
    assert bounce.outcome == InboundOutcome.BOUNCE and bounce.ticket_id == sent.ticket_id
    assert UndeliverableAddress.objects.filter(address="gone@example.com").exists()
