"""API tokens (created once, the secret returned a single time, stored as a SHA-256, revocable) and the
writes API clients need beyond the ticket actions (idempotent case creation)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import connection, transaction

from playerdesk.api.models import ApiToken, TokenRole
from playerdesk.core import audit, clock
from playerdesk.core.errors import ActionError
from playerdesk.core.text import clean_line
from playerdesk.tickets.actions import Requester, check_email, do_create_ticket
from playerdesk.tickets.models import Message, MessageKind, Ticket

TOKEN_PREFIX = "pdk_"  # noqa: S105 (a public marker, not a secret)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def do_create_token(name: str, role: str, *, user: Any = None, actor: Any = None) -> tuple[str, ApiToken]:
    if role not in TokenRole.values:
        raise ActionError(f"Unknown role {role!r}; choose one of {', '.join(TokenRole.values)}.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(
            name=name[:100] or role,
            role=role,
            prefix=token[: len(TOKEN_PREFIX) + 6],
            token_hash=hash_token(token),
            user=user,
            created_at=clock.now(),
        )
        audit.record(
            "token.create",
            object_type="api_token",
            object_id=str(row.pk),
            user=actor,
            data={"name": row.name, "role": role},
        )
    return token, row


def do_revoke_token(row: ApiToken, *, actor: Any = None) -> ApiToken:
    with transaction.atomic():
        ApiToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
        audit.record("token.revoke", object_type="api_token", object_id=str(row.pk), user=actor)
    row.refresh_from_db()
    return row


def token_for(raw: str) -> ApiToken | None:
    """The live token matching a presented bearer secret, or None."""
    if not raw or len(raw) > 200 or not raw.startswith(TOKEN_PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("user__agent")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if row is not None:
        now = clock.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


# ---------------------------------------------------------------- idempotent writes from API clients


def _serialise_external_id(email: str, external_id: str) -> None:
    """Hold a transaction-scoped lock on (requester, external id) so two identical requests arriving at
    once create one case. SQLite already runs writers one at a time (IMMEDIATE transactions)."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(f"api-ticket\n{email}\n{external_id}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)])


def find_ticket_by_external_id(email: str, external_id: str) -> Ticket | None:
    """The case a requester's message ``external_id`` already opened or landed on, if any."""
    message = (
        Message.objects.filter(
            external_id=external_id, kind=MessageKind.INBOUND, ticket__requester_email=email
        )
        .select_related("ticket")
        .order_by("id")
        .first()
    )
    return message.ticket if message is not None else None


def do_create_ticket_once(*, external_id: str, requester: Requester, **fields: Any) -> tuple[Ticket, bool]:
    """Open a case unless this requester's ``external_id`` already opened one; returns (case, created).

    The external id is the client's own id for the player's message (an operator's event id, a chat id):
    sending the same request twice, after a timeout for instance, never makes a duplicate case."""
    email = check_email(requester.email)
    external_id = clean_line(external_id, 255)
    if not external_id:
        return do_create_ticket(requester=requester, **fields), True
    with transaction.atomic():
        _serialise_external_id(email, external_id)
        existing = find_ticket_by_external_id(email, external_id)
        if existing is not None:
            return existing, False
        ticket = do_create_ticket(requester=requester, external_id=external_id, **fields)
    return ticket, True
