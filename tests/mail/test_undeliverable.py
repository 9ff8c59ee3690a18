"""Nothing is sent to an address marked undeliverable (a 5xx from the relay or a permanent bounce):
automatic mail and agent replies to it are recorded as not sent, with the reason on the case's delivery
status, until the player writes in again from that address. Against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from playerdesk.core import clock
from playerdesk.mail import actions
from playerdesk.mail.models import InboundOutcome, OutboundEmail, OutboundStatus, UndeliverableAddress
from playerdesk.mail.tasks import retry_due_emails
from playerdesk.tickets import actions as ticket_actions
from playerdesk.tickets.models import Ticket
from tests.mail.mails import ingest, make_mail, send_outbox

pytestmark = pytest.mark.django_db

GONE = "gone@example.com"


def refused_by_the_relay(ticket: Ticket, sink: Any) -> None:
    """The relay answers 550 to the acknowledgement: the address is marked, nothing more is tried."""
    sink.mode = "550"
    first = actions.queue_acknowledgement(ticket)
    assert actions.deliver(first.pk) is False
    sink.mode = "250"
    assert UndeliverableAddress.objects.filter(address=GONE).exists()
    assert sink.refused == 1


def test_automatic_mail_is_not_sent_to_an_undeliverable_address(make_ticket: Any, sink: Any) -> None:
    ticket = make_ticket(email=GONE, channel="email")
    refused_by_the_relay(ticket, sink)
    ack = actions.queue_acknowledgement(ticket)
    link = actions.queue_case_link(ticket, "fr")
    assert send_outbox() == 0
    for email in (ack, link):
        email.refresh_from_db()
        assert email.status == OutboundStatus.NOT_SENT and email.attempts == 0 and email.sent_at is None
        assert email.last_error.startswith(f"Not sent: mail to {GONE} could not be delivered (550)")
    with clock.frozen(clock.now() + timedelta(days=1)):  # and never retried
        assert retry_due_emails.call_local() == 0
    assert sink.messages == [] and sink.refused == 1


def test_agent_reply_is_recorded_not_sent_with_the_reason_on_the_case(
    make_ticket: Any, agent: Any, supervisor: Any, sink: Any
) -> None:
    ticket = make_ticket(email="Gone@Example.com", channel="email")  # marks are case-insensitive
    refused_by_the_relay(ticket, sink)
    ticket_actions.do_reply(ticket, author=agent, body="Your withdrawal was sent this morning.")
    send_outbox()
    reply = OutboundEmail.objects.get(ticket=ticket, kind="reply")
    assert reply.status == OutboundStatus.NOT_SENT
    assert sink.messages == []
    client = Client()
    client.force_login(supervisor)
    page = client.get(f"/desk/t/{ticket.reference}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Not sent" in html and "could not be delivered (550)" in html
    assert "Nothing is sent to this address until the player writes in from it." in html


def test_the_player_writing_in_again_makes_the_address_deliverable(agent: Any, sink: Any) -> None:
    first = ingest(make_mail(sender=f"Pat <{GONE}>"), mail_from=GONE)
    assert len(sink.messages) == 1  # the acknowledgement
    ticket = first.ticket
    assert ticket is not None
    sink.mode = "550"
    ticket_actions.do_reply(ticket, author=agent, body="Could you send us a bank statement?")
    send_outbox()
    sink.mode = "250"
    assert UndeliverableAddress.objects.filter(address=GONE).exists()
    ticket_actions.do_reply(ticket, author=agent, body="We are still waiting for the statement.")
    send_outbox()
    assert OutboundEmail.objects.filter(ticket=ticket, status=OutboundStatus.NOT_SENT).count() == 1
    assert len(sink.messages) == 1
    # The player writes in again from that address (a reply in the thread): it is deliverable again.
    ack_id = OutboundEmail.objects.get(ticket=ticket, kind="acknowledgement").message_id
    again = ingest(
        make_mail(sender=f"Pat <{GONE}>", subject="Re: Withdrawal still pending", in_reply_to=ack_id),
        mail_from=GONE,
    )
    assert again.outcome == InboundOutcome.FOLLOW_UP and again.ticket_id == ticket.pk
    assert f"{GONE} was marked undeliverable" in again.reason
    assert not UndeliverableAddress.objects.filter(address=GONE).exists()
    ticket.refresh_from_db()
    ticket_actions.do_reply(ticket, author=agent, body="Thanks, we received it.")
    assert send_outbox() == 1
    assert len(sink.messages) == 2 and b"Thanks, we received it." in sink.messages[-1]
