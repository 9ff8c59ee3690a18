"""Where a public reply or an automatic update reaches the player: the channels listed in
``settings.HOOKS["reply_delivery"]`` and ``settings.HOOKS["update_delivery"]`` are asked in turn, inside
the writer's transaction, until one takes the message.

Each channel app owns its branch: chat puts the message in the conversation (and takes it when the player
is in the chat right now); email (also for the web form and the API, whose players follow their case by
email) queues an outbound email with a link to the case in the portal.
"""

from __future__ import annotations

from dataclasses import dataclass

from playerdesk.core import hooks
from playerdesk.tickets.models import Message, Ticket


@dataclass(frozen=True)
class Delivered:
    """What a channel did with a message: ``channel`` took it, or ``refused`` says why it cannot be sent
    at all (an address mail cannot reach). A hook that leaves the message to the next returns None."""

    channel: str = ""
    refused: str = ""


NOBODY = Delivered(refused="no_channel")


def deliver_reply(ticket: Ticket, message: Message) -> Delivered:
    """An agent's public reply (``do_reply``). Hooks: ``(ticket, message) -> Delivered | None``."""
    done: Delivered | None = hooks.first("reply_delivery", ticket, message)
    return done or NOBODY


def deliver_update(ticket: Ticket, *, kind: str, subject: str, body: str) -> Delivered:
    """An automatic update to the player (service standards). Hooks: ``(ticket, *, kind, subject, body)
    -> Delivered | None``; ``kind`` names the update for the record (the email's kind)."""
    done: Delivered | None = hooks.first("update_delivery", ticket, kind=kind, subject=subject, body=body)
    return done or NOBODY


def send_notice(
    ticket: Ticket | None,
    *,
    kind: str,
    template: str,
    context: dict[str, object],
    to: str = "",
    language: str = "",
) -> Delivered:
    """A message the desk writes to a player itself (a document request, a one-time code): rendered from
    ``template`` in ``language`` (the case's by default) and sent to ``to`` (the requester by default).
    Hooks: ``settings.HOOKS["notice_delivery"]``, ``(ticket, *, kind, template, context, to, language)
    -> Delivered | None``."""
    if ticket is not None:
        to = to or ticket.requester_email
        language = language or ticket.language
    done: Delivered | None = hooks.first(
        "notice_delivery", ticket, kind=kind, template=template, context=context, to=to, language=language
    )
    return done or NOBODY
