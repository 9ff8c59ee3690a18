"""The stream of a conversation: checks of what clients send, the locks (case first, then conversation),
and numbered entries, pushed to both sides once committed. Used by the chat's writers (``actions``) and
its routing (``routing``)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy

from playerdesk.chat import frames
from playerdesk.chat.models import ChatEntry, ChatSession, Conversation, EntryKind
from playerdesk.core import clock
from playerdesk.tickets import actions as tickets
from playerdesk.tickets.models import Message

MAX_BODY_CHARS = 4000
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class ChatError(Exception):
    """A refused chat request: a code for the client and a message for the person."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


# ---------------------------------------------------------------- checks


def check_client_id(cid: Any) -> str:
    if not isinstance(cid, str) or not CLIENT_ID.match(cid):
        raise ChatError("bad_client_id", gettext_lazy("This message has no valid id."))
    return cid


def check_message(body: Any) -> str:
    if not isinstance(body, str):
        raise ChatError("bad_message", gettext_lazy("The message is empty."))
    if len(body) > MAX_BODY_CHARS:
        raise ChatError(
            "too_long",
            gettext_lazy("The message is too long (at most %(n)s characters).") % {"n": MAX_BODY_CHARS},
        )
    body = body.strip()
    if not body:
        raise ChatError("bad_message", gettext_lazy("The message is empty."))
    return body


def language_of(value: Any) -> str:
    return "fr" if isinstance(value, str) and value.lower().startswith("fr") else "en"


# ---------------------------------------------------------------- locks and entries


def lock_conversation(conversation: Conversation) -> Conversation:
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("ticket", "session", "agent__agent")
        .get(pk=conversation.pk)
    )


def lock_case_then_conversation(
    conversation: Conversation, related: tuple[str, ...] = ("session", "agent__agent")
) -> Conversation:
    """The conversation under its lock, its ``ticket`` the case read under its own lock first (the case
    writers take it with ``locked=True`` instead of reading it again), with ``related`` read along."""
    ticket = tickets.lock_case(conversation.ticket_id)
    rows = Conversation.objects.select_for_update(of=("self",))
    locked = (rows.select_related(*related) if related else rows).get(pk=conversation.pk)
    if locked.ticket_id != ticket.pk:  # it moved on to a follow-up case in between
        ticket = tickets.lock_case(locked.ticket_id)
    locked.ticket = ticket
    return locked


def lock_with_copy(
    conversation: Conversation, sender: str, cid: str
) -> tuple[Conversation, ChatEntry | None]:
    """Lock case then conversation, and find the entry this sender already stored under ``cid`` (a resent
    message is acknowledged with it instead of being stored twice). A chat turn needs nothing related:
    each one read along would also leave a reference cycle (agent and profile) for the collector."""
    conversation = lock_case_then_conversation(conversation, related=())
    return conversation, conversation.entries.filter(sender=sender, client_id=cid).first()


def append_entry(
    conversation: Conversation,
    *,
    kind: str,
    sender: str,
    public: bool = True,
    message: Message | None = None,
    author_name: str = "",
    body: str = "",
    event: str = "",
    data: dict[str, Any] | None = None,
    client_id: str = "",
    also: tuple[str, ...] = (),
) -> ChatEntry:
    """Number and store one entry of a locked conversation; it is pushed once committed. ``also``: other
    fields of the conversation changed by the caller, saved with the sequence."""
    seq = conversation.last_seq + 1
    entry = ChatEntry.objects.create(
        conversation=conversation,
        seq=seq,
        prev_public=conversation.last_public_seq,
        kind=kind,
        sender=sender,
        public=public,
        message=message,
        author_name=author_name,
        body=body,
        event=event,
        data=data or {},
        client_id=client_id,
        created_at=clock.now(),
    )
    conversation.last_seq = seq
    fields = ["last_seq", *also]
    if public:
        conversation.last_public_seq = seq
        fields.append("last_public_seq")
    conversation.save(update_fields=fields)
    frames.push_entry(entry)
    return entry


def record_event(conversation: Conversation, event: str, data: dict[str, Any] | None = None) -> ChatEntry:
    return append_entry(conversation, kind=EntryKind.EVENT, sender="system", event=event, data=data)


def entries_after(
    conversation: Conversation, seq: int, *, audience: str, limit: int = 500
) -> list[ChatEntry]:
    qs = ChatEntry.objects.filter(conversation=conversation, seq__gt=seq)
    if audience == "player":
        qs = qs.filter(public=True)
    return list(qs.order_by("seq")[:limit])


def player_name(session: ChatSession) -> str:
    if session.player is not None:
        return session.player.full_name or session.player.email
    return session.guest_name or session.guest_email
