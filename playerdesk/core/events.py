"""Live events to connected consoles, sent only once the transaction that caused them has committed."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

DESK_GROUP = "desk"


def ticket_group(ticket_id: int) -> str:
    return f"ticket-{ticket_id}"


class _Pusher:
    """Group sends of a web process, handed from its database thread to its event loop without waiting:
    one task sends them in the order they were made, so a busy loop never holds up the next write."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self.task = loop.create_task(self._run())

    async def _run(self) -> None:
        layer = get_channel_layer()
        while True:
            group, message = await self.queue.get()
            try:
                await layer.group_send(group, message)
            except Exception:  # a live push must never break the sender; clients resync on reconnect
                log.warning("live push to %s not delivered", group, exc_info=True)


_pusher: _Pusher | None = None


def attach_loop() -> None:
    """Called by the sockets as they connect (on the event loop): pushes made by this process's
    database thread go through this loop from now on."""
    global _pusher
    loop = asyncio.get_running_loop()
    if _pusher is None or _pusher.loop is not loop or _pusher.task.done():
        _pusher = _Pusher(loop)


def push(group: str, message: dict[str, Any]) -> None:
    """Send ``message`` to a channel-layer group from synchronous code (after commit)."""
    layer = get_channel_layer()
    if layer is None:
        return
    pusher = _pusher
    if pusher is not None and pusher.loop.is_running() and not pusher.task.done():
        with contextlib.suppress(RuntimeError):  # the loop closed in between: send the slow way
            pusher.loop.call_soon_threadsafe(pusher.queue.put_nowait, (group, message))
            return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # a live push must never break the write that caused it
        log.warning("live push to %s not delivered", group, exc_info=True)


def send_now(group: str, payload: dict[str, Any]) -> None:
    push(group, {"type": "desk.event", "payload": payload})


def send_on_commit(group: str, payload: dict[str, Any]) -> None:
    if _muted.get():
        return
    transaction.on_commit(lambda: send_now(group, payload))


_muted: contextvars.ContextVar[bool] = contextvars.ContextVar("playerdesk_events_muted", default=False)


@contextlib.contextmanager
def muted() -> Iterator[None]:
    """No live events inside the block: for bulk loads (demo data) that no open console needs to follow."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)
