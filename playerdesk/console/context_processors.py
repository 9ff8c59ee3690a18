"""The console's frame for every desk page, whichever app renders the page."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from playerdesk.console.chrome import chrome
from playerdesk.core.access import agent_of, team_ids_of

CHROME_KEYS = ("nav", "presence", "status_form", "agent_statuses")


def desk_chrome(request: HttpRequest) -> dict[str, Any]:
    """Queue counts, presence and the status menu of ``console/base.html`` for pages under ``/desk/``.
    Computed only when the page's layout reads them (a fragment or a page of its own costs nothing);
    a view that already built them passes its own values, which take precedence."""
    if not request.path.startswith("/desk/"):
        return {}
    agent = agent_of(getattr(request, "user", None))
    if agent is None:
        return {}

    @functools.cache
    def built() -> dict[str, Any]:
        return chrome(request, agent, team_ids_of(agent))

    def part(key: str) -> SimpleLazyObject:
        return SimpleLazyObject(lambda: built()[key])

    context: dict[str, Any] = {key: part(key) for key in CHROME_KEYS}
    context["agent"] = agent
    return context
