"""Shared fixtures: teams, agents with roles, players, cases created through the real actions."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from playerdesk.core.models import AgentProfile, Role, Team
from playerdesk.players.models import Player
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket

_counter = itertools.count(1)


@pytest.fixture
def team(db: Any) -> Team:
    return Team.objects.create(slug="payments", name="Payments", skills=["payments"])


@pytest.fixture
def other_team(db: Any) -> Team:
    return Team.objects.create(slug="verification", name="Verification", skills=["kyc"])


@pytest.fixture
def make_agent(db: Any) -> Callable[..., User]:
    def make(
        username: str | None = None,
        *,
        role: str = Role.AGENT,
        teams: list[Team] | None = None,
        languages: list[str] | None = None,
        password: str = "correct-horse-battery",
    ) -> User:
        username = username or f"agent{next(_counter)}"
        user = User.objects.create_user(username, f"{username}@desk.example", password)
        profile = AgentProfile.objects.create(
            user=user,
            display_name=username.capitalize(),
            role=role,
            languages=languages or ["en"],
        )
        profile.teams.set(teams or [])
        return user

    return make


@pytest.fixture
def agent(make_agent: Callable[..., User], team: Team) -> User:
    return make_agent("alice", teams=[team], languages=["en", "fr"])


@pytest.fixture
def supervisor(make_agent: Callable[..., User]) -> User:
    return make_agent("sam", role=Role.SUPERVISOR)


@pytest.fixture
def agent_client(agent: User) -> Client:
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def player(db: Any) -> Player:
    return Player.objects.create(
        external_id="P-1001",
        first_name="Marie",
        last_name="Tremblay",
        email="marie@example.ca",
        locale="fr",
        province="QC",
    )


@pytest.fixture
def make_ticket(db: Any) -> Callable[..., Ticket]:
    def make(
        subject: str = "Withdrawal still pending",
        body: str = "I asked for a withdrawal of $200 three days ago and it is still pending.",
        *,
        email: str = "player@example.com",
        name: str = "Pat Player",
        channel: str = "web",
        player: Player | None = None,
        **kwargs: Any,
    ) -> Ticket:
        return actions.do_create_ticket(
            subject=subject,
            body=body,
            channel=channel,
            requester=actions.Requester(email, name, player),
            **kwargs,
        )

    return make


@pytest.fixture
def ticket(make_ticket: Callable[..., Ticket], team: Any) -> Ticket:
    return make_ticket(team=team)
