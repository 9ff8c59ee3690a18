"""Operator connector endpoints under ``/api/v1/players…`` and the case-scoped player view
(``/api/v1/tickets/{reference}/player``).

The operator's backend (a ``service`` token) pushes players and transactions, one at a time or in bulk,
and answers account-help requests. Staff tokens read a case's player only through the case, and only
when the requester is verified. See docs/operator-api.md."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import AuthorizationError, HttpError

from playerdesk.accounthelp.account_requests import do_record_request_result
from playerdesk.accounthelp.verification import identity
from playerdesk.api.auth import Principal
from playerdesk.api.models import TokenRole
from playerdesk.api.views import find_ticket
from playerdesk.core.errors import ActionError
from playerdesk.core.text import clean_text
from playerdesk.players import ingest
from playerdesk.players.actions import player_state, transaction_state
from playerdesk.players.models import Player, Transaction, TxStatus, TxType
from playerdesk.players.schemas import (
    IngestOut,
    PlayerBulkIn,
    PlayerPush,
    PushOut,
    RequestResultIn,
    TransactionBulkIn,
    TransactionPush,
)
from playerdesk.players.transactions import BadFilter, transaction_page

router = Router(tags=["players"])
# Operation ids as clients generated from /api/v1/openapi.json know them (from when this module was
# ``playerdesk.players.api``): they name the generated methods, so they stay.
OPERATION = "playerdesk_players_api_{}"
OPERATOR_ROLES = frozenset({TokenRole.SERVICE, TokenRole.ADMIN})


class ErrorOut(Schema):
    detail: str


ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    429: ErrorOut,
}


def principal_of(request: HttpRequest) -> Principal:
    principal = getattr(request, "auth", None)
    assert isinstance(principal, Principal)
    return principal


def require_operator(request: HttpRequest) -> Principal:
    principal = principal_of(request)
    if principal.role not in OPERATOR_ROLES:
        raise AuthorizationError(
            message=f"This token's role ({principal.role}) cannot use the operator connector: "
            "use a service token."
        )
    return principal


def rejected(exc: ingest.IngestRejected) -> Status[dict[str, Any]]:
    """422 with every error: ``{"detail", "errors": [{"index", "field", "message"}]}``; nothing applied."""
    return Status(422, {"detail": str(exc), "errors": exc.errors[:100]})


def _bulk(
    request: HttpRequest, model: Any, items: list[dict[str, Any]], apply: Any
) -> Status[dict[str, Any]]:
    principal = require_operator(request)
    valid, errors = ingest.validate(model, items)
    if errors:
        return rejected(ingest.IngestRejected(errors))
    try:
        result = apply(valid, actor=principal.user, strict=True)
    except ingest.IngestRejected as exc:
        return rejected(exc)
    return Status(200, result.as_dict())


@router.post(
    "/players",
    response={200: PushOut, 422: Any, **ERRORS},
    summary="Push a player",
    operation_id=OPERATION.format("push_player"),
)
def push_player(request: HttpRequest, payload: PlayerPush) -> dict[str, Any]:
    """A player created or updated on the platform. An event id seen before, or a version not newer
    than the stored one, changes nothing (the answer says which)."""
    principal = require_operator(request)
    result = ingest.ingest_players([(0, payload)], actor=principal.user, strict=True)
    return {"outcome": result.outcomes[0], "external_id": payload.external_id, "version": payload.version}


@router.post(
    "/players/bulk",
    response={200: IngestOut, 422: Any, **ERRORS},
    summary="Push players in bulk",
    operation_id=OPERATION.format("push_players"),
)
def push_players(request: HttpRequest, payload: PlayerBulkIn) -> Status[dict[str, Any]]:
    """Up to 2,000 players at once; all-or-nothing: one invalid item refuses the batch (422, every
    error with its item index and field)."""
    return _bulk(request, PlayerPush, payload.items, ingest.ingest_players)


@router.post(
    "/players/transactions",
    response={200: PushOut, 422: Any, **ERRORS},
    summary="Push a transaction",
    operation_id=OPERATION.format("push_transaction"),
)
def push_transaction(request: HttpRequest, payload: TransactionPush) -> Status[dict[str, Any]]:
    """A transaction, new or with a new status. Its player must have been pushed first."""
    principal = require_operator(request)
    try:
        result = ingest.ingest_transactions([(0, payload)], actor=principal.user, strict=True)
    except ingest.IngestRejected as exc:
        error = exc.errors[0]
        return Status(422, {"detail": f"{error['field']}: {error['message']}.", "errors": exc.errors})
    body = {"outcome": result.outcomes[0], "external_id": payload.id, "version": payload.version}
    return Status(200, body)


@router.post(
    "/players/transactions/bulk",
    response={200: IngestOut, 422: Any, **ERRORS},
    summary="Push transactions in bulk",
    operation_id=OPERATION.format("push_transactions"),
)
def push_transactions(request: HttpRequest, payload: TransactionBulkIn) -> Status[dict[str, Any]]:
    """Up to 2,000 transactions at once, all-or-nothing like the player bulk push."""
    return _bulk(request, TransactionPush, payload.items, ingest.ingest_transactions)


@router.post(
    "/players/requests/{request_id}/result",
    response={200: Any, 201: Any, 409: ErrorOut, 422: Any, **ERRORS},
    summary="Answer an account-help request",
    operation_id=OPERATION.format("request_result"),
)
def request_result(request: HttpRequest, request_id: str, payload: RequestResultIn) -> Status[dict[str, Any]]:
    """The operator's result for a request it received by webhook (``data.request_id``). Sending the same
    result again changes nothing (200); a first result answers 201."""
    principal = require_operator(request)
    if payload.status == "scheduled" and payload.effective_at is None:
        message = "effective_at is required when status is scheduled"
        error = {"field": "effective_at", "location": "body", "message": message}
        return Status(422, {"detail": f"Invalid request: effective_at: {message}.", "errors": [error]})
    try:
        row, changed = do_record_request_result(
            request_id[:32],
            status=payload.status,
            message=payload.message,
            effective_at=payload.effective_at,
            event_id=payload.event_id,
            actor=principal.user,
        )
    except ActionError as exc:
        if "No such" in str(exc):
            raise Http404("No such account request.") from exc
        raise HttpError(409, str(exc)) from exc
    body = {
        "request_id": row.public_id,
        "kind": row.kind,
        "status": row.status,
        "case": row.ticket.reference,
        "changed": changed,
    }
    return Status(201 if changed else 200, body)


class TxFilters(Schema):
    type: TxType | None = None
    status: TxStatus | None = None
    q: str | None = None
    cursor: str | None = None


@router.get(
    "/players/{external_id}",
    response={200: Any, **ERRORS},
    summary="Read a player as mirrored",
    operation_id=OPERATION.format("get_player"),
)
def get_player(request: HttpRequest, external_id: str) -> dict[str, Any]:
    """The operator reads back its own mirror (service and admin tokens only): to check what version the
    desk holds."""
    require_operator(request)
    return player_state(_player_or_404(external_id))


@router.get(
    "/players/{external_id}/transactions",
    response={200: Any, **ERRORS},
    summary="Read transactions",
    operation_id=OPERATION.format("get_transactions"),
)
def get_transactions(request: HttpRequest, external_id: str, filters: Query[TxFilters]) -> dict[str, Any]:
    require_operator(request)
    return _transactions(_player_or_404(external_id), filters)


def _player_or_404(external_id: str) -> Player:
    # An id with control characters (NUL is refused by PostgreSQL) cannot belong to any player.
    if len(external_id) > 64 or clean_text(external_id) != external_id:
        raise Http404("No such player.")
    player = Player.objects.filter(external_id=external_id).first()
    if player is None:
        raise Http404("No such player.")
    return player


def _transactions(player: Player, filters: TxFilters) -> dict[str, Any]:
    try:
        rows, cursor = transaction_page(player, filters.dict(exclude_none=True))
    except BadFilter as exc:
        raise HttpError(400, f"Invalid {exc}: pass next_cursor from the previous page unchanged.") from exc
    return {"items": [transaction_state(t) for t in rows], "next_cursor": cursor or None}


@router.get(
    "/tickets/{reference}/player",
    response={200: Any, **ERRORS},
    summary="The player of a case",
    operation_id=OPERATION.format("case_player"),
)
def case_player(request: HttpRequest, reference: str) -> dict[str, Any]:
    """The player linked to a case. Account data (status, limits, wallet, transactions) is included only
    when the case's requester is verified; otherwise ``verified`` is false and no account data is sent,
    whatever the token's role."""
    principal = principal_of(request)
    ticket = find_ticket(principal, reference, relations=True)
    player = ticket.player
    if player is None:
        return {"reference": ticket.reference, "player": None, "verified": False}
    ident = identity(ticket)
    if not ident.verified:
        return {
            "reference": ticket.reference,
            "player": {"external_id": player.external_id},
            "verified": False,
            "reason": ident.reason,
        }
    recent = list(Transaction.objects.filter(player=player).order_by("-occurred_at", "-id")[:20])
    return {
        "reference": ticket.reference,
        "player": player_state(player),
        "verified": True,
        "verification_method": ident.method,
        "recent_transactions": [transaction_state(t) for t in recent],
    }
