"""The player panel: flags, wallet, transaction log (filters, search, keyset pages), other cases,
recognised transaction ids, snapshots; a constant number of queries whatever the history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from playerdesk.accounthelp import panels
from playerdesk.accounthelp.actions import do_attach_snapshot
from playerdesk.core.errors import ActionError
from playerdesk.players.models import Player, Transaction
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket
from playerdesk.tickets.timeline import verify_chain
from tests.players.conftest import client_for, make_transactions, push_player, push_transactions, tx_payload


def page_queries(user: User, ticket: Ticket) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client_for(user).get(reverse("console:ticket", args=[ticket.reference]))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_panel_query_count_does_not_grow_with_history(
    make_ticket: Callable[..., Ticket], agent: User, team: Any, django_assert_max_num_queries: Any
) -> None:
    small = push_player(external_id="P-S", email="s@example.com")
    make_transactions("P-S", 5)
    large = push_player(external_id="P-L", email="l@example.com")
    make_transactions("P-L", 3000)
    for i in range(25):
        make_ticket(f"Older {i}", email="l@example.com", player=large, team=team)
    ticket_small = make_ticket(
        body="About TX-P-S-000001 please.", email="s@example.com", player=small, team=team
    )
    ticket_large = make_ticket(
        "Where is TX-P-L-002999?",
        body="See TX-P-L-002999 and TX-P-L-000001.",
        email="l@example.com",
        player=large,
        team=team,
    )
    count_small, _ = page_queries(agent, ticket_small)
    count_large, content = page_queries(agent, ticket_large)
    assert count_large == count_small
    # The panel's own share of the page: at most 10 queries for 3,000 transactions and 25 other cases.
    request = RequestFactory().get("/")
    request.user = agent
    fresh = Ticket.objects.select_related("player").get(pk=ticket_large.pk)
    with django_assert_max_num_queries(10):
        data = panels.collect(request, fresh)
    assert len(data.transactions) == 20 and data.more_cases
    assert "TX-P-L-002999" in content
    assert "Older 24" in content and "20+" in content
    assert content.count('name="tx"') == 20  # one keyset page


def test_transaction_filters_search_and_keyset_pages(
    make_ticket: Callable[..., Ticket], account: Player, agent: User, team: Any
) -> None:
    ticket = make_ticket(email="jordan@example.com", player=account, team=team)
    client = client_for(agent)
    url = reverse("players:transactions", args=[ticket.reference])
    first = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert first.count('name="tx"') == 20 and "Older transactions" in first
    cursor = first.split("cursor=")[1].split('"')[0]
    second = client.get(f"{url}?cursor={cursor}").content.decode()
    assert second.count('name="tx"') == 10 and "Older transactions" not in second
    seen = set()
    for chunk in (first, second):
        seen |= {part.split('"')[0] for part in chunk.split('name="tx" value="')[1:]}
    assert len(seen) == 30

    rounds = client.get(url, {"type": "game_round"}).content.decode()
    assert rounds.count('name="tx"') == 7 and "Starburst" in rounds
    pending = client.get(url, {"status": "pending"}).content.decode()
    assert pending.count('name="tx"') == 3
    amounts = client.get(url, {"min": "95", "max": "99"}).content.decode()
    assert (
        amounts.count('name="tx"')
        == Transaction.objects.filter(player=account, amount__gte=95, amount__lte=99).count()
    )
    day = client.get(url, {"from": "2026-11-01", "to": "2026-11-01"}).content.decode()
    assert day.count('name="tx"') == 20
    none = client.get(url, {"from": "2026-12-01"}).content.decode()
    assert "No transaction matches" in none
    found = client.get(url, {"q": "TX-P-2001-000007"}).content.decode()
    assert found.count('name="tx"') == 1 and "TX-P-2001-000007" in found
    assert client.get(url, {"type": "lottery"}).status_code == 400
    assert client.get(url, {"cursor": "garbage"}).status_code == 400
    assert client.get(url, {"min": "NaN"}).status_code == 400


def test_other_cases_with_outcome_and_flags(
    make_ticket: Callable[..., Ticket], account: Player, agent: User, team: Any
) -> None:
    old = make_ticket(
        "Bonus not credited", email="jordan@example.com", player=account, team=team, channel="chat"
    )
    actions.do_change_status(old, "solved", actor=agent)
    ticket = make_ticket(email="jordan@example.com", player=account, team=team)
    content = client_for(agent).get(reverse("console:ticket", args=[ticket.reference])).content.decode()
    assert (
        old.reference in content
        and "Bonus not credited" in content
        and "Solved" in content
        and "Chat" in content
    )
    assert "VIP gold" in content
    assert "1 limit set" in content
    assert "Previous cases" in content


def test_snapshot_stays_unchanged_after_data_changes(
    make_ticket: Callable[..., Ticket], account: Player, agent: User, team: Any
) -> None:
    ticket = make_ticket(email="jordan@example.com", player=account, team=team)
    response = client_for(agent).post(
        reverse("players:snapshot", args=[ticket.reference]),
        {"tx": ["TX-P-2001-000010", "TX-P-2001-000020"], "note": "Withdrawal dispute"},
    )
    assert response.status_code == 302
    event = ticket.events.get(kind="player_snapshot")
    before = dict(event.data)
    assert before["player"]["balance"] == "1250.40"
    assert {t["id"]: t["status"] for t in before["transactions"]} == {
        "TX-P-2001-000010": "pending",
        "TX-P-2001-000020": "pending",
    }
    # The operator changes the transaction and the wallet afterwards.
    push_transactions([tx_payload("TX-P-2001-000010", status="reversed", version=2, amount="0.00")])
    push_player(version=2, balance="0.00", status="suspended")
    event.refresh_from_db()
    assert event.data == before
    assert Transaction.objects.get(external_id="TX-P-2001-000010").status == "reversed"
    ticket.refresh_from_db()
    assert verify_chain(ticket.reference, ticket.events.order_by("seq"), ticket.last_event_hash).ok
    content = client_for(agent).get(reverse("console:ticket", args=[ticket.reference])).content.decode()
    assert "Withdrawal dispute" in content


def test_snapshot_refused_for_unverified_or_unknown(
    make_ticket: Callable[..., Ticket], account: Player, agent: User
) -> None:
    ticket = make_ticket(channel="chat", email="guest@example.com", player=account)
    with pytest.raises(ActionError):
        do_attach_snapshot(ticket, actor=agent, transaction_ids=["TX-P-2001-000001"])
    verified = make_ticket(email="jordan@example.com", player=account)
    with pytest.raises(ActionError):
        do_attach_snapshot(verified, actor=agent, transaction_ids=["NOT-THERE-1"])
    assert not verified.events.filter(kind="player_snapshot").exists()


def test_link_player_from_the_panel(
    make_ticket: Callable[..., Ticket], account: Player, agent: User, team: Any
) -> None:
    ticket = make_ticket(email="jordan@example.com", team=team)
    content = client_for(agent).get(reverse("console:ticket", args=[ticket.reference])).content.decode()
    assert "Link player P-2001" in content
    response = client_for(agent).post(reverse("players:link", args=[ticket.reference]), {"player": "P-2001"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.player_id == account.pk
    assert ticket.events.filter(kind="player_linked").exists()
    missing = client_for(agent).post(reverse("players:link", args=[ticket.reference]), {"player": "P-404"})
    assert missing.status_code == 400
