"""Writers of the player mirror and its state as the desk shows it. The operator's platform stays the
source of truth for accounts; these rows copy it (see ``players.ingest`` for the pushes)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from playerdesk.core import audit
from playerdesk.core.enums import PROVINCES, Language
from playerdesk.core.errors import ActionError
from playerdesk.core.text import clean_line
from playerdesk.players.models import Player, PlayerStatus, Transaction


def do_create_player(
    *,
    external_id: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    locale: str = Language.EN,
    province: str = "",
    phone: str = "",
    status: str = PlayerStatus.ACTIVE,
    vip_level: str = "",
    actor: Any = None,
) -> Player:
    external_id = clean_line(external_id, 64)
    if not external_id:
        raise ActionError("A player needs the operator's account id.")
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ActionError("A valid email address is required.") from exc
    if locale not in Language.values:
        raise ActionError(f"Unknown language {locale!r}.")
    if province and province not in dict(PROVINCES):
        raise ActionError(f"Unknown province {province!r}.")
    if status not in PlayerStatus.values:
        raise ActionError(f"Unknown account status {status!r}.")
    with transaction.atomic():
        if Player.objects.filter(external_id=external_id).exists():
            raise ActionError(f"A player {external_id!r} already exists.")
        player = Player.objects.create(
            external_id=external_id,
            email=email,
            first_name=clean_line(first_name, 80),
            last_name=clean_line(last_name, 80),
            locale=locale,
            province=province,
            phone=clean_line(phone, 32),
            status=status,
            vip_level=clean_line(vip_level, 30),
        )
        audit.record("player.create", object_type="player", object_id=str(player.pk), user=actor)
    return player


def player_state(player: Player) -> dict[str, Any]:
    return {
        "external_id": player.external_id,
        "name": player.full_name,
        "email": player.email,
        "phone": player.phone,
        "locale": player.locale,
        "province": player.province,
        "status": player.status,
        "self_excluded_until": player.self_excluded_until.isoformat() if player.self_excluded_until else None,
        "vip_level": player.vip_level,
        "limits": dict(player.limits or {}),
        "balance": str(player.balance) if player.balance is not None else None,
        "bonus_balance": str(player.bonus_balance) if player.bonus_balance is not None else None,
        "balance_at": player.balance_at.isoformat() if player.balance_at else None,
        "version": player.version,
    }


def transaction_state(tx: Transaction) -> dict[str, Any]:
    return {
        "id": tx.external_id,
        "type": tx.type,
        "status": tx.status,
        "amount": str(tx.amount),
        "win_amount": str(tx.win_amount) if tx.win_amount is not None else None,
        "currency": tx.currency,
        "method": tx.method,
        "game": tx.game,
        "provider": tx.provider,
        "round_id": tx.round_id,
        "occurred_at": tx.occurred_at.isoformat(),
        "version": tx.version,
    }
