"""Garbage collection of the web role: a server that keeps thousands of sockets open.

CPython's cycle collector runs its youngest generation every 700 new objects. A busy chat server makes that
many in a millisecond, so every collection catches the objects of the frames in flight and moves them to
older generations; the oldest is then collected every few seconds, and a full collection walks every
object of every open socket (a third of a second with 2,000 sockets), during which no frame moves.

The web process therefore freezes what it loaded at start (modules, settings, URL maps: never garbage),
and collects its youngest generation every ``YOUNG`` objects instead, so objects of frames in flight are
freed by reference counting before a collection sees them. Older generations follow CPython's rules.
"""

from __future__ import annotations

import gc

YOUNG = 20_000
MIDDLE = 20
OLD = 100


def apply() -> None:
    """Called once the web application is built (``playerdesk.asgi``)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, OLD)
