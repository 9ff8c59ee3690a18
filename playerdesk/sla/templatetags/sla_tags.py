"""Template helpers of the service standards: durations, time left, published response times."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from playerdesk.core import clock

register = template.Library()


def duration(seconds: float, day_seconds: int = 24 * 3600, business: bool = False) -> str:
    """A short human duration: "3 min", "2 h 30 min", "1 business day", "5 days"."""
    seconds = abs(int(seconds))
    if seconds < 60:
        return _("%(n)s s") % {"n": seconds}
    minutes = seconds // 60
    if day_seconds and seconds >= day_seconds and seconds % day_seconds == 0:
        days = seconds // day_seconds
        if business:
            return ngettext("%(n)s business day", "%(n)s business days", days) % {"n": days}
        return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    if hours:
        return _("%(h)s h") % {"h": hours}
    return _("%(m)s min") % {"m": minutes}


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
    from playerdesk.sla.standards import published_standards

    return {"standards": published_standards(), "compact": compact, "request": context.get("request")}


@register.simple_tag
def case_promise(ticket: Any) -> str:
    """The first-response promise for one case, e.g. "1 business day" (empty without a policy)."""
    from playerdesk.sla.standards import promise_for

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
