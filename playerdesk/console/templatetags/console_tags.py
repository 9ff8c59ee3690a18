"""Small display helpers of the console templates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext as _

from playerdesk.core import clock

register = template.Library()


@register.filter
def age(moment: dt.datetime | None) -> str:
    """Compact age of a case: ``12m``, ``5h``, ``3d``, ``6w``."""
    if moment is None:
        return ""
    seconds = max(0, int((clock.now() - moment).total_seconds()))
    if seconds < 3600:
        return _("%(n)sm") % {"n": max(1, seconds // 60)}
    if seconds < 86400:
        return _("%(n)sh") % {"n": seconds // 3600}
    if seconds < 86400 * 14:
        return _("%(n)sd") % {"n": seconds // 86400}
    return _("%(n)sw") % {"n": seconds // (86400 * 7)}


@register.filter
def filesize(size: Any) -> str:
    try:
        value = float(size)
    except (TypeError, ValueError):
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return ""
