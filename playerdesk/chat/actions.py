"""Writers of live chat. A chat is a case (channel chat) from its first message: player messages go
through intake (which opens the case, or adds the message to it), agent messages through the journal's
``do_reply`` (so the case timeline, search and macros see them), and each one also becomes a numbered
entry of the conversation (``stream``).

Exactly once: every message carries the sender's client id; a second copy finds the first entry (unique
per conversation and sender) and is acknowledged with the same sequence number. Locks are always taken
in the same order, case first, then conversation.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from playerdesk.chat import frames, routing, stream
from playerdesk.chat.models import (
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

PLAYER_LIVE_SECONDS = 90


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


# ---------------------------------------------------------------- the player side


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
    cid = stream.check_client_id(cid)
    body = stream.check_message(body)
    with transaction.atomic():
        current = _latest(session)
        if current is None or current.state == ConversationState.ENDED:
            return _start(session, cid=cid, body=body, language=language, team=team)
        conversation, existing = stream.lock_with_copy(current, "player", cid)
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
        return conversation, _player_entry(conversation, message, cid, also=tuple(fields)), True


def _player_entry(
    conversation: Conversation, message: Message, cid: str, *, also: tuple[str, ...] = (), **extra: Any
) -> ChatEntry:
    return stream.append_entry(
        conversation,
        kind=EntryKind.MESSAGE,
        sender="player",
        message=message,
        author_name=message.author_name,
        body=message.body_text,
        client_id=cid,
        also=also,
        **extra,
    )


def _requester(session: ChatSession) -> tickets.Requester:
    player = session.player
    email = player.email if player is not None else session.guest_email
    return tickets.Requester(email, stream.player_name(session), player)


def _start(
    session: ChatSession, *, cid: str, body: str, language: str, team: Team | None
) -> tuple[Conversation, ChatEntry, bool]:
    language = stream.language_of(language or session.language)
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
    entry = _player_entry(conversation, message, cid)
    routing.route(conversation)
    routing.queue_changed()
    return conversation, entry, True


def do_add_player_file(
    session: ChatSession, *, cid: str, filename: str, data: bytes
) -> tuple[Conversation, ChatEntry, bool]:
    """A file or screenshot from the player, on the live conversation (attachment rules apply)."""
    cid = stream.check_client_id(cid)
    with transaction.atomic():
        current = _latest(session)
        if current is None or current.state == ConversationState.ENDED:
            raise stream.ChatError("no_conversation", gettext_lazy("Start the chat with a message first."))
        conversation, existing = stream.lock_with_copy(current, "player", cid)
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
            raise stream.ChatError("bad_file", str(exc)) from exc
        if landing.refused_files:
            raise stream.ChatError("bad_file", landing.refused_files[0][1])
        message = landing.message
        attachment = message.attachments.get()
        also: tuple[str, ...] = ()
        if landing.ticket.pk != conversation.ticket_id:  # the case was closed: on to its follow-up
            conversation.ticket = landing.ticket
            also = ("ticket",)
        files = [{"id": attachment.pk, "name": attachment.filename, "size": attachment.size}]
        entry = _player_entry(conversation, message, cid, also=also, data={"files": files})
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
        raise stream.ChatError("not_yours", gettext_lazy("This chat is not assigned to you."))


def do_agent_message(conversation: Conversation, user: AbstractBaseUser, *, cid: str, body: str) -> ChatEntry:
    """The agent on the chat answers: a public reply on the case, pushed to the player."""
    cid = stream.check_client_id(cid)
    body = stream.check_message(body)
    with transaction.atomic():
        conversation, existing = stream.lock_with_copy(conversation, "agent", cid)
        if existing is not None:
            return existing
        check_agent_on(conversation, user)
        with _replying(_ChatReply(cid, conversation)) as reply:
            try:
                tickets.do_reply(
                    conversation.ticket, author=user, body=body, force=True, live_chat=True, locked=True
                )
            except ActionError as exc:
                raise stream.ChatError("refused", str(exc)) from exc
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
        conversation = stream.lock_conversation(current)
        reply = None
    entry = stream.append_entry(
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
    conversation = stream.lock_conversation(current)
    if not player_is_live(conversation):
        return False
    stream.append_entry(
        conversation, kind=EntryKind.MESSAGE, sender="system", author_name=author_name, body=text
    )
    return True


def do_whisper(conversation: Conversation, user: Any, *, cid: str, body: str) -> ChatEntry:
    """An internal note on the chat (supervisor coaching, agent remark): agents only, never the player."""
    cid = stream.check_client_id(cid)
    body = stream.check_message(body)
    with transaction.atomic():
        conversation, existing = stream.lock_with_copy(conversation, "agent", cid)
        if existing is not None:
            return existing
        message = tickets.do_reply(
            conversation.ticket, author=user, body=body, internal=True, force=True, locked=True
        )
        return stream.append_entry(
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
        conversation = stream.lock_case_then_conversation(conversation)
        if conversation.state == ConversationState.ENDED:
            return conversation
        if by == "agent" and user is not None and conversation.agent_id not in (None, user.pk):
            profile = getattr(user, "agent", None)
            if profile is None or not profile.is_supervisor:
                raise stream.ChatError("not_yours", gettext_lazy("This chat is not assigned to you."))
        Offer.objects.filter(conversation=conversation, state=OfferState.RINGING).update(
            state=OfferState.WITHDRAWN, answered_at=clock.now()
        )
        conversation.state = ConversationState.ENDED
        conversation.ended_at = clock.now()
        conversation.transfer_to = None
        conversation.save(update_fields=["state", "ended_at", "transfer_to"])
        tickets.do_settle_live_chat(conversation.ticket, locked=True)
        stream.record_event(conversation, "ended", {"by": by})
        routing.push_state(conversation)
        routing.queue_changed()
        if conversation.agent_id:
            routing.route_waiting()
    return conversation


def do_transfer(
    conversation: Conversation,
    user: Any,
    *,
    to_agent: Any = None,
    to_team: Team | None = None,
    note: str = "",
) -> Conversation:
    """Hand the chat to another agent (rings only them first) or to a team's queue, with a note."""
    if to_agent is None and to_team is None:
        raise stream.ChatError("transfer_target", gettext_lazy("Choose an agent or a team."))
    if to_agent is not None and to_agent.pk == user.pk:
        raise stream.ChatError("transfer_target", gettext_lazy("Choose another agent."))
    with transaction.atomic():
        conversation = stream.lock_case_then_conversation(conversation)
        profile = getattr(user, "agent", None)
        if not (profile is not None and profile.is_supervisor):
            check_agent_on(conversation, user)
        note = (note or "").strip()
        if note:
            do_whisper(conversation, user, cid=f"transfer-{uuid.uuid4().hex}", body=note)
            conversation = stream.lock_conversation(conversation)
        if to_team is not None:
            try:
                tickets.do_change_team(conversation.ticket, to_team, actor=user, reason="chat transfer")
            except ActionError as exc:  # a self-excluded player's chat stays with responsible gambling
                raise stream.ChatError("transfer_target", str(exc)) from exc
            conversation.team = to_team
        previous = conversation.agent
        conversation.agent = None
        conversation.transfer_to = to_agent
        conversation.state = ConversationState.QUEUED
        conversation.queued_at = clock.now()
        conversation.save(update_fields=["agent", "transfer_to", "state", "queued_at", "team"])
        tickets.do_settle_live_chat(conversation.ticket)
        stream.record_event(
            conversation,
            "transfer",
            {
                "from": routing.actor_name(previous),
                "to": to_agent.agent.display_name
                if to_agent is not None
                else to_team.name
                if to_team
                else "",
            },
        )
        routing.push_state(conversation)
        if previous is not None:
            frames.send_on_commit(
                frames.agent_group(previous.pk), {"type": "released", "conv": conversation.pk}
            )
    routing.route(conversation)
    return conversation


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
        stream.record_event(stream.lock_conversation(conversation), "transcript_sent")


def do_offline_message(
    *, name: str, email: str, body: str, language: str, session: ChatSession | None = None, cid: str = ""
) -> Ticket:
    """Nobody can chat now: the message opens an email case (never lost) and the player is told when
    to expect the answer. A verified player's case is linked to their record."""
    body = stream.check_message(body)
    language = stream.language_of(language)
    player = session.player if session is not None else None
    if player is not None:
        name, email = player.full_name, player.email
    name = clean_line(name or "", 120)
    if not name:
        raise stream.ChatError("name_required", gettext_lazy("Please tell us your name."))
    external_id = f"chat-offline:{stream.check_client_id(cid)}" if cid else ""
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
        raise stream.ChatError("invalid", str(exc)) from exc
    return landing.ticket
