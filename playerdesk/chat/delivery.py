"""Chat's branch of delivery (``settings.HOOKS``): a chat case's reply or update joins its conversation,
and counts as delivered when the player is in the chat right now (else email takes it too)."""

from __future__ import annotations

from django.conf import settings

from playerdesk.chat.actions import do_post_update, record_agent_reply
from playerdesk.tickets.delivery import Delivered
from playerdesk.tickets.models import Channel, Message, Ticket


def deliver_reply(ticket: Ticket, message: Message) -> Delivered | None:
    if ticket.channel != Channel.CHAT:
        return None
    return Delivered("chat") if record_agent_reply(ticket, message) else None


def deliver_update(ticket: Ticket, *, kind: str, subject: str, body: str) -> Delivered | None:
    if ticket.channel != Channel.CHAT:
        return None
    return Delivered("chat") if do_post_update(ticket, body, settings.BRAND_NAME) else None
