"""The published service standards, in the reader's language (public page, portal home, emails)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from playerdesk.sla.calendars import Hours, duration, format_hours
from playerdesk.sla.clocks import calendar_id_for, calendars_with_hours
from playerdesk.sla.models import Calendar, Policy, Target, TicketSla
from playerdesk.tickets.models import Category, Channel

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class Standard:
    scope: str
    always: bool
    targets: list[tuple[str, str]] = field(default_factory=list)


def target_label(target: str) -> str:
    labels: dict[str, str] = {
        Target.ACKNOWLEDGEMENT: _("Acknowledgement of your message"),
        Target.FIRST_RESPONSE: _("First answer from an agent"),
        Target.NEXT_RESPONSE: _("Answer to each of your follow-up messages"),
        Target.RESOLUTION: _("Resolution of your case"),
        Target.UPDATE: _("News on your case while we work on it, at least every"),
    }
    return labels[target]


def target_text(policy: Policy, target: str, hours: Hours) -> str:
    minutes = policy.minutes_for(target)
    if not minutes:
        return ""
    business = not hours.always_open and target != Target.ACKNOWLEDGEMENT
    text = duration(
        minutes * 60, day_seconds=hours.day_seconds() if business else 24 * 3600, business=business
    )
    if target == Target.ACKNOWLEDGEMENT:
        return _("within %(d)s, automatic") % {"d": text}
    if not business:
        return _("within %(d)s, any time, 24/7") % {"d": text}
    return _("within %(d)s (business hours)") % {"d": text}


def scope_of(policy: Policy) -> str:
    parts = []
    if policy.channels:
        parts.append(", ".join(str(Channel(c).label) for c in policy.channels if c in Channel.values))
    if policy.priorities == [1]:
        parts.append(_("urgent cases"))
    elif policy.priorities:
        parts.append(", ".join(f"P{p}" for p in policy.priorities))
    if policy.categories:
        parts.append(", ".join(str(Category(c).label) for c in policy.categories if c in Category.values))
    return " · ".join(parts) or _("All other cases")


def default_hours() -> tuple[Calendar | None, Hours]:
    calendar = calendars_with_hours().filter(is_default=True).first()
    return calendar, Hours.of(calendar)


def published_standards() -> list[Standard]:
    policies = list(
        Policy.objects.filter(is_current=True, is_active=True, published=True).order_by("rank", "id")
    )
    calendars: dict[int | None, Hours] = {}
    _default, fallback = default_hours()
    for cal in calendars_with_hours().filter(pk__in=[p.calendar_id for p in policies if p.calendar_id]):
        calendars[cal.pk] = Hours.of(cal)
    result = []
    for policy in policies:
        hours = calendars.get(policy.calendar_id, fallback) if policy.calendar_id else fallback
        standard = Standard(scope=scope_of(policy), always=hours.always_open)
        for target in Target.values:
            text = target_text(policy, target, hours)
            if text:
                standard.targets.append((target_label(target), text))
        if standard.targets:
            result.append(standard)
    return result


def business_hours_rows() -> list[dict[str, Any]]:
    calendar, hours = default_hours()
    if calendar is None or hours.always_open:
        return []
    return [
        {"day": _(name), "hours": format_hours(hours.intervals.get(i, ())) or _("Closed")}
        for i, name in enumerate(WEEKDAYS)
    ]


def default_calendar() -> Calendar | None:
    return Calendar.objects.filter(is_default=True).first()


def promise_for(ticket: Any) -> str:
    """The first-answer promise of one case (its policy version), or ""."""
    if getattr(ticket, "pk", None) is None:
        return ""
    state = TicketSla.objects.select_related("policy").filter(ticket_id=ticket.pk).first()
    if state is None or state.policy is None:
        return ""
    policy = state.policy
    calendar_id = calendar_id_for(policy, ticket)
    calendar = calendars_with_hours().filter(pk=calendar_id).first() if calendar_id else None
    return target_text(policy, Target.FIRST_RESPONSE, Hours.of(calendar))
