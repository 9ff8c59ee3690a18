"""The agent's side of live chat, as sync functions the agent socket calls: inbox, access, backlog."""

from __future__ import annotations

from typing import Any

from playerdesk.chat import frames, stream
from playerdesk.chat.models import WAITING_STATES, Conversation, ConversationState, Offer, OfferState
from playerdesk.core.access import agent_of

RESYNC_GAP = 300


def conversations() -> Any:
    return Conversation.objects.select_related("ticket", "session__player", "agent__agent")


def may_watch(user: Any, conversation_id: Any) -> Conversation | None:
    """The assigned agent, and supervisors for any chat (watching)."""
    if type(conversation_id) is not int:
        return None
    profile = agent_of(user)
    if profile is None:
        return None
    conversation = conversations().filter(pk=conversation_id).first()
    if conversation is None:
        return None
    if conversation.agent_id == user.pk or profile.is_supervisor:
        return conversation
    return None


def inbox(user: Any) -> dict[str, Any]:
    profile = agent_of(user)
    offers = [
        {
            "type": "offer",
            "offer": offer.pk,
            "conv": offer.conversation_id,
            "expires_in": 0,
            "transfer": bool(offer.conversation.transfer_to_id),
            "chat": frames.chat_summary(offer.conversation),
        }
        for offer in Offer.objects.filter(agent=user, state=OfferState.RINGING).select_related(
            "conversation__ticket", "conversation__session__player", "conversation__agent__agent"
        )
    ]
    mine = [
        frames.chat_summary(c) for c in conversations().filter(agent=user, state=ConversationState.ACTIVE)
    ]
    live: list[dict[str, Any]] = []
    if profile is not None and profile.is_supervisor:
        live = [
            frames.chat_summary(c)
            for c in conversations().exclude(state=ConversationState.ENDED).order_by("queued_at")[:100]
        ]
    waiting = Conversation.objects.filter(state__in=WAITING_STATES).count()
    return {
        "type": "inbox",
        "offers": offers,
        "chats": mine,
        "live": live,
        "waiting": waiting,
        "limit": profile.max_concurrent_chats if profile is not None else 0,
        "supervisor": bool(profile and profile.is_supervisor),
    }


def backlog(conversation: Conversation, last_seq: Any) -> dict[str, Any]:
    if type(last_seq) is int and 0 <= last_seq <= conversation.last_seq <= last_seq + RESYNC_GAP:
        entries = stream.entries_after(conversation, last_seq, audience="agent")
        return {
            "type": "backlog",
            "conv": conversation.pk,
            "entries": [frames.entry_frame(e, audience="agent") for e in entries],
        }
    entries = stream.entries_after(conversation, 0, audience="agent", limit=100_000)
    return {
        "type": "resync",
        "conv": conversation.pk,
        "chat": frames.chat_summary(conversation),
        "entries": [frames.entry_frame(e, audience="agent") for e in entries],
    }
