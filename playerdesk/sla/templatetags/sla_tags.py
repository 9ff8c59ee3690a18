"""Template helpers of the service standards: durations, time left, published response times."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext as _

from playerdesk.core import clock
from playerdesk.sla.calendars import duration
from playerdesk.sla.standards import promise_for, published_standards

register = template.Library()


@register.filter
def sla_duration(seconds: Any) -> str:
    if seconds is None or seconds == "":
        return ""
    return duration(float(seconds), day_seconds=0)


@register.filter
def sla_left(due: dt.datetime | None) -> str:
    """Time left until ``due`` ("2 h 5 min") or how long overdue ("overdue 10 min")."""
    if due is None:
        return ""
    seconds = (due - clock.now()).total_seconds()
    if seconds < 0:
        return _("overdue %(d)s") % {"d": duration(seconds, day_seconds=0)}
    return duration(seconds, day_seconds=0)


@register.filter
def sla_overdue(due: dt.datetime | None) -> bool:
    return due is not None and due <= clock.now()


@register.inclusion_tag("sla/_published_times.html", takes_context=True)
def published_times(context: template.Context, compact: bool = False) -> dict[str, Any]:
    """The published response times (portal home, acknowledgement email)."""
    return {"standards": published_standards(), "compact": compact, "request": context.get("request")}


@register.simple_tag
def case_promise(ticket: Any) -> str:
    """The first-response promise for one case, e.g. "1 business day" (empty without a policy)."""
    return promise_for(ticket)


@register.filter
def sla_minutes(minutes: Any) -> str:
    if not minutes:
        return ""
    return duration(int(minutes) * 60, day_seconds=0)


@register.simple_tag
def standards_url() -> str:
    """Absolute address of the public service standards page (for emails)."""
    from django.conf import settings
    from django.urls import reverse

    return settings.SITE_URL + reverse("sla-standards")
