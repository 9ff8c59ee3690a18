"""Live chat sockets: the player's widget (``ws/chat/``) and the agents' chat screen (``ws/chat/agent/``).

Frames are JSON text, at most ``MAX_FRAME_CHARS``; anything bigger or malformed gets an error frame and
the socket stays up. Every message is stored before its ``ack`` leaves; pushes reach the socket through
the channel layer groups of ``chat.frames``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from asgiref.sync import SyncToAsync
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import connections
from django.utils import translation
from django.utils.translation import gettext

from playerdesk.chat import actions, desk, frames, routing
from playerdesk.chat.models import Conversation
from playerdesk.chat.protocol import PlayerProtocol, error
from playerdesk.chat.stream import ChatError
from playerdesk.core import clock, events
from playerdesk.core.access import agent_of
from playerdesk.core.models import AgentProfile, Team
from playerdesk.core.sockets import session_user

T = TypeVar("T")
MAX_FRAME_CHARS = 16_384
MAX_PENDING_FRAMES = 64
log = logging.getLogger(__name__)
# An agent's screen pings every 15 s. Its presence (60 s window) is written at most every 20 s, and its
# activity (against the idle timeout, minutes long) at most every 15 s.
SEEN_EVERY_SECONDS = 20.0
ACTIVITY_EVERY_SECONDS = 15.0


class _SocketDb(SyncToAsync):
    """Database work of the chat sockets, on the one database thread, which keeps its connection from
    frame to frame (Channels' wrapper opens and closes one per call, a third of the work at chat rates).
    A connection that saw an error and no longer answers is dropped and reopened on the next frame."""

    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            for conn in connections.all(initialized_only=True):
                if conn.errors_occurred and not conn.in_atomic_block and not conn.is_usable():
                    conn.close()


def _db(func: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """``func`` on the database thread, in a copy of the socket's context that is dropped afterwards:
    what the call sets (translations, locals) never stays attached to an idle socket."""
    return _SocketDb(func, context=contextvars.copy_context())


class _SocketConsumer(AsyncWebsocketConsumer):
    """Channels' consumer with three changes for chat rates.

    Frames from the client and pushes to it are handled in order by a task of their own, so the socket
    keeps reading while a frame waits for the database (the server stops reading a socket whose last
    frame is unhandled, and then misses the client's keep-alive answers). Past ``MAX_PENDING_FRAMES``
    waiting client frames, the socket is read again only once there is room. And no database clean-up
    before every frame (Channels hops to the database thread and closes the connection for each one):
    ``_db`` looks after the connection. And an idle socket holds one waiting task, not Channels' two
    plus a wait on both (see ``__call__``).
    """

    _pending: deque[tuple[Any, dict[str, Any]]] | None = None
    _pending_frames = 0
    _handling: asyncio.Task[None] | None = None
    _room: asyncio.Future[None] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The client's frames are read by the socket's own call, the channel layer's messages by one
        task, started once the socket is connected (as with Channels, no push is handled before)."""
        self.scope = scope
        self.base_send = send
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        pushes: asyncio.Task[None] | None = None
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        try:
            while True:
                message = await receive()
                await self.dispatch(message)
                if (
                    pushes is None
                    and self.channel_layer is not None
                    and message["type"] == "websocket.connect"
                ):
                    pushes = asyncio.ensure_future(self._pushes())
        except StopConsumer:
            pass
        finally:
            if pushes is not None:
                pushes.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pushes

    async def _pushes(self) -> None:
        while True:
            message = await self.channel_receive()
            try:
                await self.dispatch(message)
            except ValueError:  # a message of a type this socket does not handle
                log.warning("chat socket: no handler for %s", message.get("type"))

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        kind = message["type"]
        if kind in ("websocket.connect", "websocket.disconnect"):
            if kind == "websocket.disconnect" and self._handling is not None:
                with contextlib.suppress(Exception):  # what arrived before the end is still handled
                    await self._handling
            await handler(message)
            return
        if kind == "websocket.receive":
            if self._pending_frames >= MAX_PENDING_FRAMES:  # a flood: stop reading until there is room
                self._room = asyncio.get_running_loop().create_future()
                await self._room
            self._pending_frames += 1
        if self._pending is None:
            self._pending = deque()
        self._pending.append((handler, message))
        if self._handling is None or self._handling.done():
            self._handling = asyncio.create_task(self._handle_pending())

    async def _handle_pending(self) -> None:
        pending = self._pending
        while pending:
            handler, message = pending.popleft()
            if message["type"] == "websocket.receive":
                self._pending_frames -= 1
                if self._room is not None and not self._room.done():
                    self._room.set_result(None)
            try:
                await handler(message)
            except Exception:  # one bad frame never ends the socket's other frames
                log.exception("chat frame failed")
                with translation.override(self._language()):
                    failed = error("server_error", gettext("This request failed; please try again."))
                await self._send(failed)
        self._pending = self._handling = None  # idle sockets hold nothing (not even this finished task)

    async def _send(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    def _language(self) -> str:
        """The language of this socket's own error messages."""
        return "en"


def _parse(text_data: str | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The frame's JSON object, or an error frame in the active language."""
    if text_data is None:
        return None, error("bad_frame", gettext("Frames are JSON text."))
    if len(text_data) > MAX_FRAME_CHARS:
        message = gettext("Frames are limited to %(count)s characters.") % {"count": MAX_FRAME_CHARS}
        return None, error("frame_too_large", message)
    try:
        content = json.loads(text_data)
    except ValueError:
        return None, error("bad_frame", gettext("This frame is not valid JSON."))
    if not isinstance(content, dict):
        return None, error("bad_frame", gettext("A frame is a JSON object with a type."))
    return content, None


class PlayerChatConsumer(_SocketConsumer):
    """The widget. Identity comes only from the hello frame (signed token or session key), never from
    cookies of this site."""

    async def connect(self) -> None:
        events.attach_loop()
        self.protocol = PlayerProtocol()
        self.joined: int | None = None
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.joined is not None:
            await self.channel_layer.group_discard(frames.player_group(self.joined), self.channel_name)
        await _db(self.protocol.on_disconnect)()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        with translation.override(self.protocol.language):
            content, problem = _parse(text_data)
        if content is None:
            await self._send(problem or {})
            return
        replies = await _db(self.protocol.handle)(content)
        if self.protocol.conversation_id != self.joined:
            if self.joined is not None:
                await self.channel_layer.group_discard(frames.player_group(self.joined), self.channel_name)
            self.joined = self.protocol.conversation_id
            if self.joined is not None:
                await self.channel_layer.group_add(frames.player_group(self.joined), self.channel_name)
                replies += await _db(self.protocol.catch_up)()
        for reply in replies:
            await self._send(reply)
        if any(r.get("fatal") for r in replies):
            await self.close(code=4401)

    async def chat_frame(self, message: dict[str, Any]) -> None:
        await self._send(message["frame"])

    def _language(self) -> str:
        return self.protocol.language


class AgentChatConsumer(_SocketConsumer):
    """An agent's (or supervisor's) chat screen: offers, their chats, watching, whispering."""

    async def connect(self) -> None:
        events.attach_loop()

        def signed_in() -> tuple[Any, Any]:
            user = session_user(self.scope)
            return user, agent_of(user)

        self.user, self.profile = await _db(signed_in)()
        if self.profile is None:
            await self.close(code=4403)
            return
        self.following: set[int] = set()
        self._cases: dict[int, int] = {}  # conversation → case, for the chats whose backlog was sent
        self._recent: deque[float] | None = None  # made on the first message
        self._last_typing: dict[int, float] = {}
        self._last_active = 0.0
        self._last_seen = time.monotonic()  # the connection itself counts as seen
        await self.channel_layer.group_add(frames.agent_group(self.user.pk), self.channel_name)
        await self.channel_layer.group_add(frames.DESK_GROUP, self.channel_name)
        await self.accept()
        await _db(routing.seat_connect)(self.profile)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "profile", None) is None:
            return
        await self.channel_layer.group_discard(frames.agent_group(self.user.pk), self.channel_name)
        await self.channel_layer.group_discard(frames.DESK_GROUP, self.channel_name)
        for conv in list(self.following):
            await self.channel_layer.group_discard(frames.agents_group(conv), self.channel_name)
        await _db(routing.seat_disconnect)(self.profile)

    async def _follow(self, conversation_id: int) -> None:
        if conversation_id not in self.following:
            self.following.add(conversation_id)
            await self.channel_layer.group_add(frames.agents_group(conversation_id), self.channel_name)

    async def _unfollow(self, conversation_id: int) -> None:
        self._cases.pop(conversation_id, None)
        if conversation_id in self.following:
            self.following.discard(conversation_id)
            await self.channel_layer.group_discard(frames.agents_group(conversation_id), self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        content, problem = _parse(text_data)
        if content is None:
            await self._send(problem or {})
            return
        kind = content.get("type")
        handler = getattr(self, f"on_{kind}", None) if isinstance(kind, str) and kind.isidentifier() else None
        if handler is None:
            await self._send(error("unknown_type", "This request is not understood."))
            return
        try:
            await handler(content)
        except ChatError as exc:
            extra = {k: content[k] for k in ("cid", "conv", "offer") if k in content}
            await self._send(error(exc.code, exc.message, **extra))

    async def on_hello(self, content: dict[str, Any]) -> None:
        inbox = await _db(desk.inbox)(self.user)
        for chat in inbox["chats"]:
            await self._follow(chat["conv"])
        await self._send(inbox)
        convs = content.get("convs")
        seen: dict[str, Any] = convs if isinstance(convs, dict) else {}
        for chat in inbox["chats"]:
            await self._send_backlog(chat["conv"], seen.get(str(chat["conv"])))

    async def _send_backlog(self, conversation_id: int, last_seq: Any) -> None:
        conversation = await _db(desk.may_watch)(self.user, conversation_id)
        if conversation is None:
            raise ChatError("unknown_chat", "This chat is not available to you.")
        await self._follow(conversation_id)
        self._cases[conversation_id] = conversation.ticket_id
        await self._send(await _db(desk.backlog)(conversation, last_seq))

    async def on_resume(self, content: dict[str, Any]) -> None:
        await self._send_backlog(content.get("conv"), content.get("last_seq"))  # type: ignore[arg-type]

    async def on_watch(self, content: dict[str, Any]) -> None:
        await self._send_backlog(content.get("conv"), content.get("last_seq"))  # type: ignore[arg-type]

    async def on_unwatch(self, content: dict[str, Any]) -> None:
        conv = content.get("conv")
        if type(conv) is int:
            await self._unfollow(conv)

    async def on_accept(self, content: dict[str, Any]) -> None:
        # The transcript follows through the "assigned" push (to every screen of this agent).
        await _db(routing.do_accept)(self.user, content.get("offer"))

    async def on_decline(self, content: dict[str, Any]) -> None:
        await _db(routing.do_decline)(self.user, content.get("offer"))
        await self._send({"type": "offer_gone", "offer": content.get("offer")})

    def _rate(self) -> None:
        now = time.monotonic()
        if self._recent is None:
            self._recent = deque()
        while self._recent and now - self._recent[0] > 10:
            self._recent.popleft()
        if len(self._recent) >= 100:
            raise ChatError("rate_limited", "Too many messages at once.")
        self._recent.append(now)

    async def _conversation(self, content: dict[str, Any]) -> Any:
        conversation = await _db(desk.may_watch)(self.user, content.get("conv"))
        if conversation is None:
            raise ChatError("unknown_chat", "This chat is not available to you.")
        return conversation

    async def on_msg(self, content: dict[str, Any]) -> None:
        received = clock.now()
        self._rate()
        conv = content.get("conv")
        case_id = self._cases.get(conv) if type(conv) is int else None
        if case_id is not None:  # a chat this screen follows: ownership is checked under the lock
            conversation = Conversation(pk=conv, ticket_id=case_id)
        else:
            conversation = await self._conversation(content)
        entry = await _db(actions.do_agent_message)(
            conversation, self.user, cid=content.get("cid"), body=content.get("body")
        )
        await self._send({"type": "ack", "conv": conversation.pk, "cid": entry.client_id, "seq": entry.seq})
        now = time.monotonic()
        if now - self._last_active >= ACTIVITY_EVERY_SECONDS:
            self._last_active = self._last_seen = now
            await _db(routing.seat_heartbeat)(self.profile, active=True, at=received)

    async def on_whisper(self, content: dict[str, Any]) -> None:
        self._rate()
        conversation = await self._conversation(content)
        entry = await _db(actions.do_whisper)(
            conversation, self.user, cid=content.get("cid"), body=content.get("body")
        )
        await self._send({"type": "ack", "conv": conversation.pk, "cid": entry.client_id, "seq": entry.seq})

    async def on_typing(self, content: dict[str, Any]) -> None:
        conv = content.get("conv")
        now = time.monotonic()
        if type(conv) is not int or conv not in self.following or now - self._last_typing.get(conv, 0) < 1:
            return
        self._last_typing[conv] = now
        await self.channel_layer.group_send(
            frames.player_group(conv),
            {
                "type": "chat.frame",
                "frame": {
                    "type": "typing",
                    "conv": conv,
                    "from": "agent",
                    "name": self.profile.display_name,
                    "on": bool(content.get("on", True)),
                },
            },
        )

    async def on_read(self, content: dict[str, Any]) -> None:
        conversation = await self._conversation(content)
        if conversation.agent_id == self.user.pk:
            await _db(actions.do_mark_read)(conversation, "agent", content.get("seq"))

    async def on_transfer(self, content: dict[str, Any]) -> None:
        conversation = await self._conversation(content)

        def targets() -> tuple[Any, Any]:
            agent_id, team_id = content.get("agent"), content.get("team")
            to_agent = to_team = None
            if type(agent_id) is int:
                profile = AgentProfile.objects.select_related("user").filter(pk=agent_id).first()
                if profile is None:
                    raise ChatError("transfer_target", "Unknown agent.")
                to_agent = profile.user
            if type(team_id) is int:
                to_team = Team.objects.filter(pk=team_id, is_active=True).first()
                if to_team is None:
                    raise ChatError("transfer_target", "Unknown team.")
            return to_agent, to_team

        to_agent, to_team = await _db(targets)()
        raw_note = content.get("note")
        note = raw_note if isinstance(raw_note, str) else ""
        await _db(actions.do_transfer)(
            conversation, self.user, to_agent=to_agent, to_team=to_team, note=note[:2000]
        )
        await self._send({"type": "transferred", "conv": conversation.pk})

    async def on_end(self, content: dict[str, Any]) -> None:
        conversation = await self._conversation(content)
        await _db(actions.do_end)(conversation, by="agent", user=self.user)

    async def on_ping(self, content: dict[str, Any]) -> None:
        received = clock.now()
        now = time.monotonic()
        active = bool(content.get("active")) and now - self._last_active >= ACTIVITY_EVERY_SECONDS
        seen = active or now - self._last_seen >= SEEN_EVERY_SECONDS
        if active:
            self._last_active = now
        if seen:
            self._last_seen = now
        await _db(routing.heartbeat)(self.profile, seen=seen, active=active, at=received)
        await self._send({"type": "pong"})

    async def chat_frame(self, message: dict[str, Any]) -> None:
        frame = message["frame"]
        kind = frame.get("type")
        if kind == "assigned":
            await self._send_backlog(frame["conv"], None)
            return
        if kind == "released":
            await self._unfollow(frame["conv"])
        await self._send(frame)
