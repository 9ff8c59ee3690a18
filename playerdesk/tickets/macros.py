"""Macro placeholders: ``{{ player_name }}``, ``{{ first_name }}``, ``{{ reference }}``, ``{{ subject }}``,
``{{ agent_name }}``. Only these names exist; anything else is left as typed (no template engine runs on
macro text)."""

from __future__ import annotations

import re

from playerdesk.tickets.models import Ticket

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
NAMES = ("player_name", "first_name", "reference", "subject", "agent_name")


def values_for(ticket: Ticket, agent_name: str) -> dict[str, str]:
    player = ticket.player
    full = (player.full_name if player else "") or ticket.requester_name
    first = (player.first_name if player else "") or (full.split(" ")[0] if full else "")
    fallback = "joueur" if ticket.language == "fr" else "there"
    return {
        "player_name": full or fallback,
        "first_name": first or fallback,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "agent_name": agent_name,
    }


def render(text: str, ticket: Ticket, agent_name: str) -> str:
    values = values_for(ticket, agent_name)
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
