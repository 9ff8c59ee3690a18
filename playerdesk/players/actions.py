"""Writers of the player mirror. The operator's platform stays the source of truth; these rows copy it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from playerdesk.core import audit
from playerdesk.core.text import clean_line
from playerdesk.players.models import PROVINCES, Language, Player


class PlayerError(ValueError):
    """A refused change to a player, with a message fit to show to the person who asked."""


def do_create_player(
    *,
    external_id: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    locale: str = Language.EN,
    province: str = "",
    actor: Any = None,
) -> Player:
    external_id = clean_line(external_id, 64)
    if not external_id:
        raise PlayerError("A player needs the operator's account id.")
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise PlayerError("A valid email address is required.") from exc
    if locale not in Language.values:
        raise PlayerError(f"Unknown language {locale!r}.")
    if province and province not in dict(PROVINCES):
        raise PlayerError(f"Unknown province {province!r}.")
    with transaction.atomic():
        if Player.objects.filter(external_id=external_id).exists():
            raise PlayerError(f"A player {external_id!r} already exists.")
        player = Player.objects.create(
            external_id=external_id,
            email=email,
            first_name=clean_line(first_name, 80),
            last_name=clean_line(last_name, 80),
            locale=locale,
            province=province,
        )
        audit.record("player.create", object_type="player", object_id=str(player.pk), user=actor)
    return player
