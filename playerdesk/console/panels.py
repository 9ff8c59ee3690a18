"""The case page's panels, gathered from the apps that declare them (``settings.HOOKS["case_panels"]``)."""

from __future__ import annotations

from django.http import HttpRequest

from playerdesk.core import hooks
from playerdesk.core.panels import Panel
from playerdesk.tickets.models import Ticket


def collect(request: HttpRequest, ticket: Ticket) -> dict[str, list[Panel]]:
    placed: dict[str, list[Panel]] = {"head": [], "side": [], "main": []}
    for panel in hooks.run("case_panels", request, ticket):
        if panel is not None:
            placed[panel.place].append(panel)
    return placed
