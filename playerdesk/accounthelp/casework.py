"""Macros a case must not receive: promotions for a self-excluded player, account data for a requester
who is not verified (``settings.HOOKS["macro_checks"]``)."""

from __future__ import annotations

from playerdesk.accounthelp.models import MacroPolicy
from playerdesk.accounthelp.verification import identity
from playerdesk.core.errors import ActionError
from playerdesk.players.protection import offers_allowed
from playerdesk.tickets.models import Macro, Ticket


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
    if policy.reveals_account_data and not identity(ticket).verified:
        raise ActionError(
            "This macro reveals account data and the requester is not verified yet: "
            "verify their identity first (send a one-time code from the player panel)."
        )
