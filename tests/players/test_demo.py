"""Demo accounts: fed through the operator ingest, with statuses and a self-excluded player; loading
again changes nothing."""

from __future__ import annotations

from typing import Any

from django.test import override_settings

from playerdesk.accounthelp.models import MacroPolicy
from playerdesk.console import demo
from playerdesk.players.models import Player, Transaction
from playerdesk.tickets.models import OPEN_STATUSES, Ticket


@override_settings(DEMO=True)
def test_demo_accounts(db: Any) -> None:
    demo.build(40)
    statuses = set(Player.objects.values_list("status", flat=True))
    assert {"active", "self_excluded", "suspended", "closed"} <= statuses
    first = Player.objects.get(external_id="P-100001")
    assert first.balance is not None and first.version == 1
    assert Transaction.objects.filter(player=first).count() == 2000
    excluded = Player.objects.get(status="self_excluded")
    assert excluded.self_excluded_until is not None
    for ticket in Ticket.objects.filter(player=excluded, status__in=OPEN_STATUSES).select_related("team"):
        assert ticket.team is not None and ticket.team.slug == "responsible-gambling"
    assert MacroPolicy.objects.filter(promotional=True).exists()
    assert MacroPolicy.objects.filter(reveals_account_data=True).exists()
    count = Transaction.objects.count()
    demo.build(40)
    assert Transaction.objects.count() == count
    assert Player.objects.get(external_id="P-100001").version == 1
