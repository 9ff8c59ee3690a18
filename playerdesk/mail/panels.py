"""The mail panel of the console's case page: the emails of the case (originals), the delivery status of
each email we sent, bounces and undeliverable addresses, and possible follow-ups. Five queries."""

from __future__ import annotations

from django.http import HttpRequest

from playerdesk.core.panels import Panel
from playerdesk.mail.actions import RESENDABLE
from playerdesk.mail.models import CaseMail, InboundEmail, MailLink, OutboundEmail, UndeliverableAddress
from playerdesk.mail.threads import reply_address
from playerdesk.tickets.models import Ticket

SHOWN = 20


def side_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    inbound = list(
        InboundEmail.objects.filter(ticket=ticket)
        .only("id", "received_at", "subject", "outcome", "status", "from_address", "reason", "ticket_id")
        .order_by("-received_at", "-id")[:SHOWN]
    )
    outbound = list(
        OutboundEmail.objects.filter(ticket=ticket)
        .defer("body_text", "body_html", "headers")
        .order_by("-created_at", "-id")[:SHOWN]
    )
    links = list(MailLink.objects.filter(ticket=ticket).select_related("related")[:10])
    undeliverable = UndeliverableAddress.objects.filter(address=ticket.requester_email.lower()).first()
    if not (inbound or outbound or links or undeliverable):
        return None
    mail = CaseMail.objects.filter(ticket=ticket).select_related("mailbox").first()
    return Panel(
        "mail/desk/panel.html",
        {
            "ticket": ticket,
            "inbound": inbound,
            "outbound": outbound,
            "links": links,
            "undeliverable": undeliverable,
            "resendable": RESENDABLE,
            "resent": {e.resend_of_id for e in outbound if e.resend_of_id},
            "reply_address": reply_address(mail) if mail else "",
        },
        place="side",
    )
