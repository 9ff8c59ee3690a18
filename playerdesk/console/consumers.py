"""Live console: case updates and collision detection (who is viewing, who is typing) over WebSocket.

Client messages (JSON):
  {"type": "watch", "ticket": <id>}   follow a case (access checked) and announce "viewing"
  {"type": "viewing"} / {"type": "typing"}   presence on the watched cases, repeated while it lasts
  {"type": "unwatch", "ticket": <id>}
Server messages: the payload of every "desk.event" of the desk group and of watched cases, and
{"kind": "presence", "ticket": <id>, "state": "viewing"|"typing", "agent": <name>, "user": <id>}.
"""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from playerdesk.core import events
from playerdesk.core.sockets import session_user
from playerdesk.tickets.access import agent_of, visible_tickets

MAX_FRAME_CHARS = 4096
MAX_WATCHED = 20
PRESENCE_STATES = ("viewing", "typing")


@database_sync_to_async
def _signed_in(scope: dict[str, Any]) -> tuple[Any, str | None]:
    user = session_user(scope)
    agent = agent_of(user)
    return user, agent.display_name if agent is not None else None


@database_sync_to_async
def _may_see(user: Any, ticket_id: int) -> bool:
    return visible_tickets(user).filter(pk=ticket_id).exists()


class DeskConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        events.attach_loop()
        self.watching: set[int] = set()
        self.user, name = await _signed_in(self.scope)
        if name is None:
            await self.close(code=4403)
            return
        self.agent_name = name
        await self.channel_layer.group_add(events.DESK_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "agent_name"):
            return
        await self.channel_layer.group_discard(events.DESK_GROUP, self.channel_name)
        for ticket_id in list(self.watching):
            await self.channel_layer.group_discard(events.ticket_group(ticket_id), self.channel_name)
        self.watching.clear()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # Frames are small control messages: refuse anything big or malformed without failing.
        if not text_data or len(text_data) > MAX_FRAME_CHARS:
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            return
        if isinstance(content, dict):
            await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type")
        if kind == "watch":
            await self._watch(content.get("ticket"))
        elif kind == "unwatch":
            ticket_id = content.get("ticket")
            if type(ticket_id) is int and ticket_id in self.watching:
                self.watching.discard(ticket_id)
                await self.channel_layer.group_discard(events.ticket_group(ticket_id), self.channel_name)
        elif kind in PRESENCE_STATES:
            target = content.get("ticket")
            tickets = [target] if type(target) is int and target in self.watching else list(self.watching)
            for ticket_id in tickets:
                await self._presence(ticket_id, kind)

    async def _watch(self, ticket_id: Any) -> None:
        if type(ticket_id) is not int or ticket_id < 1:
            await self.send_json({"kind": "error", "error": "unknown case"})
            return
        if ticket_id not in self.watching:
            if len(self.watching) >= MAX_WATCHED or not await _may_see(self.user, ticket_id):
                await self.send_json({"kind": "error", "error": "unknown case", "ticket": ticket_id})
                return
            self.watching.add(ticket_id)
            await self.channel_layer.group_add(events.ticket_group(ticket_id), self.channel_name)
        await self.send_json({"kind": "watching", "ticket": ticket_id})
        await self._presence(ticket_id, "viewing")

    async def _presence(self, ticket_id: int, state: str) -> None:
        await self.channel_layer.group_send(
            events.ticket_group(ticket_id),
            {
                "type": "desk.presence",
                "sender": self.channel_name,
                "payload": {
                    "kind": "presence",
                    "ticket": ticket_id,
                    "state": state,
                    "agent": self.agent_name,
                    "user": self.user.pk,
                },
            },
        )

    async def desk_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message.get("payload", {}))

    async def desk_presence(self, message: dict[str, Any]) -> None:
        if message.get("sender") == self.channel_name:
            return
        await self.send_json(message.get("payload", {}))
