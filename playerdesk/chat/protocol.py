"""The widget's side of a chat, as frames in and frames out. The WebSocket consumer and the long-poll
views both drive this class, so both transports behave the same.

Frames from the widget (JSON objects, ``type`` first):
  hello {token?, key?, last_seq?, lang?}   who is there; resume from ``last_seq`` (or get a full resync)
  msg {cid, body, name?, email?}           a message (guests give name and email with their first one)
  resume {last_seq}                        entries after ``last_seq`` (when the widget saw a gap)
  typing {on}   read {seq}   ping   end   transcript
  offline {cid, name?, email?, body}       the email form when nobody can chat
Frames to the widget: welcome, session {key}, ack {cid, seq}, entry, backlog {entries}, resync {entries},
state, typing, read, pong, transcript, offline_ok, error {code, message, cid?}.
"""

from __future__ import annotations

import collections
import time
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from playerdesk.chat import actions, frames, identity, routing, stream
from playerdesk.chat.identity import IdentityError
from playerdesk.chat.models import WAITING_STATES, ChatSession, Conversation, ConversationState
from playerdesk.chat.stream import ChatError
from playerdesk.core import ratelimit
from playerdesk.core.errors import ActionError
from playerdesk.core.text import clean_line
from playerdesk.tickets.actions import check_email

RESYNC_GAP = 200
MAX_TRANSCRIPTS = 3
RETRYABLE = {"rate_limited"}
# The widget pings every 20 s; its presence (90 s window) is written at most every 30 s. Waiting players
# also get their queue position with each such touch, besides the broadcast on every queue change.
TOUCH_EVERY_SECONDS = 30


def error(code: str, message: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": str(message), **extra}


class PlayerProtocol:
    """One widget connection. Not thread-safe; one instance per socket (or per long-poll request)."""

    def __init__(self, *, track_connection: bool = True) -> None:
        self.session: ChatSession | None = None
        self.conversation_id: int | None = None
        self.language = "en"
        self.sent_seq = 0
        self.track_connection = track_connection
        self.connected_to: int | None = None
        # Made on the first message: most sockets are idle widgets.
        self._recent: collections.deque[float] | None = None
        self._last_touch = 0.0
        self._last_typing = 0.0

    # ------------------------------------------------------------ dispatch

    def handle(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        kind = frame.get("type")
        handler = getattr(self, f"on_{kind}", None) if isinstance(kind, str) and kind.isidentifier() else None
        if kind == "hello":
            self.language = stream.language_of(frame.get("lang"))
        with override(self.language):
            if handler is None:
                return [error("unknown_type", _("This request is not understood."))]
            if kind not in ("hello", "ping", "offline") and self.session is None and kind != "msg":
                return [error("no_session", _("Say hello first."))]
            try:
                return list(handler(frame))
            except IdentityError as exc:
                return [error(exc.code, exc.message, fatal=True)]
            except ChatError as exc:
                extra = {"cid": frame["cid"]} if isinstance(frame.get("cid"), str) else {}
                if exc.code in RETRYABLE:
                    extra["retry"] = True
                return [error(exc.code, exc.message, **extra)]

    def conversation(self) -> Conversation | None:
        if self.conversation_id is None:
            return None
        return (
            Conversation.objects.select_related("ticket", "agent__agent", "session__player")
            .filter(pk=self.conversation_id)
            .first()
        )

    # ------------------------------------------------------------ frames

    def on_hello(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        self.language = stream.language_of(frame.get("lang"))
        token, key = frame.get("token"), frame.get("key")
        new_key = ""
        with override(self.language):
            if token:
                self.session, new_key = identity.player_session(token, key, self.language)
            elif key:
                self.session = identity.session_for_key(key)
        conversation = actions.live_conversation(self.session) if self.session is not None else None
        welcome: dict[str, Any] = {
            "type": "welcome",
            "identity": "anonymous",
            "staffed": routing.is_staffed(self.language),
            "response_hours": settings.CHAT_EMAIL_RESPONSE_HOURS,
            "conv": None,
        }
        if self.session is not None:
            player = self.session.player
            welcome["identity"] = "player" if player is not None else "guest"
            welcome["name"] = stream.player_name(self.session)
            welcome["email"] = player.email if player is not None else self.session.guest_email
            if new_key:
                welcome["key"] = new_key
        replies = [welcome]
        if conversation is not None:
            self._follow(conversation)
            welcome["conv"] = {"id": conversation.pk, "reference": conversation.ticket.reference}
            replies += self.backlog(conversation, frame.get("last_seq"))
            replies.append(self._state(conversation))
        return replies

    def backlog(self, conversation: Conversation, last_seq: Any) -> list[dict[str, Any]]:
        if type(last_seq) is int and 0 <= last_seq <= conversation.last_seq <= last_seq + RESYNC_GAP:
            entries = stream.entries_after(conversation, last_seq, audience="player")
            self.sent_seq = max([self.sent_seq, last_seq] + [e.seq for e in entries])
            return [{"type": "backlog", "conv": conversation.pk, "entries": self._frames(entries)}]
        entries = stream.entries_after(conversation, 0, audience="player", limit=100_000)
        self.sent_seq = conversation.last_seq
        return [{"type": "resync", "conv": conversation.pk, "entries": self._frames(entries)}]

    def catch_up(self) -> list[dict[str, Any]]:
        """Entries stored between the backlog and the moment the socket joined the live group."""
        conversation = self.conversation()
        if conversation is None or conversation.last_seq <= self.sent_seq:
            return []
        entries = stream.entries_after(conversation, self.sent_seq, audience="player")
        if not entries:
            return []
        self.sent_seq = entries[-1].seq
        return [{"type": "backlog", "conv": conversation.pk, "entries": self._frames(entries)}]

    @staticmethod
    def _frames(entries: list[Any]) -> list[dict[str, Any]]:
        return [frames.entry_frame(e, audience="player") for e in entries]

    def _state(self, conversation: Conversation) -> dict[str, Any]:
        position = None
        if conversation.state in (ConversationState.QUEUED, ConversationState.RINGING):
            position = routing.queue_position(conversation)
        return frames.state_frame(conversation, position=position, wait=routing.estimated_wait(position))

    def _follow(self, conversation: Conversation) -> None:
        if self.conversation_id != conversation.pk and self.track_connection:
            if self.connected_to is not None:
                old = Conversation.objects.filter(pk=self.connected_to).first()
                if old is not None:
                    actions.touch_player(old, connected=-1)
            actions.touch_player(conversation, connected=1)
            self.connected_to = conversation.pk
        self.conversation_id = conversation.pk

    def on_msg(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        cid = stream.check_client_id(frame.get("cid"))
        body = stream.check_message(frame.get("body"))
        replies: list[dict[str, Any]] = []
        if self.session is None:
            name = clean_line(str(frame.get("name") or ""), 120)
            if not name:
                raise ChatError("name_required", _("Please tell us your name."))
            try:
                email = check_email(str(frame.get("email") or "")[:254])
            except ActionError as exc:
                raise ChatError("email_required", _("A valid email address is required.")) from exc
            self._rate(cid)
            self.session, key = identity.guest_session(name, email, self.language)
            replies.append({"type": "session", "key": key, "identity": "guest", "name": name, "email": email})
        else:
            self._rate(cid)
        conversation, entry, _created = actions.do_player_message(
            self.session, cid=cid, body=body, language=self.language
        )
        started = self.conversation_id != conversation.pk
        self._follow(conversation)
        replies.append(
            {
                "type": "ack",
                "cid": cid,
                "seq": entry.seq,
                "conv": conversation.pk,
                "reference": conversation.ticket.reference,
            }
        )
        if started:
            replies.append(self._state(conversation))
        return replies

    def _rate(self, cid: str) -> None:
        now = time.monotonic()
        if self._recent is None:
            self._recent = collections.deque()
        while self._recent and now - self._recent[0] > 10:
            self._recent.popleft()
        if len(self._recent) >= settings.CHAT_RATE_PER_CONNECTION:
            raise ChatError("rate_limited", _("You are sending messages very fast. Please wait a moment."))
        if self.session is not None:
            minute = f"{self.session.pk}:{int(time.time() // 60)}"
            if not ratelimit.hit("chat-player", minute, limit=settings.CHAT_RATE_PER_PLAYER, window=70):
                raise ChatError(
                    "rate_limited", _("You are sending messages very fast. Please wait a moment.")
                )
        self._recent.append(now)

    def on_resume(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        conversation = self.conversation()
        if conversation is None:
            return []
        return self.backlog(conversation, frame.get("last_seq"))

    def on_typing(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        now = time.monotonic()
        if self.conversation_id is None or now - self._last_typing < 1.0:
            return []
        self._last_typing = now
        frames.send_now(
            frames.agents_group(self.conversation_id),
            {
                "type": "typing",
                "conv": self.conversation_id,
                "from": "player",
                "on": bool(frame.get("on", True)),
            },
        )
        return []

    def on_read(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        conversation = self.conversation()
        if conversation is not None:
            actions.do_mark_read(conversation, "player", frame.get("seq"))
        return []

    def on_ping(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        """Heartbeat: keeps the player "in the chat"; while waiting, it also refreshes the queue position."""
        now = time.monotonic()
        replies: list[dict[str, Any]] = [{"type": "pong"}]
        if self.conversation_id is not None and now - self._last_touch > TOUCH_EVERY_SECONDS:
            self._last_touch = now
            actions.touch_player(Conversation(pk=self.conversation_id))
            if Conversation.objects.filter(pk=self.conversation_id, state__in=WAITING_STATES).exists():
                conversation = self.conversation()
                if conversation is not None:
                    replies.append(self._state(conversation))
        return replies

    def on_end(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        conversation = self.conversation()
        if conversation is not None:
            actions.do_end(conversation, by="player")
        return []

    def on_transcript(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        conversation = self.conversation()
        if conversation is None:
            raise ChatError("no_conversation", _("There is no conversation to send yet."))
        if not ratelimit.hit(
            "chat-transcripts", str(conversation.pk), limit=MAX_TRANSCRIPTS, window=24 * 3600
        ):
            raise ChatError("rate_limited", _("The transcript was already sent several times."))
        actions.do_request_transcript(conversation)
        return [{"type": "transcript", "ok": True, "email": conversation.ticket.requester_email}]

    def on_offline(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        cid = frame.get("cid") or ""
        sender = str((self.session.pk if self.session else frame.get("email")) or "anon")
        if not ratelimit.hit("chat-offline", sender, limit=10, window=3600):
            raise ChatError("rate_limited", _("You are sending messages very fast. Please wait a moment."))
        ticket = actions.do_offline_message(
            name=str(frame.get("name") or "")[:200],
            email=str(frame.get("email") or "")[:254],
            body=str(frame.get("body") or ""),
            language=self.language,
            session=self.session,
            cid=cid if isinstance(cid, str) else "",
        )
        return [
            {"type": "offline_ok", "reference": ticket.reference, "hours": settings.CHAT_EMAIL_RESPONSE_HOURS}
        ]

    def on_disconnect(self) -> None:
        if self.track_connection and self.connected_to is not None:
            conversation = Conversation.objects.filter(pk=self.connected_to).first()
            if conversation is not None:
                actions.touch_player(conversation, connected=-1)
            self.connected_to = None
