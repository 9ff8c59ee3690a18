"""The case page's service-standard panel: each clock (state, due time, time left) and its history.
Two queries whatever the case's age."""

from __future__ import annotations

from django.http import HttpRequest

from playerdesk.core import clock
from playerdesk.core.panels import Panel
from playerdesk.sla.models import Clock, ClockEvent, ClockState
from playerdesk.tickets.models import Ticket

HISTORY_ROWS = 60


def clocks_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    clocks = list(
        Clock.objects.filter(ticket=ticket).select_related("policy", "calendar").order_by("started_at", "id")
    )
    if not clocks:
        return None
    now = clock.now()
    rows = []
    for c in clocks:
        left = (c.due_at - now).total_seconds() if c.due_at and c.state == ClockState.RUNNING else None
        remaining = None
        if c.state == ClockState.PAUSED:
            remaining = max(0, c.budget_seconds - c.consumed_seconds)
        rows.append({"clock": c, "left": left, "remaining": remaining})
    history = list(
        ClockEvent.objects.filter(ticket=ticket)
        .select_related("clock")
        .only("at", "change", "due_at", "clock__target", "clock__cycle")
        .order_by("-at", "-id")[:HISTORY_ROWS]
    )
    return Panel("sla/panel.html", {"rows": rows, "history": history, "policy": clocks[-1].policy}, "side")
