"""The one clock of PlayerDesk: aware UTC datetimes, and a way for tests to set the time."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


@contextlib.contextmanager
def frozen(moment: dt.datetime) -> Iterator[None]:
    """Make ``now()`` return ``moment`` (aware) inside the block. For tests and replays."""
    global _frozen
    if timezone.is_naive(moment):
        raise ValueError("frozen() needs an aware datetime")
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous
