"""Bearer-token authentication, role rules and the per-token rate limit of the REST API."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from playerdesk.api.actions import token_for
from playerdesk.api.models import ApiToken, TokenRole
from playerdesk.core import clock, ratelimit
from playerdesk.tickets.access import visible_tickets
from playerdesk.tickets.models import Ticket

STAFF_ROLES = frozenset({TokenRole.AGENT, TokenRole.SUPERVISOR, TokenRole.ADMIN})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """Who is calling: a live token and, for tokens bound to a person, that person."""

    token: ApiToken

    @property
    def role(self) -> str:
        return self.token.role

    @property
    def user(self) -> Any:
        return self.token.user if self.token.user_id else None

    @property
    def agent_user(self) -> Any:
        """The bound user when it is an agent (replies and notes are written in their name)."""
        user = self.user
        return user if user is not None and getattr(user, "agent", None) is not None else None

    @property
    def sees_notes(self) -> bool:
        """Internal notes are for the desk's staff, never for the operator backend or read-only tokens."""
        return self.role in STAFF_ROLES

    @property
    def adds_player_messages(self) -> bool:
        return self.role in (TokenRole.SERVICE, TokenRole.ADMIN)

    def tickets(self) -> QuerySet[Ticket]:
        """The cases this token may see: a token bound to a person never sees more than that person."""
        if self.user is not None:
            return visible_tickets(self.user)
        return Ticket.objects.all()

    def require_staff(self, what: str) -> None:
        if self.role not in STAFF_ROLES:
            raise AuthorizationError(message=f"This token's role ({self.role}) cannot {what}.")


class BearerAuth(HttpBearer):
    """``Authorization: Bearer <token>``; every refusal says why (401 without a usable token)."""

    def __call__(self, request: HttpRequest) -> Principal:
        header = request.headers.get("Authorization", "")
        if not header:
            raise AuthenticationError(
                message="Authentication required: send 'Authorization: Bearer <token>'."
            )
        scheme, _, raw = header.strip().partition(" ")
        raw = raw.strip()
        if scheme.lower() != "bearer" or not raw:
            raise AuthenticationError(message="The Authorization header must be 'Bearer <token>'.")
        return self.authenticate(request, raw)

    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        row = token_for(token)
        if row is None:
            raise AuthenticationError(message="This token is not valid or has been revoked.")
        principal = Principal(row)
        user = principal.user
        if user is not None and not user.is_active:
            raise AuthenticationError(message="The account this token belongs to is deactivated.")
        if row.role in (TokenRole.AGENT, TokenRole.SUPERVISOR) and principal.agent_user is None:
            article = "An" if row.role == TokenRole.AGENT else "A"
            raise AuthorizationError(message=f"{article} {row.role} token must be bound to an agent account.")
        if row.role == TokenRole.READONLY and request.method not in SAFE_METHODS:
            raise AuthorizationError(message="This token is read-only: it can only make GET requests.")
        return principal


def window_seconds_left() -> int:
    return max(1, math.ceil(60 - clock.now().timestamp() % 60))


class TokenRateLimit(BaseThrottle):
    """A fixed one-minute window per token, counted in the shared cache (Redis when scaled out), so the
    limit holds across every web process. ``PLAYERDESK_API_RATE_PER_MINUTE`` sets it; 0 disables it."""

    def allow_request(self, request: HttpRequest) -> bool:
        principal = getattr(request, "auth", None)
        limit = settings.API_RATE_PER_MINUTE
        if not isinstance(principal, Principal) or limit <= 0:
            return True
        minute = f"{principal.token.token_hash[:32]}:{int(clock.now().timestamp() // 60)}"
        return ratelimit.hit("api-token", minute, limit=limit, window=120)

    def wait(self) -> float | None:
        return window_seconds_left()
