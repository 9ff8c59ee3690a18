from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from playerdesk.core import clock
from playerdesk.core.models import AuditLog


def actor_label(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "system"
    agent = getattr(user, "agent", None)
    return agent.display_name if agent is not None else user.get_username()


def record(
    action: str,
    *,
    object_type: str,
    object_id: str,
    user: Any = None,
    request: HttpRequest | None = None,
    label: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Write one audit row. Callers run inside the transaction of the change they record."""
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    return AuditLog.objects.create(
        created_at=clock.now(),
        actor=user if getattr(user, "is_authenticated", False) else None,
        actor_label=label or actor_label(user),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        ip=ip or None,
        data=data or {},
    )
