"""What every console page shows around its content."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from playerdesk.console import queues
from playerdesk.console.forms import QUEUE_TABS, AgentStatusForm
from playerdesk.core.models import AgentProfile, AgentStatus
from playerdesk.tickets.access import visible_tickets
from playerdesk.tickets.models import Ticket


def chrome(
    request: HttpRequest, agent: AgentProfile, team_ids: list[int], visible: QuerySet[Ticket] | None = None
) -> dict[str, Any]:
    """What every console page shows around its content: queue counts, presence, the status menu."""
    if visible is None:
        visible = visible_tickets(request.user)
    counts = queues.tab_counts(visible, request.user, team_ids)
    nav = [
        {"tab": tab, "label": label, "count": counts[tab], "capped": counts[tab] >= queues.COUNT_CAP}
        for tab, label in QUEUE_TABS.items()
    ]
    presence: list[AgentProfile] = []
    if agent.is_supervisor:
        presence = list(AgentProfile.objects.only("id", "display_name", "status", "role"))
    return {
        "agent": agent,
        "nav": nav,
        "presence": presence,
        "status_form": AgentStatusForm(initial={"status": agent.status}),
        "agent_statuses": AgentStatus.choices,
    }
