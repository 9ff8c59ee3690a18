"""Player protection: self-excluded players' cases go to the responsible-gambling team, promotional
macros and offers are never sent to them, and account data is disclosed only to a verified requester."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from playerdesk.core.errors import ActionError
from playerdesk.core.models import Team
from playerdesk.players.models import MacroPolicy, Player, PlayerStatus
from playerdesk.tickets.actions import do_change_team
from playerdesk.tickets.models import OPEN_STATUSES, Macro, Ticket

SELF_EXCLUDED_REASON = "self_excluded"


def responsible_gambling_team() -> Team | None:
    return Team.objects.filter(slug=settings.RESPONSIBLE_GAMBLING_TEAM, is_active=True).first()


def required_team(ticket: Ticket) -> Team | None:
    """The team a case must be in because of its player (routing asks this before moving a case)."""
    player = ticket.player
    if player is None or player.status != PlayerStatus.SELF_EXCLUDED:
        return None
    return responsible_gambling_team()


def route_if_protected(ticket: Ticket, actor: Any = None) -> Ticket:
    """Move an open case of a self-excluded player to the responsible-gambling team (once)."""
    if ticket.status not in OPEN_STATUSES:
        return ticket
    team = required_team(ticket)
    if team is None or ticket.team_id == team.pk:
        return ticket
    return do_change_team(ticket, team, actor=actor, reason=SELF_EXCLUDED_REASON)


def route_open_cases(player: Player, limit: int = 500) -> int:
    """A player just became self-excluded: their open cases move to the responsible-gambling team."""
    moved = 0
    team = responsible_gambling_team()
    if team is None:
        return 0
    rows = (
        Ticket.objects.filter(player=player, status__in=OPEN_STATUSES)
        .exclude(team=team)
        .select_related("player")[:limit]
    )
    for ticket in rows:
        do_change_team(ticket, team, actor=None, reason=SELF_EXCLUDED_REASON)
        moved += 1
    return moved


def offers_allowed(player: Player | None) -> bool:
    """Bonus offers and promotions may be sent to this player (never to a self-excluded one)."""
    return player is None or player.status != PlayerStatus.SELF_EXCLUDED


def policy_of(macro: Macro) -> MacroPolicy | None:
    return MacroPolicy.objects.filter(macro=macro).first()


def check_macro(macro: Macro, ticket: Ticket) -> None:
    """Refuse a macro this case must not receive: promotional for a self-excluded player, or revealing
    account data to a requester who is not verified."""
    policy = policy_of(macro)
    if policy is None:
        return
    if policy.promotional and not offers_allowed(ticket.player):
        raise ActionError(
            "This macro is promotional and the player is self-excluded: promotions are never sent to them."
        )
    if policy.reveals_account_data:
        from playerdesk.players.verification import identity

        if not identity(ticket).verified:
            raise ActionError(
                "This macro reveals account data and the requester is not verified yet: "
                "verify their identity first (send a one-time code from the player panel)."
            )
