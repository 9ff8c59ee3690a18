"""Account help: requests an agent makes for the player, carried to the operator by a typed, signed
webhook, each audited and on the case's timeline; the operator's answer comes back through the API.

Kinds: password reset link (sent by the operator), personal-details change (with evidence), account
status question, closure, reopening, and limit changes as the regulated flow allows them: a decrease is
immediate, an increase only after the operator's cooling-off period."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from playerdesk.accounthelp.models import AccountRequest, RequestKind, RequestStatus
from playerdesk.accounthelp.verification import identity
from playerdesk.accounthelp.webhooks import queue_webhook
from playerdesk.core import audit, clock
from playerdesk.core.errors import ActionError
from playerdesk.core.text import clean_line, clean_text
from playerdesk.players.models import LIMIT_KINDS, IngestEvent, Player, PlayerStatus
from playerdesk.tickets.actions import append_event, lock_case, save_case, set_status
from playerdesk.tickets.models import Attachment, Status, Ticket

DETAIL_FIELDS = ("name", "address", "email", "phone")
# Changes the operator accepts only with a document on the case.
EVIDENCE_REQUIRED = {"name": "photo ID", "address": "proof of address"}


def _check_payload(kind: str, raw: dict[str, Any], ticket: Ticket, player: Player) -> dict[str, Any]:
    if kind == RequestKind.PASSWORD_RESET:
        if player.status == PlayerStatus.CLOSED:
            raise ActionError("The account is closed: a password reset does not apply.")
        return {}
    if kind == RequestKind.DETAILS_CHANGE:
        field = raw.get("field", "")
        if field not in DETAIL_FIELDS:
            raise ActionError(f"Choose the detail to change: {', '.join(DETAIL_FIELDS)}.")
        value = clean_line(str(raw.get("value", "")), 300)
        if not value:
            raise ActionError("Give the new value.")
        evidence_ids = [int(x) for x in raw.get("evidence", []) if str(x).isdigit()][:10]
        evidence = list(
            Attachment.objects.filter(ticket=ticket, pk__in=evidence_ids).values("pk", "filename", "sha256")
        )
        if field in EVIDENCE_REQUIRED and not evidence:
            raise ActionError(
                f"A {field} change needs evidence: attach the player's {EVIDENCE_REQUIRED[field]} "
                "to the case "
                "and select it."
            )
        return {
            "field": field,
            "value": value,
            "evidence": [
                {"attachment": e["pk"], "filename": e["filename"], "sha256": e["sha256"]} for e in evidence
            ],
        }
    if kind == RequestKind.STATUS_QUESTION:
        question = clean_text(str(raw.get("question", "")), 2000).strip()
        if not question:
            raise ActionError("Write the player's question.")
        return {"question": question, "status_on_file": player.status}
    if kind in (RequestKind.CLOSURE, RequestKind.REOPENING):
        reason = clean_text(str(raw.get("reason", "")), 2000).strip()
        if not reason:
            raise ActionError("Give the player's reason.")
        if kind == RequestKind.CLOSURE and player.status == PlayerStatus.CLOSED:
            raise ActionError("The account is already closed.")
        if kind == RequestKind.REOPENING:
            if player.status == PlayerStatus.SELF_EXCLUDED:
                raise ActionError(
                    "A self-excluded account cannot be reopened by support before the exclusion ends."
                )
            if player.status == PlayerStatus.ACTIVE:
                raise ActionError("The account is active: there is nothing to reopen.")
        return {"reason": reason}
    if kind == RequestKind.LIMIT_CHANGE:
        return _check_limit(raw, player)
    raise ActionError(f"Unknown kind of account request {kind!r}.")


def _check_limit(raw: dict[str, Any], player: Player) -> dict[str, Any]:
    limit = raw.get("limit", "")
    if limit not in LIMIT_KINDS:
        raise ActionError("Choose which limit to change.")
    text = str(raw.get("amount", "")).strip()
    new: Decimal | None
    if text == "":
        new = None  # remove the limit
    else:
        try:
            new = Decimal(text)
        except InvalidOperation as exc:
            raise ActionError("The new limit must be a number (or empty to remove the limit).") from exc
        if not new.is_finite() or new < 0 or new.as_tuple().exponent < -2 or new >= Decimal("1e10"):  # type: ignore[operator]
            raise ActionError("The new limit must be a positive amount with at most 2 decimals.")
    current_raw = (player.limits or {}).get(limit)
    current = Decimal(str(current_raw)) if current_raw not in (None, "") else None
    if current is not None and new is not None and new == current:
        raise ActionError("The new limit is the same as the current one.")
    # Lower or newly set is more protective (immediate); higher or removed needs a cooling-off.
    decrease = new is not None and (current is None or new < current)
    if not decrease and player.status == PlayerStatus.SELF_EXCLUDED:
        raise ActionError("Limits of a self-excluded player cannot be raised or removed.")
    return {
        "limit": limit,
        "current": str(current) if current is not None else None,
        "requested": str(new) if new is not None else None,
        "direction": "decrease" if decrease else "increase",
        "effective": "immediate" if decrease else "after_cooling_off",
    }


def do_request_account_help(
    ticket: Ticket, kind: str, *, actor: Any, details: dict[str, Any] | None = None
) -> AccountRequest:
    """Send one account-help request to the operator (one signed webhook), audited, on the timeline."""
    if kind not in RequestKind.values:
        raise ActionError(f"Unknown kind of account request {kind!r}.")
    now = clock.now()
    with transaction.atomic():
        ticket = lock_case(ticket.pk)
        player = Player.objects.filter(pk=ticket.player_id or 0).first()
        if player is None:
            raise ActionError("Link the case to a player account first.")
        ticket.player = player
        if not identity(ticket).verified:
            raise ActionError("Verify the requester's identity before acting on the account.")
        payload = _check_payload(kind, details or {}, ticket, player)
        request = AccountRequest.objects.create(
            public_id=uuid.uuid4().hex,
            ticket=ticket,
            player=player,
            kind=kind,
            payload=payload,
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=now,
            updated_at=now,
        )
        agent = getattr(actor, "agent", None)
        queue_webhook(
            f"account.{kind}",
            {
                "request_id": request.public_id,
                "kind": kind,
                "player_id": player.external_id,
                "case": ticket.reference,
                "language": ticket.language,
                "requested_by": agent.display_name if agent else audit.actor_label(actor),
                "details": payload,
            },
            ticket=ticket,
            account_request=request,
        )
        append_event(
            ticket,
            "account_request",
            actor,
            {"request": request.public_id, "kind": kind, **_summary(payload)},
        )
        save_case(ticket)
        audit.record(
            f"account.{kind}", object_type="player", object_id=player.external_id, user=actor,
            data={"request": request.public_id, "case": ticket.reference, **_summary(payload)},
        )  # fmt: skip
    return request


def _summary(payload: dict[str, Any]) -> dict[str, Any]:
    """What goes on the timeline and the audit: no free text beyond the field names and the limit."""
    keep = ("field", "limit", "requested", "direction", "effective")
    return {k: payload[k] for k in keep if k in payload}


def do_record_request_result(
    public_id: str,
    *,
    status: str,
    message: str = "",
    effective_at: datetime | None = None,
    event_id: str | None = None,
    actor: Any = None,
) -> tuple[AccountRequest, bool]:
    """The operator's answer to a request. Returns the request and whether this call changed it (the
    same answer sent twice changes nothing)."""
    if status not in (RequestStatus.COMPLETED, RequestStatus.REJECTED, RequestStatus.SCHEDULED):
        raise ActionError("status must be completed, rejected or scheduled.")
    message = clean_text(message or "", 2000).strip()
    now = clock.now()
    with transaction.atomic():
        request = AccountRequest.objects.select_for_update().filter(public_id=public_id).first()
        if request is None:
            raise ActionError("No such account request.")
        when = effective_at.isoformat() if effective_at else ""
        key = f"result:{public_id}:{event_id or status + ':' + when}"
        if IngestEvent.objects.filter(event_id=key[:100]).exists():
            return request, False
        if request.status in (RequestStatus.COMPLETED, RequestStatus.REJECTED) and request.status != status:
            raise ActionError(f"This request is already {request.status}: its result cannot change.")
        IngestEvent.objects.create(event_id=key[:100], kind="result", outcome="applied", received_at=now)
        request.status = status
        request.result_message = message
        request.effective_at = effective_at
        request.result = {"status": status, "message": message, "at": now.isoformat()}
        request.updated_at = now
        request.save(update_fields=["status", "result_message", "effective_at", "result", "updated_at"])
        ticket = lock_case(request.ticket_id)
        data: dict[str, Any] = {"request": public_id, "kind": request.kind, "result": status}
        if message:
            data["message"] = message
        if effective_at:
            data["effective_at"] = effective_at.isoformat()
        append_event(ticket, "account_request_result", actor, data, label="Operator")
        fields: list[str] = []
        if ticket.status == Status.WAITING_THIRD_PARTY:
            fields = set_status(ticket, Status.OPEN, None, "operator_answered")
        save_case(ticket, *fields)
        audit.record(
            "account.result", object_type="player", object_id=str(request.player_id), user=actor,
            label="Operator", data={"request": public_id, "status": status},
        )  # fmt: skip
    return request, True
