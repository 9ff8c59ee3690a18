"""The chat block on the console's case page: where the case's live chat stands (waiting, ringing, with
which agent, whether the player is still in it) and the way to it on the chat screen."""

from __future__ import annotations

from django.http import HttpRequest

from playerdesk.chat.actions import player_is_live
from playerdesk.chat.models import Conversation, ConversationState
from playerdesk.core.access import agent_of
from playerdesk.core.panels import Panel
from playerdesk.tickets.models import Channel, Ticket


def chat_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    if ticket.channel != Channel.CHAT:
        return None  # no query for other cases
    conversation = (
        Conversation.objects.filter(ticket_id=ticket.pk)
        .select_related("agent__agent")
        .order_by("-id")
        .first()
    )
    if conversation is None:
        return None
    agent = agent_of(request.user)
    live = conversation.state != ConversationState.ENDED
    agent_name = ""
    if conversation.agent is not None:
        profile = getattr(conversation.agent, "agent", None)
        agent_name = profile.display_name if profile is not None else conversation.agent.get_username()
    return Panel(
        template="chat/case_panel.html",
        context={
            "conversation": conversation,
            "live": live,
            "agent_name": agent_name,
            "mine": live and conversation.agent_id == request.user.pk,
            "may_watch": live and agent is not None and agent.is_supervisor,
            "player_here": player_is_live(conversation),
        },
        place="head",
    )
