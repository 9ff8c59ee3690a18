"""The embedded mode's channel layer: one process, channels and groups in memory.

Channels' own in-memory layer scans every channel and every group membership on each send and each
receive (to expire old messages) and keeps an ``asyncio.Queue`` per socket: with thousands of open widgets
both costs dominate a chat server. Here a send is a dictionary look-up and a receive waits on one future.
A message nobody collects within ``expiry`` seconds is dropped when its channel is next used; memberships
go with the socket (consumers discard their groups as they close) or after ``group_expiry``.

Same contract as Channels' layer (``groups`` and ``flush`` extensions, ``ChannelFull`` past ``capacity``),
with one difference: a message is shared by the receivers of a group send (a shallow copy each), so
receivers must not change nested values. One receiver at a time per channel, as consumers do.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import deque
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import BaseChannelLayer


class _Mailbox:
    __slots__ = ("messages", "waiter")

    def __init__(self) -> None:
        self.messages: deque[tuple[float, dict[str, Any]]] | None = None
        self.waiter: asyncio.Future[dict[str, Any]] | None = None


class MemoryChannelLayer(BaseChannelLayer):
    extensions = ["groups", "flush"]

    def __init__(
        self,
        expiry: int = 60,
        group_expiry: int = 86400,
        capacity: int = 100,
        channel_capacity: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(expiry=expiry, capacity=capacity, channel_capacity=channel_capacity, **kwargs)
        self.channels: dict[str, _Mailbox] = {}
        self.groups: dict[str, dict[str, float]] = {}
        self.group_expiry = group_expiry

    # ------------------------------------------------------------ channels

    def _put(self, channel: str, message: dict[str, Any], now: float) -> None:
        box = self.channels.get(channel)
        if box is None:
            box = self.channels[channel] = _Mailbox()
        waiter = box.waiter
        if waiter is not None and not waiter.done():
            box.waiter = None
            waiter.set_result(dict(message))
            return
        messages = box.messages
        if messages is None:
            messages = box.messages = deque()
        while messages and messages[0][0] < now:  # nobody collected these in time
            messages.popleft()
        if len(messages) >= self.get_capacity(channel):
            raise ChannelFull(channel)
        messages.append((now + self.expiry, dict(message)))

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        self._put(channel, message, time.time())

    async def receive(self, channel: str) -> dict[str, Any]:
        self.require_valid_channel_name(channel)
        box = self.channels.get(channel)
        if box is None:
            box = self.channels[channel] = _Mailbox()
        messages = box.messages
        now = time.time()
        while messages:
            expires, message = messages.popleft()
            if expires >= now:
                if not messages:
                    del self.channels[channel]
                return message
        box.messages = None
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        box.waiter = waiter
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # delivered just as the receiver went away
                box.messages = box.messages or deque()
                box.messages.appendleft((time.time() + self.expiry, waiter.result()))
            raise
        finally:
            if box.waiter is waiter:
                box.waiter = None
            if not box.messages and box.waiter is None and self.channels.get(channel) is box:
                del self.channels[channel]

    async def new_channel(self, prefix: str = "specific.") -> str:
        return f"{prefix}.inmemory!{secrets.token_hex(6)}"

    async def flush(self) -> None:
        self.channels = {}
        self.groups = {}

    async def close(self) -> None:
        return None

    # ------------------------------------------------------------ groups

    async def group_add(self, group: str, channel: str) -> None:
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        self.groups.setdefault(group, {})[channel] = time.time()

    async def group_discard(self, group: str, channel: str) -> None:
        self.require_valid_channel_name(channel)
        self.require_valid_group_name(group)
        members = self.groups.get(group)
        if members:
            members.pop(channel, None)
            if not members:
                del self.groups[group]

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        members = self.groups.get(group)
        if not members:
            return
        now = time.time()
        joined_after = now - self.group_expiry
        for channel, joined in list(members.items()):
            if joined < joined_after:
                members.pop(channel, None)
                continue
            with contextlib.suppress(ChannelFull):  # a socket that far behind resyncs by sequence number
                self._put(channel, message, now)
