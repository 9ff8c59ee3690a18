"""Email's branch of delivery (``settings.HOOKS``): the channel of last resort for every case."""

from __future__ import annotations

from playerdesk.intake.contact import Contact
from playerdesk.mail import threads
from playerdesk.mail.actions import do_queue_email, queue_acknowledgement, queue_reply_notification
from playerdesk.mail.inbound import resolve_recipient
from playerdesk.mail.models import UndeliverableAddress
from playerdesk.tickets.delivery import Delivered
from playerdesk.tickets.links import case_link
from playerdesk.tickets.models import Message, Ticket


def deliver_reply(ticket: Ticket, message: Message) -> Delivered:
    queue_reply_notification(ticket, message)
    return Delivered("email")


def deliver_update(ticket: Ticket, *, kind: str, subject: str, body: str) -> Delivered:
    """An automatic update by email; never to an address mail could not be delivered to."""
    if UndeliverableAddress.marks_of(ticket.requester_email).exists():
        return Delivered(refused="undeliverable")
    do_queue_email(
        kind=kind,
        to=ticket.requester_email,
        template="sla_update",
        context={"ticket": ticket, "update_subject": subject, "update_body": body, "link": case_link(ticket)},
        language=ticket.language,
        ticket=ticket,
    )
    return Delivered("email")


def deliver_notice(
    ticket: Ticket | None, *, kind: str, template: str, context: dict[str, object], to: str, language: str
) -> Delivered:
    do_queue_email(kind=kind, to=to, template=template, context=context, language=language, ticket=ticket)
    return Delivered("email")


def acknowledge(ticket: Ticket, contact: Contact) -> Delivered:
    """A new case's acknowledgement by email, threaded under the player's email when it came by email
    (and answerable at the address it was sent to)."""
    kind, _, address = contact.entry_point.partition(":")
    recipient = resolve_recipient(address) if kind == "address" else None
    threads.case_mail(ticket, recipient.mailbox if recipient is not None else None)
    queue_acknowledgement(ticket, in_reply_to=contact.message_id, references=contact.references)
    return Delivered("email")
