"""Live events to connected consoles, sent only once the transaction that caused them has committed."""

from __future__ import annotations

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


def send_now(group: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "desk.event", "payload": payload})
    except Exception:  # a live push must never break the write that caused it
        log.warning("live event to %s not delivered", group, exc_info=True)


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
