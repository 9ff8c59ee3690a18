"""Replies find their case by headers, reply address or subject reference (known senders only); strangers
never append to someone else's case."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from playerdesk.mail.models import InboundOutcome, MailLink, OutboundEmail
from playerdesk.tickets import actions
from playerdesk.tickets.models import Status, Ticket
from tests.mail.conftest import DOMAIN
from tests.mail.mails import ingest, make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def first() -> Any:
    """A case opened by email, with our acknowledgement sent."""
    inbound = ingest(make_mail(message_id="<first-1@mail.example.com>"))
    assert inbound.outcome == InboundOutcome.CASE
    return inbound


def ack_of(ticket: Ticket) -> OutboundEmail:
    return OutboundEmail.objects.get(ticket=ticket, kind="acknowledgement")


def test_acknowledgement_threads_under_the_players_mail(first: Any) -> None:
    ack = ack_of(first.ticket)
    assert ack.headers["In-Reply-To"] == "<first-1@mail.example.com>"
    assert "<first-1@mail.example.com>" in ack.headers["References"]
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert ack.headers["Reply-To"].startswith("support+") and ack.headers["Reply-To"].endswith(f"@{DOMAIN}")
    assert ack.subject == f"Re: Withdrawal still pending [{first.ticket.reference}]"


def test_reply_with_only_in_reply_to(first: Any) -> None:
    ack = ack_of(first.ticket)
    reply = ingest(make_mail(subject="about that", body="Any news?", in_reply_to=ack.message_id))
    assert reply.outcome == InboundOutcome.FOLLOW_UP and reply.ticket_id == first.ticket_id
    assert Ticket.objects.count() == 1
    assert first.ticket.messages.count() == 2


def test_reply_with_only_references(first: Any) -> None:
    ack = ack_of(first.ticket)
    reply = ingest(
        make_mail(subject="x", body="Still waiting.", references=f"<other@x.example> {ack.message_id}")
    )
    assert reply.ticket_id == first.ticket_id and reply.outcome == InboundOutcome.FOLLOW_UP


def test_our_message_id_threads_even_from_another_address(first: Any) -> None:
    """Our Message-IDs are random: quoting one proves having the mail (e.g. the player's other address)."""
    ack = ack_of(first.ticket)
    reply = ingest(
        make_mail(sender="pat.work@example.org", body="From my work address.", in_reply_to=ack.message_id)
    )
    assert reply.ticket_id == first.ticket_id


def test_reply_with_only_the_reply_address(first: Any) -> None:
    reply_to = ack_of(first.ticket).headers["Reply-To"]
    reply = ingest(make_mail(subject="new words", body="Here is the document.", to=reply_to), to=(reply_to,))
    assert reply.ticket_id == first.ticket_id and reply.outcome == InboundOutcome.FOLLOW_UP
    assert "reply address" in reply.reason


def test_subject_reference_from_the_requester(first: Any) -> None:
    reference = first.ticket.reference
    reply = ingest(make_mail(subject=f"Question [{reference}]", body="One more thing."))
    assert reply.ticket_id == first.ticket_id and reply.outcome == InboundOutcome.FOLLOW_UP


def test_outlook_style_reply_without_threading_headers(first: Any) -> None:
    """Outlook-style clients drop In-Reply-To/References, keep a Thread-Index and an 'RE:' subject."""
    reference = first.ticket.reference
    raw = make_mail(
        subject=f"RE: Re: Withdrawal still pending [{reference}]",
        body="Thanks.\n\n________________________________\nFrom: PlayerDesk Support\nSent: Monday\nTo: Pat\n"
        "Subject: Re: Withdrawal\n\nWe received your request",
        headers={"Thread-Index": "AQHZ1234567890abcdef==", "Thread-Topic": "Withdrawal still pending"},
    )
    reply = ingest(raw)
    assert reply.ticket_id == first.ticket_id
    message = first.ticket.messages.order_by("-id").first()
    assert message.body_text == "Thanks."


def test_stranger_using_a_reference_gets_a_new_case(first: Any) -> None:
    reference = first.ticket.reference
    stranger = ingest(
        make_mail(
            sender="eve@evil.example", subject=f"Re: [{reference}] change my email", body="Change the email."
        )
    )
    assert stranger.outcome == InboundOutcome.CASE
    assert stranger.ticket_id != first.ticket_id
    assert first.ticket.messages.count() == 1
    link = MailLink.objects.get(ticket=stranger.ticket)
    assert link.related_id == first.ticket_id and link.reason == "mentions_reference"


def test_stranger_quoting_the_players_own_message_id_gets_a_new_case(first: Any) -> None:
    stranger = ingest(
        make_mail(sender="eve@evil.example", in_reply_to="<first-1@mail.example.com>", body="Hi")
    )
    assert stranger.ticket_id != first.ticket_id


def test_requester_quoting_their_own_message_id_threads(first: Any) -> None:
    again = ingest(make_mail(in_reply_to="<first-1@mail.example.com>", body="Adding a detail."))
    assert again.ticket_id == first.ticket_id


def test_reply_to_a_closed_case_opens_a_linked_case(first: Any, agent: Any) -> None:
    ticket = first.ticket
    actions.do_change_status(ticket, Status.SOLVED, actor=agent)
    actions.do_change_status(ticket, Status.CLOSED, actor=agent)
    mail.outbox.clear()
    reply = ingest(make_mail(in_reply_to=ack_of(ticket).message_id, body="It happened again."))
    assert reply.ticket_id != ticket.pk
    assert reply.ticket.linked_from_id == ticket.pk
    assert reply.outcome == InboundOutcome.CASE


def test_same_subject_from_same_sender_is_flagged_as_possible_follow_up(first: Any) -> None:
    second = ingest(make_mail(subject="RE: withdrawal still pending", body="Any update please?"))
    assert second.ticket_id != first.ticket_id
    assert MailLink.objects.get(ticket=second.ticket).reason == "same_subject"


def test_agent_reply_threads_in_the_players_mail_client(first: Any, agent: Any) -> None:
    ticket = first.ticket
    follow = ingest(
        make_mail(in_reply_to=ack_of(ticket).message_id, message_id="<second@mail.example.com>", body="?")
    )
    assert follow.ticket_id == ticket.pk
    actions.do_reply(ticket, author=agent, body="Your withdrawal was sent today.", force=True)
    reply = OutboundEmail.objects.get(ticket=ticket, kind="reply")
    assert reply.headers["In-Reply-To"] == "<second@mail.example.com>"
    references = reply.headers["References"].split()
    assert references[0] == "<first-1@mail.example.com>" and references[-1] == "<second@mail.example.com>"
    assert ack_of(ticket).message_id in references
    assert ticket.reference in reply.subject and reply.subject.startswith("Re: ")
    assert "Auto-Submitted" not in reply.headers
    # …and the player's answer to it comes back to the case.
    back = ingest(
        make_mail(subject=f"Re: {reply.subject}", in_reply_to=reply.message_id, body="Got it, thanks")
    )
    assert back.ticket_id == ticket.pk
