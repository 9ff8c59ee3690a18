"""What a case records about its player: a snapshot of the account and of chosen transactions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from playerdesk.accounthelp.verification import identity
from playerdesk.core import audit, clock
from playerdesk.core.errors import ActionError
from playerdesk.core.text import clean_line
from playerdesk.players.actions import player_state, transaction_state
from playerdesk.players.models import Player, Transaction
from playerdesk.tickets.actions import append_event, lock_case, save_case
from playerdesk.tickets.models import Ticket

SNAPSHOT_MAX_TRANSACTIONS = 50


def do_attach_snapshot(
    ticket: Ticket,
    *,
    actor: Any,
    transaction_ids: Sequence[str] = (),
    note: str = "",
) -> dict[str, Any]:
    """Attach the account state and the chosen transactions to the case as a timeline event. Events are
    hash-chained, so the snapshot shows what the agent saw even after the operator's data changes."""
    ids = [clean_line(i, 64) for i in transaction_ids if i and i.strip()][: SNAPSHOT_MAX_TRANSACTIONS + 1]
    if len(ids) > SNAPSHOT_MAX_TRANSACTIONS:
        raise ActionError(f"A snapshot holds at most {SNAPSHOT_MAX_TRANSACTIONS} transactions.")
    with transaction.atomic():
        ticket = lock_case(ticket.pk)
        player = Player.objects.filter(pk=ticket.player_id or 0).first()
        if player is None:
            raise ActionError("Link the case to a player account first.")
        ticket.player = player
        if not identity(ticket).verified:
            raise ActionError("The requester is not verified: account data cannot be attached to this case.")
        rows = list(
            Transaction.objects.filter(player=player, external_id__in=ids).order_by("-occurred_at", "-id")
        )
        missing = sorted(set(ids) - {t.external_id for t in rows})
        if missing:
            raise ActionError(f"Unknown transaction for this player: {missing[0]}.")
        data = {
            "taken_at": clock.now().isoformat(),
            "player": player_state(player),
            "transactions": [transaction_state(t) for t in rows],
        }
        if note:
            data["note"] = clean_line(note, 500)
        append_event(ticket, "player_snapshot", actor, data)
        save_case(ticket)
        audit.record(
            "ticket.player_snapshot", object_type="ticket", object_id=ticket.reference, user=actor,
            data={"player": player.external_id, "transactions": len(rows)},
        )  # fmt: skip
    return data
