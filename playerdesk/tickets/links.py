"""Signed, expiring links that let a player open their case in the portal without an account.

The journal signs them so that every channel (emails, chat, automatic updates) can put one in a message.
The token binds the reference to the requester's address; it is sent only to that address."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core import signing
from django.urls import reverse

from playerdesk.tickets.models import Ticket

SALT = "playerdesk.portal.case"


def _email_tag(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def make_token(ticket: Ticket) -> str:
    return signing.dumps({"r": ticket.reference, "e": _email_tag(ticket.requester_email)}, salt=SALT)


def case_link(ticket: Ticket) -> str:
    return settings.SITE_URL + reverse("portal:case", args=[make_token(ticket)])


def ticket_for_token(token: str) -> Ticket | None:
    """The case a token opens, or None if it is forged, expired, or the case moved to another address."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.PORTAL_LINK_HOURS * 3600)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    ticket = Ticket.objects.filter(reference=data.get("r")).select_related("player").first()
    if ticket is None or _email_tag(ticket.requester_email) != data.get("e"):
        return None
    return ticket
