"""What goes over the wire: frames built from the stored state, and pushes to the live sockets.

Groups: ``chat-p-<conversation>`` (the player's widget: public entries only), ``chat-a-<conversation>``
(the agent on the chat and supervisors watching it: everything, whispers included), ``chat-u-<user>``
(one agent's offers and assignments) and ``chat-desk`` (every agent on the chat screen: queue changes).
Every push leaves only after the transaction that stored it has committed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse

from playerdesk.core import events

if TYPE_CHECKING:
    from playerdesk.chat.models import ChatEntry, Conversation

log = logging.getLogger(__name__)

DESK_GROUP = "chat-desk"


def player_group(conversation_id: int) -> str:
    return f"chat-p-{conversation_id}"


def agents_group(conversation_id: int) -> str:
    return f"chat-a-{conversation_id}"


def agent_group(user_id: int) -> str:
    return f"chat-u-{user_id}"


def send_now(group: str, frame: dict[str, Any]) -> None:
    events.push(group, {"type": "chat.frame", "frame": frame})


def send_on_commit(group: str, frame: dict[str, Any]) -> None:
    transaction.on_commit(lambda: send_now(group, frame))


def entry_frame(entry: ChatEntry, *, audience: str) -> dict[str, Any]:
    frame: dict[str, Any] = {
        "type": "entry",
        "conv": entry.conversation_id,
        "seq": entry.seq,
        "prev": entry.prev_public if audience == "player" else entry.seq - 1,
        "kind": entry.kind,
        "from": entry.sender,
        "name": entry.author_name,
        "body": entry.body,
        "at": entry.created_at.isoformat(),
    }
    if entry.client_id:
        frame["cid"] = entry.client_id
    if entry.event:
        frame["event"] = entry.event
    data = dict(entry.data or {})
    files = data.pop("files", None)
    if files:
        frame["files"] = [
            {
                "name": f.get("name", ""),
                "size": f.get("size", 0),
                **({"url": reverse("attachment-download", args=[f["id"]])} if audience == "agent" else {}),
            }
            for f in files
        ]
    if data:
        frame["data"] = data
    return frame


def push_entry(entry: ChatEntry) -> None:
    """After commit: the entry to the agents' side, and to the player when it is public."""
    agent_frame = entry_frame(entry, audience="agent")
    player_frame = entry_frame(entry, audience="player") if entry.public else None
    conversation_id = entry.conversation_id

    def send() -> None:
        if player_frame is not None:
            send_now(player_group(conversation_id), player_frame)
        send_now(agents_group(conversation_id), agent_frame)

    transaction.on_commit(send)


def state_frame(conversation: Conversation, *, position: int | None = None, wait: int | None = None) -> dict:
    agent = conversation.agent
    profile = getattr(agent, "agent", None) if agent is not None else None
    frame: dict[str, Any] = {
        "type": "state",
        "conv": conversation.pk,
        "state": conversation.state,
        "reference": conversation.ticket.reference,
        "agent": profile.display_name if profile is not None else None,
        "agent_read": conversation.agent_read_seq,
        "player_read": conversation.player_read_seq,
        "last_seq": conversation.last_seq,
    }
    if position is not None:
        frame["position"] = position
    if wait is not None:
        frame["wait"] = wait
    return frame


def chat_summary(conversation: Conversation) -> dict[str, Any]:
    """What an agent sees of a chat in the inbox. A guest is marked unverified and brings no account data."""
    session = conversation.session
    ticket = conversation.ticket
    player = session.player
    summary: dict[str, Any] = {
        "conv": conversation.pk,
        "reference": ticket.reference,
        "case_url": reverse("console:ticket", args=[ticket.reference]),
        "state": conversation.state,
        "language": conversation.language,
        "subject": ticket.subject,
        "last_seq": conversation.last_seq,
        "verified": player is not None,
        "agent": getattr(getattr(conversation.agent, "agent", None), "display_name", None),
    }
    if player is not None:
        summary["name"] = player.full_name or player.email
        summary["player"] = {
            "id": player.external_id,
            "email": player.email,
            "province": player.province,
            "locale": player.locale,
        }
    else:
        summary["name"] = session.guest_name or session.guest_email
        summary["email"] = session.guest_email
    return summary
