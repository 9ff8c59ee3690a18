"""Demo desk: the team map, assignment modes, agent capacities and entry points (idempotent)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from playerdesk.core.models import AgentProfile, Team
from playerdesk.tickets.models import Message, MessageKind, Ticket
from playerdesk.triage import actions
from playerdesk.triage.models import AgentRouting, EntryPoint, TeamRoute, TeamRouting, TriageDecision

ROUTES = {
    "account": "account",
    "payments": "payments",
    "verification": "verification",
    "technical": "technical",
    "responsible_gambling": "responsible-gambling",
    "bonus": "general",
    "general": "general",
}
MODES = {
    "account": ("round_robin", 15),
    "payments": ("least_loaded", 10),
    "verification": ("manual", 60),
    "technical": ("round_robin", 15),
    "responsible-gambling": ("least_loaded", 5),
    "general": ("manual", 30),
}


def setup_demo() -> None:
    """Map categories to the demo teams, set assignment modes and capacities, add the verification
    address and a French widget; record a triage decision for demo cases that have none."""
    teams = {t.slug: t for t in Team.objects.all()}
    with transaction.atomic():
        for category, slug in ROUTES.items():
            if slug in teams and not TeamRoute.objects.filter(category=category).exists():
                actions.do_set_team_route(category, teams[slug], actor=None)
        for slug, (mode, minutes) in MODES.items():
            if slug in teams and not TeamRouting.objects.filter(team=teams[slug]).exists():
                TeamRouting.objects.create(team=teams[slug], mode=mode, alert_after_minutes=minutes)
        for profile in AgentProfile.objects.filter(routing__isnull=True):
            AgentRouting.objects.create(agent=profile, capacity=10 if profile.role == "agent" else 5)
        from django.conf import settings

        if "verification" in teams:
            key = f"verification@{settings.MAIL_DOMAIN}"
            if not EntryPoint.objects.filter(kind="address", key=key).exists():
                actions.do_set_entry_point(
                    kind="address", key=key, team=teams["verification"], category="verification", actor=None
                )
        if not EntryPoint.objects.filter(kind="widget", key="lobby-fr").exists():
            actions.do_set_entry_point(kind="widget", key="lobby-fr", language="fr", actor=None)
    record_decisions()


def record_decisions(batch: int = 500) -> int:
    """Demo cases are created with their topic's category: record what triage says about each, so the
    case panel shows reasons and disagreements stand out (nothing about the case changes)."""
    done = 0
    while True:
        ids = list(
            Ticket.objects.filter(triage__isnull=True).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return done
        firsts: dict[int, str] = {}
        for ticket_id, body in (
            Message.objects.filter(ticket_id__in=ids, kind=MessageKind.INBOUND)
            .order_by("ticket_id", "created_at", "id")
            .values_list("ticket_id", "body_text")
        ):
            firsts.setdefault(ticket_id, body)
        rows: list[Any] = []
        for ticket in Ticket.objects.filter(pk__in=ids).select_related("player"):
            result = actions.triage_text(
                ticket.subject,
                firsts.get(ticket.pk, ""),
                player_locale=ticket.player.locale if ticket.player else "",
            )
            reasons = list(result.reasons)
            if result.category != ticket.category:
                reasons.append(f"Filed as {ticket.category} when the case was opened.")
            rows.append(
                TriageDecision(
                    ticket=ticket,
                    language=result.language,
                    language_confidence=result.language_confidence,
                    category=result.category,
                    category_confidence=result.category_confidence,
                    priority=result.priority,
                    team_id=ticket.team_id,
                    reasons=reasons,
                    summary=result.summary[:255],
                    model_version=result.model_version[:40],
                    state="assigned" if ticket.assignee_id else ("manual" if ticket.team_id else "unrouted"),
                    created_at=ticket.received_at,
                )
            )
        TriageDecision.objects.bulk_create(rows, ignore_conflicts=True)
        done += len(rows)
