"""Operator pushes, applied in batches: players and transactions.

Every push is idempotent and ordered. An event id seen before changes nothing (``duplicate``); a push
whose version is not newer than the stored one changes nothing (``ignored_older``). A batch is applied
with a constant number of queries (reads by ``IN``, then bulk writes), which is what makes the bulk path
fast. ``strict`` batches (the API) are all-or-nothing; the file importer applies the valid rows and
reports the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pydantic
from django.db import connection, models, transaction

from playerdesk.core import audit, clock, hooks
from playerdesk.core.text import clean_line
from playerdesk.players.models import IngestEvent, Player, PlayerStatus, Transaction
from playerdesk.players.schemas import PlayerPush, TransactionPush

APPLIED, IGNORED, DUPLICATE = "applied", "ignored_older", "duplicate"
M = TypeVar("M", bound=pydantic.BaseModel)
T = TypeVar("T")
# Ids per IN (...) query: under SQLite's limit of 999 bound parameters.
IN_CHUNK = 900

PLAYER_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "phone",
    "locale",
    "province",
    "status",
    "self_excluded_until",
    "vip_level",
    "limits",
    "balance",
    "bonus_balance",
    "balance_at",
    "version",
    "updated_at",
)
TX_FIELDS = (
    "type",
    "status",
    "amount",
    "win_amount",
    "currency",
    "method",
    "game",
    "provider",
    "round_id",
    "occurred_at",
    "version",
    "history",
    "updated_at",
)


@dataclass
class IngestResult:
    applied: int = 0
    ignored_older: int = 0
    duplicates: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        self.applied += other.applied
        self.ignored_older += other.ignored_older
        self.duplicates += other.duplicates
        self.errors += other.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "ignored_older": self.ignored_older,
            "duplicates": self.duplicates,
            "errors": self.errors,
        }


class IngestRejected(ValueError):
    """A strict batch with at least one bad item: nothing was applied."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        first = errors[0]
        where = (
            f"items.{first['index']}.{first['field']}" if first.get("field") else f"items.{first['index']}"
        )
        super().__init__(f"Invalid item {where}: {first['message']}.")
        self.errors = errors


def _message(error: Any) -> str:
    text = str(error.get("msg", "invalid"))
    return text.removeprefix("Value error, ")


def validate(
    model: type[M], items: Iterable[Any], *, first_index: int = 0
) -> tuple[list[tuple[int, M]], list[dict[str, Any]]]:
    """Validate raw items; returns ``(index, model)`` pairs and errors naming the field of each item."""
    valid: list[tuple[int, M]] = []
    errors: list[dict[str, Any]] = []
    for offset, raw in enumerate(items):
        index = first_index + offset
        if not isinstance(raw, dict):
            errors.append({"index": index, "field": None, "message": "each item must be a JSON object"})
            continue
        try:
            valid.append((index, model.model_validate(raw)))
        except pydantic.ValidationError as exc:
            for error in exc.errors():
                loc = ".".join(str(part) for part in error.get("loc", ()))
                errors.append({"index": index, "field": loc or None, "message": _message(error)})
    return valid, errors


def _insert(model: Any, objs: Sequence[Any], names: Sequence[str]) -> None:
    """Plain multi-row INSERT of new rows, values prepared by each field as Django does (text as is):
    the bulk path spends its time here, and the ORM's per-object compilation would triple it."""
    if not objs:
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    plain = [isinstance(f, models.CharField) for f in fields]
    attnames = [f.attname for f in fields]
    rows = [
        [
            value if is_plain else field.get_db_prep_save(value, connection)
            for field, is_plain, value in zip(fields, plain, (getattr(obj, a) for a in attnames), strict=True)
        ]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 1000):
            cursor.executemany(sql, chunk)


def _chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _seen(keys: Sequence[str]) -> set[str]:
    seen: set[str] = set()
    for chunk in _chunks(keys):
        seen.update(IngestEvent.objects.filter(event_id__in=chunk).values_list("event_id", flat=True))
    return seen


# ---------------------------------------------------------------- players


def ingest_players(
    pushes: Sequence[tuple[int, PlayerPush]], *, actor: Any = None, strict: bool = False
) -> IngestResult:
    result = IngestResult()
    if not pushes:
        return result
    now = clock.now()
    with transaction.atomic():
        seen = _seen([p.key() for _, p in pushes])
        ids = list({p.external_id for _, p in pushes})
        existing: dict[str, Player] = {}
        for chunk in _chunks(ids):
            existing.update(
                {p.external_id: p for p in Player.objects.select_for_update().filter(external_id__in=chunk)}
            )
        created: dict[str, Player] = {}
        changed: dict[str, Player] = {}
        newly_excluded: list[str] = []
        events: list[IngestEvent] = []
        for _index, push in pushes:
            key = push.key()
            if key in seen:
                result.duplicates += 1
                result.outcomes.append(DUPLICATE)
                continue
            seen.add(key)
            player = existing.get(push.external_id) or created.get(push.external_id)
            if player is not None and push.version <= player.version:
                outcome = IGNORED
            else:
                outcome = APPLIED
                if player is None:
                    player = Player(external_id=push.external_id, created_at=now)
                    created[push.external_id] = player
                elif push.external_id not in created:
                    changed[push.external_id] = player
                was_excluded = player.status == PlayerStatus.SELF_EXCLUDED and player.pk is not None
                _apply_player(player, push, now)
                if player.status == PlayerStatus.SELF_EXCLUDED and not was_excluded:
                    newly_excluded.append(push.external_id)
            if outcome == APPLIED:
                result.applied += 1
            else:
                result.ignored_older += 1
            result.outcomes.append(outcome)
            events.append(IngestEvent(event_id=key[:100], kind="player", outcome=outcome, received_at=now))
        if created:
            Player.objects.bulk_create(list(created.values()), batch_size=500)
        if changed:
            Player.objects.bulk_update(list(changed.values()), list(PLAYER_FIELDS), batch_size=500)
        IngestEvent.objects.bulk_create(events, batch_size=1000)
        audit.record(
            "players.ingest",
            object_type="player",
            object_id="batch",
            user=actor,
            data={
                "applied": result.applied,
                "ignored_older": result.ignored_older,
                "duplicates": result.duplicates,
            },
        )
        if newly_excluded:
            excluded = list(Player.objects.filter(external_id__in=sorted(set(newly_excluded))))
            hooks.run("players_self_excluded", excluded)  # their open cases move to responsible gambling
    return result


def _apply_player(player: Player, push: PlayerPush, now: Any) -> None:
    player.email = push.email
    player.first_name = clean_line(push.first_name, 80)
    player.last_name = clean_line(push.last_name, 80)
    player.phone = clean_line(push.phone, 32)
    player.locale = push.locale
    player.province = push.province
    player.status = push.status
    player.self_excluded_until = push.self_excluded_until
    player.vip_level = clean_line(push.vip_level, 30)
    player.limits = {k: (str(v) if v is not None else None) for k, v in sorted(push.limits.items())}
    player.balance = push.balance
    player.bonus_balance = push.bonus_balance
    player.balance_at = push.balance_at
    player.version = push.version
    player.updated_at = now


# ---------------------------------------------------------------- transactions


def ingest_transactions(
    pushes: Sequence[tuple[int, TransactionPush]], *, actor: Any = None, strict: bool = False
) -> IngestResult:
    result = IngestResult()
    if not pushes:
        return result
    now = clock.now()
    with transaction.atomic():
        seen = _seen([p.key() for _, p in pushes])
        player_ids = list({p.player_id for _, p in pushes})
        players: dict[str, int] = {}
        for chunk in _chunks(player_ids):
            players.update(Player.objects.filter(external_id__in=chunk).values_list("external_id", "pk"))
        tx_ids = list({p.id for _, p in pushes if p.key() not in seen})
        existing: dict[str, Transaction] = {}
        for chunk in _chunks(tx_ids):
            rows = Transaction.objects.select_for_update().filter(external_id__in=chunk)
            existing.update(
                {
                    t.external_id: t
                    for t in rows.only("id", "external_id", "player_id", "version", "status", "history")
                }
            )
        created: dict[str, Transaction] = {}
        changed: dict[str, Transaction] = {}
        events: list[IngestEvent] = []
        for index, push in pushes:
            key = push.key()
            if key in seen:
                result.duplicates += 1
                result.outcomes.append(DUPLICATE)
                continue
            player_pk = players.get(push.player_id)
            if player_pk is None:
                result.errors.append(
                    {
                        "index": index,
                        "field": "player_id",
                        "message": f"no player {push.player_id!r} is known: push the player first",
                    }
                )
                continue
            tx = existing.get(push.id) or created.get(push.id)
            if tx is not None and tx.player_id != player_pk:
                result.errors.append(
                    {
                        "index": index,
                        "field": "player_id",
                        "message": f"transaction {push.id!r} belongs to another player",
                    }
                )
                continue
            seen.add(key)
            if tx is not None and push.version <= tx.version:
                outcome = IGNORED
            else:
                outcome = APPLIED
                if tx is None:
                    tx = Transaction(external_id=push.id, player_id=player_pk, history=[])
                    created[push.id] = tx
                elif push.id not in created:
                    changed[push.id] = tx
                _apply_transaction(tx, push, now)
            if outcome == APPLIED:
                result.applied += 1
            else:
                result.ignored_older += 1
            result.outcomes.append(outcome)
            events.append(
                IngestEvent(event_id=key[:100], kind="transaction", outcome=outcome, received_at=now)
            )
        if strict and result.errors:
            raise IngestRejected(result.errors)
        if created:
            _insert(Transaction, list(created.values()), ("player", "external_id", *TX_FIELDS))
        if changed:
            Transaction.objects.bulk_update(list(changed.values()), list(TX_FIELDS), batch_size=500)
        _insert(IngestEvent, events, ("event_id", "kind", "outcome", "received_at"))
        audit.record(
            "transactions.ingest",
            object_type="transaction",
            object_id="batch",
            user=actor,
            data={
                "applied": result.applied,
                "ignored_older": result.ignored_older,
                "duplicates": result.duplicates,
            },
        )
    return result


def _apply_transaction(tx: Transaction, push: TransactionPush, now: Any) -> None:
    if tx.status != push.status or not tx.history:
        at = push.status_at or (push.occurred_at if not tx.history else now)
        tx.history = [
            *tx.history,
            {"status": str(push.status), "at": at.isoformat(), "version": push.version},
        ]
    tx.type = push.type
    tx.status = push.status
    tx.amount = push.amount
    tx.win_amount = push.win_amount
    tx.currency = push.currency
    tx.method = clean_line(push.method, 40)
    tx.game = clean_line(push.game, 80)
    tx.provider = clean_line(push.provider, 80)
    tx.round_id = clean_line(push.round_id, 64)
    tx.occurred_at = push.occurred_at
    tx.version = push.version
    tx.updated_at = now
