"""The outbox pattern, shared by outbound email and the operator's webhooks: a row is written in the same
transaction as its cause and sent after commit by any worker. A worker claims a due row with one atomic
UPDATE (``pending`` → ``sending``), so two workers never send the same row; a send that never reports
back (worker killed) is taken again once its claim lapses; failures wait longer each time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import F

from playerdesk.core import clock

PENDING = "pending"
SENDING = "sending"


def claim(model: Any, pk: int, *, lease: timedelta) -> bool:
    """Take the due row ``pk`` for one send attempt; False when it is not due or another worker has it."""
    now = clock.now()
    claimed: int = model.objects.filter(pk=pk, status=PENDING, next_attempt_at__lte=now).update(
        status=SENDING, attempts=F("attempts") + 1, next_attempt_at=now + lease
    )
    return claimed == 1


def due(model: Any, *, limit: int = 200) -> list[int]:
    """Rows whose wait has passed, oldest first, after giving back the claims that lapsed."""
    now = clock.now()
    model.objects.filter(status=SENDING, next_attempt_at__lte=now).update(status=PENDING)
    rows = model.objects.filter(status=PENDING, next_attempt_at__lte=now).order_by("next_attempt_at", "pk")
    return list(rows.values_list("pk", flat=True)[:limit])


def backoff(attempts: int, *, first: timedelta, longest: timedelta) -> timedelta:
    """``first``, then twice as long after each failed attempt, never more than ``longest``."""
    return min(longest, first * 2 ** max(0, attempts - 1))
