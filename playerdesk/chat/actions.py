"""Writers of live chat. A chat is a case (channel chat) from its first message: player messages go
through ``tickets.actions.do_add_player_message``, agent messages through ``do_reply`` (so the case
timeline, search and macros see them), and each one also becomes a numbered entry of the conversation.

Exactly once: every message carries the sender's client id; a second copy finds the first entry (unique
per conversation and sender) and is acknowledged with the same sequence number. Locks are always taken
in the same order, case first, then conversation.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from playerdesk.chat import frames
from playerdesk.chat.models import (
    WAITING_STATES,
    ChatEntry,
    ChatSession,
    Conversation,
    ConversationState,
    EntryKind,
    Offer,
    OfferState,
)
from playerdesk.core import clock
from playerdesk.core.audit import actor_label
from playerdesk.core.errors import ActionError
from playerdesk.core.models import Team
from playerdesk.core.text import clean_line
from playerdesk.intake.actions import do_intake
from playerdesk.intake.contact import Contact, File, Overrides
from playerdesk.tickets import actions as tickets
from playerdesk.tickets import delivery
from playerdesk.tickets.models import Channel, Message, Ticket

MAX_BODY_CHARS = 4000
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
PLAYER_LIVE_SECONDS = 90


class ChatError(Exception):
    """A refused chat request: a code for the client and a message for the person."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


class _ChatReply:
    """The agent message being written from the chat screen, read by the delivery hook inside
    ``do_reply``: its client id, the conversation already locked, and (once appended) its entry."""

    def __init__(self, cid: str, conversation: Conversation) -> None:
        self.cid = cid
        self.conversation = conversation
        self.entry: ChatEntry | None = None


_chat_reply: contextvars.ContextVar[_ChatReply | None] = contextvars.ContextVar("chat_reply", default=None)


@contextlib.contextmanager
def _replying(reply: _ChatReply) -> Iterator[_ChatReply]:
    token = _chat_reply.set(reply)
    try:
        yield reply
    finally:
        _chat_reply.reset(token)


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


# ---------------------------------------------------------------- the stream


def _lock(conversation: Conversation) -> Conversation:
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("ticket", "session", "agent__agent")
        .get(pk=conversation.pk)
    )


def _lock_case_then_conversation(
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


def _lock_with_copy(
    conversation: Conversation, sender: str, cid: str
) -> tuple[Conversation, ChatEntry | None]:
    """Lock case then conversation, and find the entry this sender already stored under ``cid`` (a resent
    message is acknowledged with it instead of being stored twice). A chat turn needs nothing related:
    each one read along would also leave a reference cycle (agent and profile) for the collector."""
    conversation = _lock_case_then_conversation(conversation, related=())
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


def _event(conversation: Conversation, event: str, data: dict[str, Any] | None = None) -> ChatEntry:
    return append_entry(conversation, kind=EntryKind.EVENT, sender="system", event=event, data=data)


def entries_after(
    conversation: Conversation, seq: int, *, audience: str, limit: int = 500
) -> list[ChatEntry]:
    qs = ChatEntry.objects.filter(conversation=conversation, seq__gt=seq)
    if audience == "player":
        qs = qs.filter(public=True)
    return list(qs.order_by("seq")[:limit])


# ---------------------------------------------------------------- the player side


def player_name(session: ChatSession) -> str:
    if session.player is not None:
        return session.player.full_name or session.player.email
    return session.guest_name or session.guest_email


def live_conversation(session: ChatSession) -> Conversation | None:
    """The session's conversation still going on (or the last one, ended, for its transcript)."""
    return (
        Conversation.objects.select_related("ticket", "agent__agent")
        .filter(session=session)
        .order_by("-id")
        .first()
    )


def _latest(session: ChatSession) -> Conversation | None:
    """The session's last conversation: only what locking it needs."""
    row = (
        Conversation.objects.filter(session=session)
        .order_by("-id")
        .values_list("id", "ticket_id", "state")
        .first()
    )
    if row is None:
        return None
    return Conversation(pk=row[0], ticket_id=row[1], state=row[2])


def do_player_message(
    session: ChatSession, *, cid: str, body: str, language: str = "", team: Team | None = None
) -> tuple[Conversation, ChatEntry, bool]:
    """The player wrote. Opens the case and the conversation on the first message. Returns the
    conversation, the entry and whether it was stored now (False: a copy already arrived)."""
    cid = check_client_id(cid)
    body = check_message(body)
    with transaction.atomic():
        current = _latest(session)
        if current is None or current.state == ConversationState.ENDED:
            return _start(session, cid=cid, body=body, language=language, team=team)
        conversation, existing = _lock_with_copy(current, "player", cid)
        if existing is not None:
            return conversation, existing, False
        if conversation.state == ConversationState.ENDED:
            return _start(session, cid=cid, body=body, language=language, team=team)
        landing = do_intake(
            Contact(
                channel=Channel.CHAT,
                requester=_requester(session),
                body=body,
                external_id=f"chat:{cid}",
                thread=conversation.ticket,
                thread_locked=True,
                present=True,
                live_turn=conversation.state == ConversationState.ACTIVE,
            )
        )
        ticket, message = landing.ticket, landing.message
        fields = ["player_seen_at"]
        if ticket.pk != conversation.ticket_id:  # the case was closed: the chat goes on in a follow-up
            conversation.ticket = ticket
            fields.append("ticket")
        conversation.player_seen_at = clock.now()
        entry = append_entry(
            conversation,
            kind=EntryKind.MESSAGE,
            sender="player",
            message=message,
            author_name=message.author_name,
            body=body,
            client_id=cid,
            also=tuple(fields),
        )
        return conversation, entry, True


def _requester(session: ChatSession) -> tickets.Requester:
    player = session.player
    email = player.email if player is not None else session.guest_email
    return tickets.Requester(email, player_name(session), player)


def _start(
    session: ChatSession, *, cid: str, body: str, language: str, team: Team | None
) -> tuple[Conversation, ChatEntry, bool]:
    language = language_of(language or session.language)
    with translation.override(language):
        subject = _("Chat: %(text)s") % {"text": clean_line(body, 80)}
    landing = do_intake(
        Contact(
            channel=Channel.CHAT,
            requester=_requester(session),
            title=subject,
            body=body,
            language_hint=language,
            external_id=f"chat:{cid}",
            present=True,
            overrides=Overrides(team=team),
        )
    )
    ticket, message = landing.ticket, landing.message
    now = clock.now()
    conversation = Conversation.objects.create(
        session=session,
        ticket=ticket,
        language=ticket.language,
        team=team,
        created_at=now,
        queued_at=now,
        player_seen_at=now,
    )
    entry = append_entry(
        conversation,
        kind=EntryKind.MESSAGE,
        sender="player",
        message=message,
        author_name=message.author_name,
        body=body,
        client_id=cid,
    )
    from playerdesk.chat import routing

    routing.route(conversation)
    routing.queue_changed()
    return conversation, entry, True


def do_add_player_file(
    session: ChatSession, *, cid: str, filename: str, data: bytes
) -> tuple[Conversation, ChatEntry, bool]:
    """A file or screenshot from the player, on the live conversation (attachment rules apply)."""
    cid = check_client_id(cid)
    with transaction.atomic():
        current = _latest(session)
        if current is None or current.state == ConversationState.ENDED:
            raise ChatError("no_conversation", gettext_lazy("Start the chat with a message first."))
        conversation, existing = _lock_with_copy(current, "player", cid)
        if existing is not None:
            return conversation, existing, False
        label = clean_line(filename, 200) or "file"
        try:
            landing = do_intake(
                Contact(
                    channel=Channel.CHAT,
                    requester=_requester(session),
                    body=f"📎 {label}",
                    external_id=f"chat:{cid}",
                    files=[File(filename, data)],
                    thread=conversation.ticket,
                    thread_locked=True,
                    present=True,
                )
            )
        except ActionError as exc:
            raise ChatError("bad_file", str(exc)) from exc
        if landing.refused_files:
            raise ChatError("bad_file", landing.refused_files[0][1])
        message = landing.message
        attachment = message.attachments.get()
        also: tuple[str, ...] = ()
        if landing.ticket.pk != conversation.ticket_id:  # the case was closed: on to its follow-up
            conversation.ticket = landing.ticket
            also = ("ticket",)
        entry = append_entry(
            conversation,
            kind=EntryKind.MESSAGE,
            sender="player",
            message=message,
            author_name=message.author_name,
            body=message.body_text,
            client_id=cid,
            data={"files": [{"id": attachment.pk, "name": attachment.filename, "size": attachment.size}]},
            also=also,
        )
        return conversation, entry, True


def do_mark_read(conversation: Conversation, side: str, seq: Any) -> bool:
    """Read receipts: the highest entry a side has seen. Pushed to the other side."""
    if type(seq) is not int or seq < 0:
        return False
    field = "player_read_seq" if side == "player" else "agent_read_seq"
    seq = min(seq, conversation.last_seq)
    updated = Conversation.objects.filter(pk=conversation.pk, **{f"{field}__lt": seq}).update(**{field: seq})
    if updated:
        frame = {"type": "read", "conv": conversation.pk, "side": side, "seq": seq}
        target = frames.agents_group if side == "player" else frames.player_group
        frames.send_on_commit(target(conversation.pk), frame)
    return bool(updated)


def touch_player(conversation: Conversation, *, connected: int = 0) -> None:
    """The player's widget is there (connect, heartbeat) or left (``connected=-1``)."""
    changes: dict[str, Any] = {"player_seen_at": clock.now()}
    if connected:
        changes["player_connections"] = F("player_connections") + connected
    Conversation.objects.filter(pk=conversation.pk).update(**changes)


def player_is_live(conversation: Conversation) -> bool:
    if conversation.state == ConversationState.ENDED or conversation.player_connections <= 0:
        return False
    seen = conversation.player_seen_at
    return seen is not None and clock.now() - seen < timedelta(seconds=PLAYER_LIVE_SECONDS)


# ---------------------------------------------------------------- the agent side


def check_agent_on(conversation: Conversation, user: Any) -> None:
    if conversation.agent_id != user.pk or conversation.state != ConversationState.ACTIVE:
        raise ChatError("not_yours", gettext_lazy("This chat is not assigned to you."))


def do_agent_message(conversation: Conversation, user: AbstractBaseUser, *, cid: str, body: str) -> ChatEntry:
    """The agent on the chat answers: a public reply on the case, pushed to the player."""
    cid = check_client_id(cid)
    body = check_message(body)
    with transaction.atomic():
        conversation, existing = _lock_with_copy(conversation, "agent", cid)
        if existing is not None:
            return existing
        check_agent_on(conversation, user)
        with _replying(_ChatReply(cid, conversation)) as reply:
            try:
                tickets.do_reply(
                    conversation.ticket, author=user, body=body, force=True, live_chat=True, locked=True
                )
            except ActionError as exc:
                raise ChatError("refused", str(exc)) from exc
        if reply.entry is None:  # the case moved on to another conversation meanwhile
            return conversation.entries.get(sender="agent", client_id=cid)
        return reply.entry


def record_agent_reply(ticket: Ticket, message: Message) -> bool:
    """Delivery of a public reply on a chat case (from the chat screen, the case page or a macro):
    it joins the conversation; True when the player is there to read it (no email needed)."""
    reply = _chat_reply.get()
    if reply is not None and reply.conversation.ticket_id == ticket.pk:
        conversation = reply.conversation  # locked by ``do_agent_message``
    else:
        current = Conversation.objects.filter(ticket=ticket).order_by("-id").first()
        if current is None:
            return False
        conversation = _lock(current)
        reply = None
    entry = append_entry(
        conversation,
        kind=EntryKind.MESSAGE,
        sender="agent",
        message=message,
        author_name=message.author_name,
        body=message.body_text,
        client_id=reply.cid if reply is not None else "",
    )
    if reply is not None:
        reply.entry = entry
    return player_is_live(conversation)


def do_post_update(ticket: Ticket, text: str, author_name: str) -> bool:
    """An automatic message to the player of a chat case (e.g. a service-standards update) while they are
    in the chat: it joins the conversation as a message from support. Nothing is written, and False is
    returned, when the player is not there (the caller then emails it)."""
    current = Conversation.objects.filter(ticket=ticket).order_by("-id").first()
    if current is None:
        return False
    conversation = _lock(current)
    if not player_is_live(conversation):
        return False
    append_entry(conversation, kind=EntryKind.MESSAGE, sender="system", author_name=author_name, body=text)
    return True


def do_whisper(conversation: Conversation, user: Any, *, cid: str, body: str) -> ChatEntry:
    """An internal note on the chat (supervisor coaching, agent remark): agents only, never the player."""
    cid = check_client_id(cid)
    body = check_message(body)
    with transaction.atomic():
        conversation, existing = _lock_with_copy(conversation, "agent", cid)
        if existing is not None:
            return existing
        message = tickets.do_reply(
            conversation.ticket, author=user, body=body, internal=True, force=True, locked=True
        )
        return append_entry(
            conversation,
            kind=EntryKind.WHISPER,
            sender="agent",
            public=False,
            message=message,
            author_name=actor_label(user),
            body=body,
            client_id=cid,
        )


def do_end(conversation: Conversation, *, by: str, user: Any = None) -> Conversation:
    """The chat ends (player or agent). The transcript stays on the case."""
    with transaction.atomic():
        conversation = _lock_case_then_conversation(conversation)
        if conversation.state == ConversationState.ENDED:
            return conversation
        if by == "agent" and user is not None and conversation.agent_id not in (None, user.pk):
            profile = getattr(user, "agent", None)
            if profile is None or not profile.is_supervisor:
                raise ChatError("not_yours", gettext_lazy("This chat is not assigned to you."))
        Offer.objects.filter(conversation=conversation, state=OfferState.RINGING).update(
            state=OfferState.WITHDRAWN, answered_at=clock.now()
        )
        conversation.state = ConversationState.ENDED
        conversation.ended_at = clock.now()
        conversation.transfer_to = None
        conversation.save(update_fields=["state", "ended_at", "transfer_to"])
        tickets.do_settle_live_chat(conversation.ticket, locked=True)
        _event(conversation, "ended", {"by": by})
        push_state(conversation)
        from playerdesk.chat import routing

        routing.queue_changed()
        if conversation.agent_id:
            routing.route_waiting()
    return conversation


def push_state(conversation: Conversation, *, player: bool = True, position: int | None = None) -> None:
    from playerdesk.chat import routing

    if position is None and conversation.state in WAITING_STATES:
        position = routing.queue_position(conversation)
    wait = routing.estimated_wait(position) if position is not None else None
    frame = frames.state_frame(conversation, position=position, wait=wait)
    if player:
        frames.send_on_commit(frames.player_group(conversation.pk), frame)
    frames.send_on_commit(frames.agents_group(conversation.pk), frame)


# ---------------------------------------------------------------- transcripts and the offline form


def do_request_transcript(conversation: Conversation) -> None:
    """Email the conversation so far to the player (in the case language)."""
    with transaction.atomic():
        ticket = Ticket.objects.get(pk=conversation.ticket_id)
        lines = [
            {"at": e.created_at, "name": e.author_name, "from": e.sender, "body": e.body, "event": e.event}
            for e in ChatEntry.objects.filter(conversation=conversation, public=True).order_by("seq")[:2000]
        ]
        delivery.send_notice(
            ticket,
            kind="chat_transcript",
            template="chat_transcript",
            context={"ticket": ticket, "lines": lines},
        )
        _event(_lock(conversation), "transcript_sent")


def do_offline_message(
    *, name: str, email: str, body: str, language: str, session: ChatSession | None = None, cid: str = ""
) -> Ticket:
    """Nobody can chat now: the message opens an email case (never lost) and the player is told when
    to expect the answer. A verified player's case is linked to their record."""
    body = check_message(body)
    language = language_of(language)
    player = session.player if session is not None else None
    if player is not None:
        name, email = player.full_name, player.email
    name = clean_line(name or "", 120)
    if not name:
        raise ChatError("name_required", gettext_lazy("Please tell us your name."))
    external_id = f"chat-offline:{check_client_id(cid)}" if cid else ""
    with translation.override(language):
        subject = _("Chat message: %(text)s") % {"text": clean_line(body, 80)}
    try:
        landing = do_intake(
            Contact(
                channel=Channel.EMAIL,
                requester=tickets.Requester(email, name, player),
                subject=subject,
                body=body,
                language_hint=language,
                external_id=external_id,
                once=bool(external_id),
            )
        )
    except ActionError as exc:
        raise ChatError("invalid", str(exc)) from exc
    return landing.ticket


def average_accept_seconds() -> float:
    since = clock.now() - timedelta(days=1)
    rows = Conversation.objects.filter(accepted_at__gte=since).order_by("-accepted_at")[:50]
    values = [(c.accepted_at - c.queued_at).total_seconds() for c in rows if c.accepted_at]
    return sum(values) / len(values) if values else 60.0
