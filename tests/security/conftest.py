"""Security fixtures: cases in two teams, API tokens of each role, a portal token per case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from playerdesk.api.actions import do_create_token
from playerdesk.core.models import Team
from playerdesk.tickets import links
from playerdesk.tickets.models import Ticket
from tests.security.surfaces import show_everywhere

__all__ = ["show_everywhere"]  # a fixture defined beside the helpers it uses, shared by the suite


@pytest.fixture
def own_case(make_ticket: Callable[..., Ticket], team: Team) -> Ticket:
    """A case of the signed-in agent's team (payments)."""
    return make_ticket("Withdrawal of $200 pending", email="pat@example.com", name="Pat Player", team=team)


@pytest.fixture
def foreign_case(make_ticket: Callable[..., Ticket], other_team: Team) -> Ticket:
    """Another player's case, in a team the plain agent is not in (verification)."""
    return make_ticket(
        "SECRET-SUBJECT passport check",
        "SECRET-BODY my passport number is AB123456",
        email="victim@example.net",
        name="Vic Timothy",
        team=other_team,
    )


@pytest.fixture
def portal_token() -> Callable[[Ticket], str]:
    return links.make_token


@pytest.fixture
def supervisor_client(supervisor: User) -> Client:
    client = Client()
    client.force_login(supervisor)
    return client


@pytest.fixture
def make_token(db: Any) -> Callable[..., str]:
    def make(role: str, user: User | None = None) -> str:
        token, _ = do_create_token(f"{role} token", role, user=user)
        return token

    return make


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def service_headers(make_token: Callable[..., str]) -> dict[str, str]:
    return bearer(make_token("service"))


@pytest.fixture
def agent_headers(make_token: Callable[..., str], agent: User) -> dict[str, str]:
    return bearer(make_token("agent", agent))
