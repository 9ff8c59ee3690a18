"""Queue queries of the console: tabs, filters, capped counts and keyset pagination.

Every queue is ordered by (priority, received_at, id) and walked with an opaque cursor carrying the
last row's key, so page N costs the same as page 1 and the query count does not grow with the rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, Q, QuerySet

from playerdesk.core import cursors
from playerdesk.tickets.models import Priority, Ticket

ORDER = ("priority", "received_at", "id")
COUNT_CAP = 1000
ROW_FIELDS = (
    "id",
    "reference",
    "subject",
    "status",
    "channel",
    "language",
    "category",
    "priority",
    "received_at",
    "requester_email",
    "requester_name",
    "player_id",
    "team_id",
    "assignee_id",
    "player__first_name",
    "player__last_name",
    "player__external_id",
    "team__name",
    "assignee__username",
    "assignee__agent__display_name",
    # Service standards: the case's nearest due time (a LEFT JOIN, no extra query).
    "sla__next_due_at",
    "sla__next_target",
    "sla__breached",
    "sla__paused",
    # Triage: assignment state and why (a LEFT JOIN, no extra query).
    "triage__state",
    "triage__state_reason",
    "triage__summary",
    "triage__alerted_at",
)


def encode_cursor(ticket: Ticket) -> str:
    return cursors.encode(int(ticket.priority), ticket.received_at, int(ticket.pk))


def decode_cursor(raw: str) -> tuple[int, dt.datetime, int]:
    """The (priority, received_at, id) key in an opaque cursor, or ``cursors.BadCursor``."""
    priority, received_at, pk = cursors.decode(raw, cursors.INT, cursors.MOMENT, cursors.INT)
    if priority not in Priority.values:
        raise cursors.BadCursor("cursor")
    return priority, received_at, pk


def after(queryset: QuerySet[Ticket], key: tuple[int, dt.datetime, int]) -> QuerySet[Ticket]:
    priority, received_at, pk = key
    return queryset.filter(
        Q(priority__gt=priority)
        | Q(priority=priority, received_at__gt=received_at)
        | Q(priority=priority, received_at=received_at, id__gt=pk)
    )


def tab_filter(tab: str, user: Any, team_ids: list[int]) -> Q:
    if tab == "mine":
        return Q(assignee=user)
    if tab == "teams":
        return Q(team_id__in=team_ids)
    if tab == "unassigned":
        return Q(assignee__isnull=True)
    return Q()


def tab_counts(visible: QuerySet[Ticket], user: Any, team_ids: list[int]) -> dict[str, int]:
    """Open cases per tab, each counted up to ``COUNT_CAP`` (one query; cost bounded by the cap)."""
    base = visible.filter(is_open=True)
    parts: list[str] = []
    params: list[Any] = []
    tabs = ("mine", "teams", "unassigned", "all")
    for tab in tabs:
        sub = base.filter(tab_filter(tab, user, team_ids)).order_by().values("id")[:COUNT_CAP]
        try:
            sql, sub_params = sub.query.sql_with_params()
        except EmptyResultSet:  # e.g. "my teams" for an agent in no team
            parts.append("0")
            continue
        # Composed only from SQL that Django compiled; values stay parameters.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS c_{tab})")  # noqa: S608
        params.extend(sub_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(tabs, (int(v) for v in row), strict=True))


def queue_rows(queryset: QuerySet[Ticket], sort: str = "") -> QuerySet[Ticket]:
    rows = queryset.select_related("team", "assignee__agent", "player", "sla", "triage").only(*ROW_FIELDS)
    if sort == "due":
        return rows.order_by(F("sla__next_due_at").asc(nulls_last=True), "id")
    return rows.order_by(*ORDER)


# ---------------------------------------------------------------- "time left" order (service standards)
# Cases by their nearest due time, soonest (or most overdue) first, then cases with no running clock.
# The cursor carries (due time or null, id).


def encode_due_cursor(ticket: Ticket) -> str:
    sla = getattr(ticket, "sla", None)
    return cursors.encode("due", sla.next_due_at if sla is not None else None, int(ticket.pk))


def decode_due_cursor(raw: str) -> tuple[dt.datetime | None, int]:
    _marker, due, pk = cursors.decode(raw, "due", cursors.MOMENT_OR_NONE, cursors.INT)
    return due, pk


def after_due(queryset: QuerySet[Ticket], key: tuple[dt.datetime | None, int]) -> QuerySet[Ticket]:
    due, pk = key
    if due is None:
        return queryset.filter(sla__next_due_at__isnull=True, id__gt=pk)
    return queryset.filter(
        Q(sla__next_due_at__gt=due) | Q(sla__next_due_at=due, id__gt=pk) | Q(sla__next_due_at__isnull=True)
    )
