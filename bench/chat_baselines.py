"""The floors of the chat benchmark, served by the same uvicorn as PlayerDesk.

``echo_app``: a bare ASGI WebSocket app; sockets on ``/room/<id>/`` join a room in a dict and every text
frame is forwarded to the other sockets of the room (no framework, no storage).
``tutorial_app``: the Channels tutorial chat: an ``AsyncWebsocketConsumer`` joining group ``chat_<room>``
and relaying each frame with ``group_send`` through the configured channel layer (no storage).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

ROOMS: dict[str, set[Send]] = {}


async def echo_app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})
        return
    if scope["type"] != "websocket":
        return
    room = scope["path"].strip("/").split("/")[-1]
    members = ROOMS.setdefault(room, set())
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
            members.add(send)
        elif message["type"] == "websocket.receive":
            frame = {"type": "websocket.send", "text": message.get("text") or ""}
            for other in list(members):
                if other is not send:
                    await other(frame)
        elif message["type"] == "websocket.disconnect":
            members.discard(send)
            if not members:
                ROOMS.pop(room, None)
            return


def _tutorial() -> Any:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playerdesk.settings")
    import django

    django.setup()
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.urls import path

    class ChatConsumer(AsyncWebsocketConsumer):
        async def connect(self) -> None:
            self.room_group_name = f"chat_{self.scope['url_route']['kwargs']['room']}"
            await self.channel_layer.group_add(self.room_group_name, self.channel_name)
            await self.accept()

        async def disconnect(self, close_code: int) -> None:
            await self.channel_layer.group_discard(self.room_group_name, self.channel_name)

        async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
            await self.channel_layer.group_send(
                self.room_group_name,
                {"type": "chat.message", "message": text_data, "sender": self.channel_name},
            )

        async def chat_message(self, event: dict[str, Any]) -> None:
            if event["sender"] != self.channel_name:
                await self.send(text_data=event["message"])

    return ProtocolTypeRouter(
        {
            "http": echo_app,
            "websocket": URLRouter([path("room/<str:room>/", ChatConsumer.as_asgi())]),
        }
    )


tutorial_app: Any = _tutorial() if os.environ.get("PLAYERDESK_BENCH_TUTORIAL") == "1" else None
