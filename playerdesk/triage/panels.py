"""The triage panel on the console's case page: what triage decided and why, with a correction form."""

from __future__ import annotations

from django.http import HttpRequest

from playerdesk.core.panels import Panel
from playerdesk.tickets.models import Category, Ticket
from playerdesk.triage.models import TriageDecision


def triage_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    decision = TriageDecision.objects.filter(ticket_id=ticket.pk).first()  # one query
    if decision is None:
        return None
    return Panel(
        template="triage/_panel.html",
        context={
            "decision": decision,
            "ticket": ticket,
            "category_choices": Category.choices,
            "suggested_differs": decision.category != ticket.category,
        },
        place="side",
    )
