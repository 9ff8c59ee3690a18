"""The only writers of service-standard settings (policies, calendars, rules, update templates) and the
entry points other apps call: ``on_ticket_changed`` (from ``tickets.actions._save``) and ``setup_demo``.

Every change is audited. A policy is never edited in place: saving writes a new version and retires the
previous one, so cases keep the version they started under.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Max

from playerdesk.core import audit, clock
from playerdesk.core.audit import actor_label
from playerdesk.core.enums import PROVINCES
from playerdesk.core.models import Team
from playerdesk.sla.calendars import parse_hours
from playerdesk.sla.clocks import on_ticket_changed, start_case
from playerdesk.sla.models import (
    Calendar,
    CalendarInterval,
    Clock,
    Closure,
    EscalationRule,
    Policy,
    Target,
    TicketSla,
    Trigger,
    UpdateKind,
    UpdateTemplate,
)
from playerdesk.sla.sweep import sweep
from playerdesk.tickets.actions import append_event, save_case
from playerdesk.tickets.models import OPEN_STATUSES, Category, Channel, Priority, Ticket

__all__ = ["on_ticket_changed"]

User = Any
SEGMENTS = ("guest", "player")
MAX_TARGET_MINUTES = 365 * 24 * 60


class SlaError(ValueError):
    """A refused change, with a message fit to show to the person who asked."""


# ---------------------------------------------------------------- policies


@dataclass
class PolicySpec:
    name: str
    rank: int = 100
    channels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()
    segments: tuple[str, ...] = ()
    calendar: Calendar | None = None
    acknowledgement_minutes: int | None = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    update_minutes: int | None = None
    warn_percent: int = 80
    published: bool = True
    is_active: bool = True


def check_policy(spec: PolicySpec) -> None:
    if not spec.name.strip():
        raise SlaError("A policy needs a name.")
    for value in spec.channels:
        if value not in Channel.values:
            raise SlaError(f"Unknown channel: {value!r}.")
    for value in spec.categories:
        if value not in Category.values:
            raise SlaError(f"Unknown category: {value!r}.")
    for number in spec.priorities:
        if number not in Priority.values:
            raise SlaError(f"Unknown priority: {number!r}.")
    for value in spec.segments:
        if value not in SEGMENTS:
            raise SlaError(f"Unknown player segment: {value!r}.")
    for target in Target.values:
        minutes = getattr(spec, f"{target}_minutes")
        if minutes is not None and not 0 < minutes <= MAX_TARGET_MINUTES:
            raise SlaError("Targets are between 1 minute and 365 days.")
    if not 1 <= spec.warn_percent <= 99:
        raise SlaError("The warning comes between 1% and 99% of a target.")


def do_save_policy(key: str | None, spec: PolicySpec, *, actor: User) -> Policy:
    """Write a new version of the policy ``key`` (or a new policy when ``key`` is None)."""
    check_policy(spec)
    now = clock.now()
    with transaction.atomic():
        if key is None:
            from django.utils.text import slugify

            base = slugify(spec.name)[:40] or "policy"
            key, n = base, 1
            while Policy.objects.filter(key=key).exists():
                n += 1
                key = f"{base}-{n}"
            version = 1
        else:
            top = Policy.objects.select_for_update().filter(key=key).aggregate(top=Max("version"))["top"]
            if top is None:
                raise SlaError("Unknown policy.")
            Policy.objects.filter(key=key, is_current=True).update(is_current=False)
            version = top + 1
        policy = Policy.objects.create(
            key=key,
            version=version,
            is_current=True,
            is_active=spec.is_active,
            name=spec.name.strip()[:100],
            rank=spec.rank,
            channels=list(spec.channels),
            categories=list(spec.categories),
            priorities=list(spec.priorities),
            segments=list(spec.segments),
            calendar=spec.calendar,
            acknowledgement_minutes=spec.acknowledgement_minutes,
            first_response_minutes=spec.first_response_minutes,
            next_response_minutes=spec.next_response_minutes,
            resolution_minutes=spec.resolution_minutes,
            update_minutes=spec.update_minutes,
            warn_percent=spec.warn_percent,
            published=spec.published,
            created_at=now,
            created_by=actor_label(actor),
        )
        audit.record(
            "sla.policy.save",
            object_type="sla_policy",
            object_id=f"{key}:v{version}",
            user=actor,
            data={"name": policy.name, "version": version},
        )
    return policy


# ---------------------------------------------------------------- calendars


def check_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SlaError(f"Unknown time zone: {name!r}.") from exc
    return name


def do_save_calendar(
    calendar: Calendar | None,
    *,
    name: str,
    slug: str,
    time_zone: str,
    always_open: bool,
    province: str,
    observe_holidays: bool,
    hours: dict[int, str],
    team: Team | None,
    actor: User,
) -> Calendar:
    """Create or change a calendar. ``hours`` maps weekday (0 = Monday) to ``"09:00-12:00, 13:00-17:00"``.
    Due times of running clocks are recomputed from now on the next event of each case."""
    name = name.strip()[:100]
    if not name:
        raise SlaError("A calendar needs a name.")
    check_time_zone(time_zone)
    if province and province not in dict(PROVINCES):
        raise SlaError("Unknown province.")
    spans: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for weekday, text in hours.items():
        try:
            spans[weekday] = parse_hours(text)
        except ValueError as exc:
            raise SlaError(str(exc)) from exc
    if not always_open and not any(spans.values()):
        raise SlaError("Give business hours on at least one day, or make the calendar 24/7.")
    with transaction.atomic():
        others = Calendar.objects.filter(team=team)
        if calendar is not None:
            others = others.exclude(pk=calendar.pk)
        if team is not None and others.exists():
            raise SlaError("This team already has its own calendar.")
        if calendar is None:
            if Calendar.objects.filter(slug=slug).exists():
                raise SlaError("A calendar with this short name already exists.")
            calendar = Calendar(slug=slug)
        calendar.name = name
        calendar.time_zone = time_zone
        calendar.always_open = always_open
        calendar.province = province
        calendar.observe_holidays = observe_holidays
        calendar.team = team
        calendar.updated_at = clock.now()
        calendar.save()
        calendar.intervals.all().delete()
        CalendarInterval.objects.bulk_create(
            CalendarInterval(calendar=calendar, weekday=day, start=b, end=e)
            for day, items in spans.items()
            for b, e in items
        )
        audit.record("sla.calendar.save", object_type="sla_calendar", object_id=calendar.slug, user=actor)
    return calendar


def do_add_closure(calendar: Calendar, day: dt.date, name: str, *, actor: User) -> Closure:
    name = name.strip()[:100] or "Closed"
    with transaction.atomic():
        closure, _ = Closure.objects.update_or_create(calendar=calendar, date=day, defaults={"name": name})
        audit.record(
            "sla.closure.add",
            object_type="sla_calendar",
            object_id=calendar.slug,
            user=actor,
            data={"date": day.isoformat(), "name": name},
        )
    return closure


def do_remove_closure(closure: Closure, *, actor: User) -> None:
    with transaction.atomic():
        audit.record(
            "sla.closure.remove",
            object_type="sla_calendar",
            object_id=closure.calendar.slug,
            user=actor,
            data={"date": closure.date.isoformat()},
        )
        closure.delete()


# ---------------------------------------------------------------- escalation rules and templates


def do_save_rule(
    rule: EscalationRule | None,
    *,
    name: str,
    trigger: str,
    targets: list[str],
    priorities: list[int],
    raise_priority: bool,
    move_to_team: Team | None,
    assign_to: User | None,
    notify: bool,
    is_active: bool,
    rank: int,
    actor: User,
) -> EscalationRule:
    name = name.strip()[:100]
    if not name:
        raise SlaError("A rule needs a name.")
    if trigger not in Trigger.values:
        raise SlaError("Unknown trigger.")
    if any(t not in Target.values for t in targets) or any(p not in Priority.values for p in priorities):
        raise SlaError("Unknown target or priority.")
    if assign_to is not None and not hasattr(assign_to, "agent"):
        raise SlaError("Cases can only be assigned to agents.")
    with transaction.atomic():
        rule = rule or EscalationRule()
        rule.name, rule.trigger, rule.targets, rule.priorities = name, trigger, targets, priorities
        rule.raise_priority, rule.move_to_team, rule.assign_to = raise_priority, move_to_team, assign_to
        rule.notify, rule.is_active, rule.rank = notify, is_active, rank
        rule.updated_at = clock.now()
        rule.save()
        audit.record("sla.rule.save", object_type="sla_rule", object_id=str(rule.pk), user=actor)
    return rule


def do_save_update_template(
    kind: str, language: str, *, subject: str, body: str, actor: User
) -> UpdateTemplate:
    if kind not in UpdateKind.values or language not in ("en", "fr"):
        raise SlaError("Unknown template.")
    subject, body = subject.strip()[:200], body.strip()
    if not subject or not body:
        raise SlaError("A template needs a subject and a text.")
    if len(body) > 5000:
        raise SlaError("The text is too long (at most 5,000 characters).")
    with transaction.atomic():
        row, _ = UpdateTemplate.objects.update_or_create(
            kind=kind,
            language=language,
            defaults={
                "subject": subject,
                "body": body + "\n",
                "updated_at": clock.now(),
                "updated_by": actor_label(actor),
            },
        )
        audit.record(
            "sla.template.save", object_type="sla_template", object_id=f"{kind}:{language}", user=actor
        )
    return row


# ---------------------------------------------------------------- existing cases and the demo


def do_start_missing_clocks(limit: int | None = None) -> int:
    """Start clocks for open cases that have none yet (cases created before the standards existed, demo
    data). Each case starts under its current policy from now; its timeline records the start."""
    ids = Ticket.objects.filter(status__in=OPEN_STATUSES, sla__isnull=True).values_list("pk", flat=True)
    if limit is not None:
        ids = ids[:limit]
    started = 0
    for pk in list(ids):
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=pk)
            if TicketSla.objects.filter(ticket=ticket).exists():
                continue
            start_case(ticket, clock.now())
            count = Clock.objects.filter(ticket=ticket).count()
            append_event(ticket, "sla", None, {"changes": [{"change": "started", "clocks": count}]})
            save_case(ticket)
            started += 1
    return started


def setup_demo() -> int:
    """Demo desk: the default standards are installed by migration; start clocks of cases without any,
    then record the breaches of the generated history quietly (no escalation, no player email for
    cases that went overdue before the desk was started). Idempotent."""
    started = do_start_missing_clocks()
    while sweep(quiet=True).total:
        pass
    return started
