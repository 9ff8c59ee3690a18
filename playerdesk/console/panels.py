"""Blocks other apps add to the console's case page (SLA clocks, player record, chat, mail details).

The list is explicit: an app adds its panel function here by dotted path. A panel function receives the
request and the ticket and returns a ``Panel`` (a template and its context) or None to show nothing. Each
panel must use a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.module_loading import import_string

from playerdesk.tickets.models import Ticket


@dataclass
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    # "head": under the case header (flags, clocks); "side": the right column; "main": after the timeline.
    place: Literal["head", "side", "main"] = "side"


PANELS: list[str] = [
    "playerdesk.sla.panels.clocks_panel",
    "playerdesk.players.panels.head_panel",
    "playerdesk.chat.panels.chat_panel",
    "playerdesk.players.panels.side_panel",
    "playerdesk.players.panels.main_panel",
    "playerdesk.mail.panels.side_panel",
    "playerdesk.triage.panels.triage_panel",
]


def collect(request: HttpRequest, ticket: Ticket) -> dict[str, list[Panel]]:
    placed: dict[str, list[Panel]] = {"head": [], "side": [], "main": []}
    for path in PANELS:
        build: Callable[[HttpRequest, Ticket], Panel | None] = import_string(path)
        panel = build(request, ticket)
        if panel is not None:
            placed[panel.place].append(panel)
    return placed
