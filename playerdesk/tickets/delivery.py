"""Where a public reply or an automatic update to the player goes, decided by the case's channel.

Called by ``tickets.actions.do_reply`` inside its transaction. Each channel app owns its branch: email
(and the web form and API, whose players follow their case by email) gets an outbound email with a link
to the case in the portal; chat pushes the reply over the player's socket, or emails it when the player
has left the chat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playerdesk.tickets.models import Message, Ticket


def deliver_reply(ticket: Ticket, message: Message) -> None:
    from playerdesk.mail.actions import queue_reply_notification

    if ticket.channel == "chat":
        from playerdesk.chat.actions import record_agent_reply

        # The reply joins the chat; a player still in the chat reads it there, one who left gets an email.
        if record_agent_reply(ticket, message):
            return
    queue_reply_notification(ticket, message)


def deliver_update(ticket: Ticket, text: str) -> bool:
    """An automatic update to the player through the case's live channel. True when it reached them there
    (a player in the chat right now); False when the caller should send it by email."""
    if ticket.channel != "chat":
        return False
    from django.conf import settings

    from playerdesk.chat.actions import do_post_update

    return do_post_update(ticket, text, settings.BRAND_NAME)
