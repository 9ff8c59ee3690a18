"""Sending again an email of a case that did not arrive (refused, bounced, or not sent to an address
marked undeliverable), and marking an address deliverable once the player confirms it works. Against a
real SMTP server (aiosmtpd)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from playerdesk.core.models import AuditLog, Role
from playerdesk.mail import actions
from playerdesk.mail.models import OutboundEmail, OutboundStatus, UndeliverableAddress
from playerdesk.tickets import actions as ticket_actions
from tests.mail.mails import send_outbox

pytestmark = pytest.mark.django_db

FULL = "full@example.com"


def test_a_refused_reply_is_sent_again_once_the_address_works(
    make_ticket: Any, agent: User, agent_client: Client, sink: Any
) -> None:
    ticket = make_ticket(email=FULL, channel="email")
    sink.mode = "550"
    ticket_actions.do_reply(ticket, author=agent, body="Your withdrawal of $200 was sent this morning.")
    send_outbox()
    sink.mode = "250"
    reply = OutboundEmail.objects.get(ticket=ticket, kind="reply")
    assert reply.status == OutboundStatus.FAILED
    case_url = f"/desk/t/{ticket.reference}/"
    page = agent_client.get(case_url).content.decode()
    assert f'action="/desk/mail/out/{reply.pk}/resend/"' in page
    assert "mark deliverable" in page

    # The address is still marked: sending again is refused until an agent marks it deliverable.
    refused = agent_client.post(f"/desk/mail/out/{reply.pk}/resend/", follow=True).content.decode()
    assert f"{FULL} is marked undeliverable: mark it deliverable first." in refused
    assert OutboundEmail.objects.filter(ticket=ticket, kind="reply").count() == 1
    marked = agent_client.post(f"/desk/mail/deliverable/{ticket.reference}/")
    assert marked.status_code == 302 and marked["Location"] == case_url
    assert not UndeliverableAddress.objects.filter(address=FULL).exists()
    assert AuditLog.objects.filter(action="mail.address_deliverable", actor=agent).count() == 1

    sent = agent_client.post(f"/desk/mail/out/{reply.pk}/resend/")
    assert sent.status_code == 302 and sent["Location"] == case_url
    again = OutboundEmail.objects.get(resend_of=reply)
    assert again.status == OutboundStatus.PENDING and again.message_id != reply.message_id
    assert again.body_text == reply.body_text and again.headers == reply.headers
    assert send_outbox() == 1
    delivered = sink.messages[-1].decode()
    assert "Your withdrawal of $200 was sent this morning." in delivered
    assert f"Message-ID: {again.message_id}" in delivered and ticket.reference in delivered
    row = AuditLog.objects.get(action="mail.resent")
    assert row.actor == agent and row.data["original"] == reply.pk and row.data["status"] == "failed"
    # Once: the original offers no second sending, and a second post is refused.
    page = agent_client.get(case_url).content.decode()
    assert f"/desk/mail/out/{reply.pk}/resend/" not in page and "sent again by an agent" in page
    twice = agent_client.post(f"/desk/mail/out/{reply.pk}/resend/", follow=True).content.decode()
    assert "This email was already sent again." in twice
    assert OutboundEmail.objects.filter(ticket=ticket, kind="reply").count() == 2


def test_only_mail_that_did_not_arrive_is_sent_again_and_only_from_a_visible_case(
    make_ticket: Any,
    agent: User,
    agent_client: Client,
    make_agent: Any,
    other_team: Any,
    sink: Any,
) -> None:
    ticket = make_ticket(channel="email")
    ack = actions.queue_acknowledgement(ticket)
    send_outbox()
    ack.refresh_from_db()
    assert ack.status == OutboundStatus.SENT
    delivered = agent_client.post(f"/desk/mail/out/{ack.pk}/resend/", follow=True).content.decode()
    assert "Only an email that failed, bounced or was not sent can be sent again." in delivered
    assert not OutboundEmail.objects.filter(resend_of=ack).exists()
    # An agent of another team does not see the case: 404, nothing queued.
    hidden = make_ticket(channel="email", team=other_team, email=FULL)
    bounced = actions.queue_acknowledgement(hidden)
    OutboundEmail.objects.filter(pk=bounced.pk).update(status=OutboundStatus.BOUNCED)
    outsider = Client()
    outsider.force_login(make_agent("olga", role=Role.AGENT))
    assert outsider.post(f"/desk/mail/out/{bounced.pk}/resend/").status_code == 404
    assert outsider.post(f"/desk/mail/deliverable/{hidden.reference}/").status_code == 404
    assert agent_client.get(f"/desk/mail/out/{bounced.pk}/resend/").status_code == 405
    assert agent_client.post("/desk/mail/out/987654321/resend/").status_code == 404
    assert not OutboundEmail.objects.filter(resend_of__isnull=False).exists()
