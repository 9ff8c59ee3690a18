"""A player's transaction log as the desk reads it: filters, transaction-id search and keyset pages
(newest first, one query a page). The console's log, the player panel and the operator API share it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, QuerySet

from playerdesk.core import cursors
from playerdesk.players.models import Player, Transaction, TxStatus, TxType

PAGE_SIZE = 20


class BadFilter(ValueError):
    pass


def _cursor(tx: Transaction) -> str:
    return cursors.encode(tx.occurred_at, tx.pk)


def _after(raw: str) -> Q:
    try:
        moment, pk = cursors.decode(raw, cursors.MOMENT, cursors.INT)
    except cursors.BadCursor as exc:
        raise BadFilter("cursor") from exc
    return Q(occurred_at__lt=moment) | Q(occurred_at=moment, id__lt=pk)


def _amount(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise BadFilter("amount") from exc
    if not value.is_finite():
        raise BadFilter("amount")
    return value


def filtered(player: Player, params: Any) -> QuerySet[Transaction]:
    qs = Transaction.objects.filter(player=player)
    q = (params.get("q") or "").strip()[:64]
    if q:
        return qs.filter(external_id=q)
    kind = params.get("type") or ""
    if kind:
        if kind not in TxType.values:
            raise BadFilter("type")
        qs = qs.filter(type=kind)
    status = params.get("status") or ""
    if status:
        if status not in TxStatus.values:
            raise BadFilter("status")
        qs = qs.filter(status=status)
    for name, lookup in (("from", "occurred_at__date__gte"), ("to", "occurred_at__date__lte")):
        raw = (params.get(name) or "").strip()
        if raw:
            try:
                qs = qs.filter(**{lookup: dt.date.fromisoformat(raw[:10])})
            except ValueError as exc:
                raise BadFilter(name) from exc
    for name, lookup in (("min", "amount__gte"), ("max", "amount__lte")):
        raw = (params.get(name) or "").strip()
        if raw:
            qs = qs.filter(**{lookup: _amount(raw[:20])})
    return qs


def transaction_page(player: Player, params: Any) -> tuple[list[Transaction], str]:
    """One keyset page of the player's transactions, newest first (one query)."""
    qs = filtered(player, params)
    cursor = (params.get("cursor") or "")[:200]
    if cursor:
        qs = qs.filter(_after(cursor))
    rows = list(qs.order_by("-occurred_at", "-id")[: PAGE_SIZE + 1])
    next_cursor = _cursor(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE else ""
    return rows[:PAGE_SIZE], next_cursor
