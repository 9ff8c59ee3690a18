"""Writers of desk-wide state owned by core: agent presence status."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from playerdesk.core import audit, clock, events
from playerdesk.core.models import AgentProfile, AgentStatus
from playerdesk.tickets.actions import ActionError


def do_set_agent_status(
    profile: AgentProfile, status: str, *, actor: Any = None, request: HttpRequest | None = None
) -> AgentProfile:
    """Set an agent's presence (online / away / offline), audited and pushed to connected consoles."""
    if status not in AgentStatus.values:
        raise ActionError(f"Unknown status: {status!r}.")
    with transaction.atomic():
        profile = AgentProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        previous = profile.status
        if previous == status:
            return profile
        profile.status = status
        profile.status_changed_at = clock.now()
        profile.save(update_fields=["status", "status_changed_at"])
        audit.record(
            "agent.status",
            object_type="agent",
            object_id=str(profile.pk),
            user=actor if actor is not None else profile.user,
            request=request,
            data={"from": previous, "to": status},
        )
        events.send_on_commit(
            events.DESK_GROUP,
            {"kind": "agent_status", "agent": profile.pk, "name": profile.display_name, "status": status},
        )
        from playerdesk.triage.actions import on_agent_status

        on_agent_status(profile, previous, status)  # re-offer their chats, or take waiting cases
    return profile
