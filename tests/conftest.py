"""Shared fixtures: teams, agents with roles, players, cases created through the real actions."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from playerdesk.core.models import AgentProfile, Role, Team
from playerdesk.intake.actions import do_intake
from playerdesk.intake.contact import Contact, Overrides
from playerdesk.players.models import Player
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket

_counter = itertools.count(1)
_caches = itertools.count(1)


@pytest.fixture(autouse=True)
def _isolated_cache(settings: Any) -> None:
    """Every test starts with an empty cache (rate limits, sign-in throttling) without clearing a shared
    one: clearing the Redis cache would flush the whole Redis database, other test processes' included."""
    default = dict(settings.CACHES["default"])
    if "redis" in default["BACKEND"].lower():
        default["KEY_PREFIX"] = f"{default.get('KEY_PREFIX', '')}-t{next(_caches)}"
    else:
        default["LOCATION"] = f"test-{next(_caches)}"
    settings.CACHES = {"default": default}


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


def signed_in_with_code(user: User) -> Client:
    """A console session that went through both steps of sign-in (as ``login_code`` leaves it)."""
    from playerdesk.core import totp

    client = Client()
    client.force_login(user)
    session = client.session
    totp.mark_session(AgentProfile.objects.get(user=user), session)
    session.save()
    return client


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
        language: str | None = None,
        category: str | None = None,
        priority: int | None = None,
        team: Team | None = None,
        acknowledge: bool = False,
        **contact: Any,
    ) -> Ticket:
        """A case opened through intake, as a channel opens one (fixed values are overrides; no
        acknowledgement unless asked, so tests count only the mail they cause)."""
        return do_intake(
            Contact(
                channel=channel,
                requester=actions.Requester(email, name, player),
                subject=subject,
                body=body,
                acknowledge=acknowledge,
                overrides=Overrides(language=language, category=category, priority=priority, team=team),
                **contact,
            )
        ).ticket

    return make


@pytest.fixture
def ticket(make_ticket: Callable[..., Ticket], team: Any) -> Ticket:
    return make_ticket(team=team)


# Data the migrations install (default triage rules, default service standards). A transactional test
# ends with a flush that empties every table; the next test on the same worker must find the data a real
# install has, so it is put back right after such a test.
SEED_MIGRATIONS = [
    ("playerdesk.triage.migrations.0002_default_rules", "add_defaults"),
    ("playerdesk.sla.migrations.0002_default_standards", "install"),
]


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    yield
    if nextitem is None or not _is_transactional(item):
        return  # after the last test the test database is already gone
    import importlib

    from django.apps import apps
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        for module, function in SEED_MIGRATIONS:
            getattr(importlib.import_module(module), function)(apps, None)
