"""A self-excluded player's cases stay with the responsible-gambling team: the journal's writer refuses any
other team, whoever asks (an action, the console, the API, an escalation rule, a chat transfer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from playerdesk.api.actions import do_create_token
from playerdesk.chat.stream import ChatError
from playerdesk.core import clock
from playerdesk.core.errors import ActionError
from playerdesk.core.models import Role, Team
from playerdesk.players.models import Player
from playerdesk.sla.models import EscalationRule
from playerdesk.sla.sweep import sweep
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket
from tests.api.conftest import ApiClient

REFUSAL = "self-excluded: their cases stay with the Responsible gambling team"


@pytest.fixture
def rg_team(db: Any) -> Team:
    return Team.objects.create(slug="responsible-gambling", name="Responsible gambling")


@pytest.fixture
def excluded_case(make_ticket: Callable[..., Ticket], rg_team: Team, team: Team) -> Ticket:
    player = Player.objects.create(external_id="P-77", email="jordan@example.com", status="self_excluded")
    ticket = make_ticket(email="jordan@example.com", player=player, team=team)
    assert ticket.team_id == rg_team.pk  # opened straight into responsible gambling
    return ticket


def _team_of(ticket: Ticket) -> str | None:
    ticket.refresh_from_db()
    return ticket.team.slug if ticket.team else None


def test_any_action_is_refused(excluded_case: Ticket, team: Team, agent: User) -> None:
    for target in (team, None):
        with pytest.raises(ActionError, match=REFUSAL):
            actions.do_change_team(excluded_case, target, actor=agent)
    assert _team_of(excluded_case) == "responsible-gambling"
    assert not excluded_case.events.filter(kind="team").exists()


def test_the_console_refuses_with_the_reason(excluded_case: Ticket, team: Team, make_agent: Any) -> None:
    lead = make_agent("lead", role=Role.SUPERVISOR)
    client = Client()
    client.force_login(lead)
    url = reverse("console:change", args=[excluded_case.reference, "team"])
    response = client.post(url, {"value": str(team.pk)})
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    response = client.post(url, {"value": str(team.pk)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    assert _team_of(excluded_case) == "responsible-gambling"


def test_the_api_refuses_with_409_and_the_reason(excluded_case: Ticket, team: Team, supervisor: User) -> None:
    token, _row = do_create_token("lead", "supervisor", user=supervisor)
    api = ApiClient(token)
    response = api.client.patch(
        f"/api/v1/tickets/{excluded_case.reference}",
        {"team": team.slug, "reason": "wrong queue"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 409
    assert REFUSAL in response.json()["detail"]
    assert _team_of(excluded_case) == "responsible-gambling"
    # Other changes go through the same endpoint.
    response = api.client.patch(
        f"/api/v1/tickets/{excluded_case.reference}",
        {"priority": 1, "reason": "crisis"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200 and response.json()["priority"] == 1


def test_an_escalation_rule_leaves_the_case_where_it_is(excluded_case: Ticket, team: Team) -> None:
    EscalationRule.objects.create(name="Breach to payments", trigger="breach", move_to_team=team, rank=1)
    with clock.frozen(clock.now() + dt.timedelta(days=10)):
        result = sweep()
    assert result.breaches >= 1  # the breach itself is recorded
    assert _team_of(excluded_case) == "responsible-gambling"


def test_other_cases_still_move(make_ticket: Callable[..., Ticket], team: Team, other_team: Team) -> None:
    ticket = make_ticket(team=team)
    actions.do_change_team(ticket, other_team, actor=None, reason="KYC")
    assert _team_of(ticket) == other_team.slug


def test_a_chat_transfer_to_another_team_is_refused(excluded_case: Ticket, team: Team, agent: User) -> None:
    from playerdesk.chat.actions import do_transfer
    from playerdesk.chat.models import ChatSession, Conversation

    session = ChatSession.objects.create(
        key_hash="k" * 64,
        player=excluded_case.player,
        language="en",
        created_at=clock.now(),
        expires_at=clock.now() + dt.timedelta(days=1),
    )
    conversation = Conversation.objects.create(
        session=session, ticket=excluded_case, language="en", created_at=clock.now(), queued_at=clock.now()
    )
    lead = User.objects.create_user("lead2")
    from playerdesk.core.models import AgentProfile

    AgentProfile.objects.create(user=lead, display_name="Lead", role=Role.SUPERVISOR)
    with pytest.raises(ChatError, match=REFUSAL):
        do_transfer(conversation, lead, to_team=team)
    assert _team_of(excluded_case) == "responsible-gambling"


def test_the_refusal_speaks_the_agents_language(excluded_case: Ticket, team: Team, supervisor: User) -> None:
    client = Client()
    client.force_login(supervisor)
    client.cookies["playerdesk_language"] = "fr"
    url = reverse("console:change", args=[excluded_case.reference, "team"])
    response = client.post(url, {"value": str(team.pk)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "Ce joueur est auto-exclu : ses dossiers restent à l’équipe Responsible gambling." in (
        response.content.decode()
    )
