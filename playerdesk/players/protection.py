"""Player protection, as the player record says it: a self-excluded player's cases belong to the
responsible-gambling team (the case journal enforces it) and offers are never sent to them."""

from __future__ import annotations

from django.conf import settings

from playerdesk.core.models import Team
from playerdesk.players.models import Player, PlayerStatus

SELF_EXCLUDED_REASON = "self_excluded"


def responsible_gambling_team() -> Team | None:
    return Team.objects.filter(slug=settings.RESPONSIBLE_GAMBLING_TEAM, is_active=True).first()


def required_team_for(player: Player | None) -> Team | None:
    """The team every case of this player must be in (a self-excluded player's: responsible gambling),
    or None. The case journal enforces it whenever a case is opened, linked or moved."""
    if player is None or player.status != PlayerStatus.SELF_EXCLUDED:
        return None
    return responsible_gambling_team()


def offers_allowed(player: Player | None) -> bool:
    """Bonus offers and promotions may be sent to this player (never to a self-excluded one)."""
    return player is None or player.status != PlayerStatus.SELF_EXCLUDED
