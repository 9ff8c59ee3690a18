"""Intake fixtures: the real SMTP receiver (from the mail tests) and a desk with teams mapped by triage."""

from __future__ import annotations

from typing import Any

import pytest

from playerdesk.core.models import Team
from playerdesk.triage.actions import do_set_team_route
from tests.mail.conftest import _fresh_mailbox_cache, receiver  # noqa: F401  (fixtures used here)

TEAMS = {
    "payments": ("payments", "Payments"),
    "account": ("account", "Account"),
    "responsible_gambling": ("responsible-gambling", "Responsible gambling"),
    "technical": ("technical", "Technical"),
    "verification": ("verification", "Verification"),
    "bonus": ("general", "General"),
    "general": ("general", "General"),
}


@pytest.fixture
def routed_desk(transactional_db: Any) -> dict[str, Team]:
    """Teams and the category → team map, as an admin sets them in the triage settings."""
    teams: dict[str, Team] = {}
    for category, (slug, name) in TEAMS.items():
        team = teams.get(slug) or Team.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        teams[slug] = team
        do_set_team_route(category, team, actor=None)
    return teams
