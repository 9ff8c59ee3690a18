"""Who is asking: the agent profile behind a signed-in user, and the teams they work in."""

from __future__ import annotations

from typing import Any

from playerdesk.core.models import AgentProfile


def agent_of(user: Any) -> Any:
    """The agent profile of an active, signed-in user, else None (players, API clients, anonymous)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return getattr(user, "agent", None)


def team_ids_of(agent: AgentProfile) -> list[int]:
    return list(agent.teams.values_list("pk", flat=True))
