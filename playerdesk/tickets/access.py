"""Per-object access: every case a person sees is fetched through these helpers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from playerdesk.core import refs
from playerdesk.core.access import agent_of
from playerdesk.core.models import Role
from playerdesk.tickets.models import Ticket


def visible_tickets(user: Any) -> QuerySet[Ticket]:
    """Supervisors and admins see every case; agents see their teams' cases, their own, and cases not
    yet routed to a team."""
    agent = agent_of(user)
    if agent is None:
        return Ticket.objects.none()
    if agent.role in (Role.SUPERVISOR, Role.ADMIN):
        return Ticket.objects.all()
    team_ids = list(agent.teams.values_list("pk", flat=True))
    return Ticket.objects.filter(Q(team_id__in=team_ids) | Q(team__isnull=True) | Q(assignee=user))


def access_ticket(user: Any, reference: str) -> Ticket:
    """The case ``reference`` if ``user`` may see it, else 404 (never reveal that it exists)."""
    try:
        canonical = refs.normalize(reference)
    except refs.InvalidReference as exc:
        raise Http404("No such case.") from exc
    ticket = (
        visible_tickets(user)
        .select_related("team", "assignee__agent", "player", "linked_from")
        .filter(reference=canonical)
        .first()
    )
    if ticket is None:
        raise Http404("No such case.")
    return ticket
