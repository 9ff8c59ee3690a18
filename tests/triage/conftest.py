"""Fixtures for triage: teams mapped to categories, agents with skills and capacities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from playerdesk.core.models import AgentProfile, AgentStatus, Team
from playerdesk.triage import actions as triage_actions
from playerdesk.triage.models import AgentRouting


@pytest.fixture
def payments_team(team: Team, supervisor: User) -> Team:
    """The shared "payments" team, mapped to payment cases, assigning by round robin."""
    triage_actions.do_set_team_route("payments", team, actor=supervisor)
    triage_actions.do_set_team_routing(team, mode="round_robin", alert_after_minutes=10, actor=supervisor)
    return team


@pytest.fixture
def online_agent(make_agent: Callable[..., User]) -> Callable[..., User]:
    """An online agent of the given teams with languages, skills and capacity set."""

    def make(
        username: str,
        teams: list[Team],
        *,
        languages: list[str] | None = None,
        skills: list[str] | None = None,
        capacity: int = 100,
        status: str = AgentStatus.ONLINE,
    ) -> User:
        user = make_agent(username, teams=teams, languages=languages or ["en"])
        profile: Any = user.agent  # type: ignore[attr-defined]
        team_skills = sorted({s for t in teams for s in t.skills})
        AgentProfile.objects.filter(pk=profile.pk).update(
            skills=skills if skills is not None else team_skills, status=status
        )
        AgentRouting.objects.update_or_create(agent=profile, defaults={"capacity": capacity})
        user.agent.refresh_from_db()  # type: ignore[attr-defined]
        return user

    return make
