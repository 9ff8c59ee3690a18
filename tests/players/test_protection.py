"""Responsible gambling: a self-excluded player's cases go to the responsible-gambling team, promotional
macros are refused for them, and the flag shows at the top of every case."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from playerdesk.core.errors import ActionError
from playerdesk.core.models import Team
from playerdesk.players.models import MacroPolicy, Player
from playerdesk.players.protection import offers_allowed
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket
from tests.players.conftest import client_for, push_player


def test_new_case_of_self_excluded_player_goes_to_rg_team(
    make_ticket: Callable[..., Ticket], rg_team: Team, team: Team
) -> None:
    player = push_player(status="self_excluded")
    ticket = make_ticket(email="jordan@example.com", player=player, team=team)
    assert ticket.team_id == rg_team.pk
    created = ticket.events.get(kind="created")
    assert created.data["team"] == rg_team.slug and created.data["team_reason"] == "self_excluded"
    assert not offers_allowed(player)


def test_linking_and_status_push_route_open_cases(
    make_ticket: Callable[..., Ticket], rg_team: Team, team: Team, agent: User
) -> None:
    player = push_player()
    linked = make_ticket(email="other@example.com", team=team)
    linked = actions.do_link_player(linked, player, actor=agent)
    assert linked.team_id == team.pk
    open_case = make_ticket(email="jordan@example.com", player=player, team=team)
    solved = make_ticket(email="jordan@example.com", player=player, team=team)
    actions.do_change_status(solved, "solved", actor=agent)
    push_player(version=2, status="self_excluded")
    for ticket in (linked, open_case):
        ticket.refresh_from_db()
        assert ticket.team_id == rg_team.pk
    solved.refresh_from_db()
    assert solved.team_id == team.pk  # closed matters stay where they were
    newcomer = make_ticket(email="x@example.com", team=team)
    newcomer = actions.do_link_player(newcomer, Player.objects.get(pk=player.pk), actor=agent)
    assert newcomer.team_id == rg_team.pk


def test_promotional_macro_blocked_and_flag_on_top(
    make_ticket: Callable[..., Ticket], rg_team: Team, make_agent: Callable[..., User]
) -> None:
    emma = make_agent("emma", teams=[rg_team])
    promo = actions.do_create_macro(
        "Weekend bonus", body_en="Enjoy 50 free spins this weekend!", body_fr="Profitez de 50 tours gratuits!"
    )
    MacroPolicy.objects.create(macro=promo, promotional=True)
    player = push_player(status="self_excluded")
    ticket = make_ticket(email="jordan@example.com", player=player)
    with pytest.raises(ActionError, match="self-excluded"):
        actions.do_apply_macro(ticket, promo, author=emma)
    client = client_for(emma)
    response = client.post(
        reverse("console:macro_apply", args=[ticket.reference, promo.pk]), {"seen_seq": ticket.last_event_seq}
    )
    assert response.status_code == 400
    assert not ticket.messages.filter(kind="outbound").exists()
    page = client.get(reverse("console:ticket", args=[ticket.reference])).content.decode()
    head = page.split('id="player-flags"')[1].split("</header>")[0]
    assert "Self-excluded player" in head

    other = make_ticket(email="someone@example.com")
    actions.do_apply_macro(other, promo, author=emma)  # allowed for everyone else
    assert other.messages.filter(kind="outbound").exists()


def test_flag_shown_even_to_unverified_requester(
    make_ticket: Callable[..., Ticket], rg_team: Team, make_agent: Callable[..., User]
) -> None:
    emma = make_agent("emma", teams=[rg_team])
    player = push_player(status="self_excluded")
    ticket = make_ticket(channel="chat", email="guest@example.com", player=player)
    page = client_for(emma).get(reverse("console:ticket", args=[ticket.reference])).content.decode()
    assert "Self-excluded player" in page
    assert "1,250.40" not in page
