"""Who is chatting: a player vouched for by the operator's signed token, or a guest.

The operator's backend signs a short-lived HS256 JWT with ``PLAYERDESK_WIDGET_SECRET``::

    {"sub": "<player id on the operator's platform>", "jti": "<unique id>", "iat": 1700000000,
     "exp": 1700000300, "email": "…", "first_name": "…", "last_name": "…", "locale": "fr"}

A token works once (its ``jti`` is remembered until it expires) and lives at most
``MAX_TOKEN_SECONDS``. The widget then holds a session key (random, only its hash is stored) to reconnect.
A guest never gets a token, so a guest can never become a player.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from playerdesk.chat.models import ChatSession, UsedToken
from playerdesk.core import clock
from playerdesk.core.enums import Language
from playerdesk.core.errors import ActionError
from playerdesk.core.text import clean_line
from playerdesk.players.actions import do_create_player
from playerdesk.players.models import Player

MAX_TOKEN_SECONDS = 15 * 60
LEEWAY_SECONDS = 10
MAX_TOKEN_CHARS = 4096
SESSION_HOURS = 12


class IdentityError(Exception):
    """A refused identity, with a code for the widget and a message for the visitor."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


EXPIRED = IdentityError("token_expired", _("Your secure chat link has expired. Please reload the page."))


@dataclass(frozen=True)
class PlayerClaims:
    external_id: str
    jti: str
    expires_at: int
    email: str
    first_name: str
    last_name: str
    locale: str


def sign_player_token(
    external_id: str,
    *,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    locale: str = "en",
    lifetime: int = 300,
    secret: str | None = None,
    now: float | None = None,
) -> str:
    """What the operator's backend does (and the demo page): a token for one page view."""
    issued = int(now if now is not None else time.time())
    claims = {
        "sub": external_id,
        "jti": secrets.token_urlsafe(16),
        "iat": issued,
        "exp": issued + lifetime,
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "locale": locale,
    }
    return jwt.encode(claims, secret or settings.WIDGET_SECRET, algorithm="HS256")


def check_token(token: str) -> PlayerClaims:
    """Verify signature, expiry and shape. Raises ``IdentityError`` with a clear reason."""
    if not settings.WIDGET_SECRET:
        raise IdentityError(
            "token_unavailable", _("Signed-in chat is not available right now. You can chat as a guest.")
        )
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise IdentityError("token_invalid", _("We could not verify who you are. Please sign in again."))
    try:
        claims = jwt.decode(
            token,
            settings.WIDGET_SECRET,
            algorithms=["HS256"],
            leeway=LEEWAY_SECONDS,
            options={"require": ["sub", "exp", "iat", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise EXPIRED from exc
    except jwt.InvalidTokenError as exc:
        raise IdentityError(
            "token_invalid", _("We could not verify who you are. Please sign in again.")
        ) from exc
    exp, iat = claims.get("exp"), claims.get("iat")
    sub, jti = claims.get("sub"), claims.get("jti")
    if not (isinstance(exp, int) and isinstance(iat, int) and isinstance(sub, str) and isinstance(jti, str)):
        raise IdentityError("token_invalid", _("We could not verify who you are. Please sign in again."))
    if exp - iat > MAX_TOKEN_SECONDS or not sub.strip() or not jti.strip() or len(jti) > 128:
        raise IdentityError("token_invalid", _("We could not verify who you are. Please sign in again."))
    locale = claims.get("locale")
    return PlayerClaims(
        external_id=clean_line(sub, 64),
        jti=jti,
        expires_at=exp,
        email=clean_line(str(claims.get("email") or ""), 254),
        first_name=clean_line(str(claims.get("first_name") or ""), 80),
        last_name=clean_line(str(claims.get("last_name") or ""), 80),
        locale=locale if locale in Language.values else "",
    )


def _spend(claims: PlayerClaims) -> None:
    """Remember the token's id; a second use is a replay."""
    expires = clock.now() + timedelta(seconds=max(0, claims.expires_at - int(time.time())) + LEEWAY_SECONDS)
    try:
        with transaction.atomic():
            UsedToken.objects.create(jti=claims.jti, expires_at=expires)
    except IntegrityError as exc:
        raise IdentityError(
            "token_replayed", _("This secure chat link was already used. Please reload the page.")
        ) from exc


def _player_for(claims: PlayerClaims) -> Player:
    player = Player.objects.filter(external_id=claims.external_id).first()
    if player is not None:
        return player
    try:
        return do_create_player(
            external_id=claims.external_id,
            email=claims.email,
            first_name=claims.first_name,
            last_name=claims.last_name,
            locale=claims.locale or Language.EN,
        )
    except ActionError as exc:
        raise IdentityError(
            "token_invalid", _("We could not verify who you are. Please sign in again.")
        ) from exc


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def _new_session(*, player: Player | None, name: str, email: str, language: str) -> tuple[ChatSession, str]:
    key = secrets.token_urlsafe(32)
    now = clock.now()
    session = ChatSession.objects.create(
        key_hash=key_hash(key),
        player=player,
        guest_name=name if player is None else "",
        guest_email=email if player is None else "",
        language=language,
        created_at=now,
        expires_at=now + timedelta(hours=SESSION_HOURS),
    )
    return session, key


def session_for_key(key: Any) -> ChatSession | None:
    if not isinstance(key, str) or not 20 <= len(key) <= 100:
        return None
    return (
        ChatSession.objects.select_related("player")
        .filter(key_hash=key_hash(key), expires_at__gt=clock.now())
        .first()
    )


def player_session(token: str, key: Any, language: str) -> tuple[ChatSession, str]:
    """A verified session from a fresh token. Reuses the widget's session when it belongs to the same
    player; returns the session and the key the widget must keep ("" when it already has it)."""
    claims = check_token(token)
    with transaction.atomic():
        _spend(claims)
        player = _player_for(claims)
        current = session_for_key(key)
        if current is not None and current.player_id == player.pk:
            return current, ""
        return _new_session(player=player, name="", email="", language=claims.locale or player.locale)


def guest_session(name: str, email: str, language: str) -> tuple[ChatSession, str]:
    return _new_session(player=None, name=name, email=email, language=language)


def purge_used_tokens() -> int:
    deleted, _ = UsedToken.objects.filter(expires_at__lt=clock.now()).delete()
    return deleted
