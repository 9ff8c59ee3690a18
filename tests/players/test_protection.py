"""Responsible gambling, as the player record says it: a self-excluded player's cases go to the
responsible-gambling team, when a case is opened or linked and when the operator's push says so."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User

from playerdesk.core.models import Team
from playerdesk.players.models import Player
from playerdesk.players.protection import offers_allowed
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket
from tests.players.conftest import push_player


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
