"""API tokens: created once (the secret returned a single time), stored as a SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction

from playerdesk.api.models import ApiToken, TokenRole
from playerdesk.core import audit, clock
from playerdesk.core.errors import ActionError

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
