"""Service standards: business calendars, versioned policies, per-case clocks, breaches, escalation rules
and automatic updates to the player.

A clock runs only in business time of its calendar. Its due time is stored in UTC and indexed, and is
recomputed only by the events that change it (see ``sla.clocks``); the breach sweep (``sla.sweep``) walks
the index of due times.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from playerdesk.core.enums import PROVINCES
from playerdesk.core.models import Team
from playerdesk.tickets.models import Ticket


class Target(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")
    UPDATE = "update", _("Player update")


# Targets that count for the queue's "time left" and for breaches (updates are sent, not breached).
DEADLINE_TARGETS = (Target.FIRST_RESPONSE, Target.NEXT_RESPONSE, Target.RESOLUTION)


class Calendar(models.Model):
    """Business hours in a time zone, with public holidays of Canada (and a province) and closures."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    time_zone = models.CharField(max_length=64, default="America/Toronto")
    always_open = models.BooleanField(default=False, help_text="24/7: every minute counts.")
    province = models.CharField(max_length=2, choices=PROVINCES, blank=True)
    observe_holidays = models.BooleanField(default=True)
    team = models.OneToOneField(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="sla_calendar"
    )
    is_default = models.BooleanField(default=False, help_text="Business hours of teams without their own.")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="sla_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CalendarInterval(models.Model):
    """One stretch of business hours on a weekday (0 = Monday), local time; end 00:00 means midnight."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField()
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["calendar", "weekday", "start"]


class Closure(models.Model):
    """A whole local day the calendar is closed, beyond public holidays (e.g. a company event)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="sla_closure_once")]


class Policy(models.Model):
    """One version of a service-standard policy. Editing a policy writes a new version; cases keep the
    version they started under. Targets are in minutes of the policy's calendar (business minutes)."""

    key = models.SlugField(max_length=50)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    name = models.CharField(max_length=100)
    rank = models.PositiveSmallIntegerField(default=100, help_text="Lower ranks are matched first.")
    channels = models.JSONField(default=list, blank=True, help_text="Empty: any channel.")
    categories = models.JSONField(default=list, blank=True, help_text="Empty: any category.")
    priorities = models.JSONField(default=list, blank=True, help_text="Empty: any priority.")
    segments = models.JSONField(default=list, blank=True, help_text="guest / player; empty: any.")
    calendar = models.ForeignKey(
        Calendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="Empty: the business hours of the case's team (or the default calendar).",
    )
    acknowledgement_minutes = models.PositiveIntegerField(null=True, blank=True)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    update_minutes = models.PositiveIntegerField(null=True, blank=True)
    warn_percent = models.PositiveSmallIntegerField(default=80)
    published = models.BooleanField(default=True, help_text="Listed on the public service standards page.")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["rank", "key", "-version"]
        verbose_name_plural = "policies"
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="sla_policy_version_once"),
            models.UniqueConstraint(
                fields=["key"], condition=Q(is_current=True), name="sla_policy_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def minutes_for(self, target: str) -> int | None:
        value: int | None = getattr(self, f"{target}_minutes")
        return value


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    STOPPED = "stopped", _("Stopped")


class TicketSla(models.Model):
    """The SLA summary of one case: its policy version and the nearest due time (queue column, sort)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, primary_key=True, related_name="sla")
    policy = models.ForeignKey(Policy, null=True, on_delete=models.PROTECT, related_name="+")
    next_due_at = models.DateTimeField(null=True, blank=True)
    next_target = models.CharField(max_length=20, choices=Target.choices, blank=True)
    breached = models.BooleanField(default=False)
    paused = models.BooleanField(default=False)
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["next_due_at", "ticket"], name="sla_ticket_due_idx")]


class Clock(models.Model):
    """One target of one case (a cycle: next response and updates restart with a new cycle)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_clocks")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+")
    target = models.CharField(max_length=20, choices=Target.choices)
    cycle = models.PositiveIntegerField(default=0)
    calendar = models.ForeignKey(
        Calendar, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Empty: 24/7."
    )
    state = models.CharField(max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    budget_seconds = models.PositiveIntegerField()
    # Business seconds consumed before the current running stretch (which began at running_since).
    consumed_seconds = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    running_since = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ticket", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "cycle"], name="sla_clock_cycle_once"),
        ]
        indexes = [
            # The breach sweep: running clocks not yet breached, by due time.
            models.Index(
                fields=["due_at"],
                name="sla_clock_due_idx",
                condition=Q(state="running", breached_at__isnull=True),
            ),
            models.Index(
                fields=["warn_at"],
                name="sla_clock_warn_idx",
                condition=Q(state="running", warned_at__isnull=True, breached_at__isnull=True),
            ),
            models.Index(fields=["target", "started_at"], name="sla_clock_report_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.target}#{self.cycle} of ticket {self.ticket_id}"

    @property
    def is_open(self) -> bool:
        return self.state in (ClockState.RUNNING, ClockState.PAUSED)


# What happened to a clock (``ClockEvent.change``, and the clock lines of a case's timeline), for agents.
CLOCK_CHANGES = {
    "started": _("started"),
    "paused": _("paused"),
    "resumed": _("resumed"),
    "reopened": _("reopened"),
    "recomputed": _("recomputed"),
    "warned": _("due soon"),
    "breached": _("missed"),
    "met": _("met"),
    "stopped": _("stopped"),
}


def clock_change_label(change: str) -> str:
    return str(CLOCK_CHANGES.get(change, change.replace("_", " ")))


def target_label(target: str) -> str:
    return str(Target(target).label) if target in Target.values else target.replace("_", " ")


class ClockEvent(models.Model):
    """History of a clock: started, paused, resumed, recomputed, warned, breached, met, stopped."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="history")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    change = models.CharField(max_length=20)
    due_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["ticket", "at", "id"]
        indexes = [models.Index(fields=["ticket", "at", "id"], name="sla_clockevent_ticket_idx")]

    @property
    def change_label(self) -> str:
        return clock_change_label(self.change)


class Trigger(models.TextChoices):
    WARNING = "warning", _("Warning (before due)")
    BREACH = "breach", _("Breach")


class EscalationRule(models.Model):
    """What happens when a clock warns or breaches: raise priority, move to a queue, assign, notify."""

    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    rank = models.PositiveSmallIntegerField(default=100)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.BREACH)
    targets = models.JSONField(default=list, blank=True, help_text="Empty: any target.")
    priorities = models.JSONField(default=list, blank=True, help_text="Empty: any priority.")
    raise_priority = models.BooleanField(default=False)
    move_to_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notify = models.BooleanField(default=True, help_text="Alert the assignee and the team in the console.")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rank", "id"]

    def __str__(self) -> str:
        return self.name


class BreachCause(models.TextChoices):
    NOT_TRIAGED = "not_triaged", _("No team assigned")
    UNASSIGNED = "unassigned", _("No agent assigned")
    ASSIGNEE_AWAY = "assignee_away", _("Assignee away or offline")
    IN_PROGRESS = "in_progress", _("Assigned and in progress")


class Breach(models.Model):
    """A clock passed its due time. One row per clock (the unique key makes escalation exactly-once)."""

    clock = models.OneToOneField(Clock, on_delete=models.CASCADE, related_name="breach")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_breaches")
    target = models.CharField(max_length=20, choices=Target.choices)
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    detected_at = models.DateTimeField(db_index=True)
    cause = models.CharField(max_length=20, choices=BreachCause.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assignee_label = models.CharField(max_length=120, blank=True)
    escalations = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]


class UpdateKind(models.TextChoices):
    OVERDUE = "overdue", _("The case passed its timeframe")
    INTERVAL = "interval", _("Regular update while the case is open")


class UpdateTemplate(models.Model):
    """Editable text of the automatic updates to players (defaults come from files, see ``sla.updates``)."""

    kind = models.CharField(max_length=20, choices=UpdateKind.choices)
    language = models.CharField(max_length=2)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["kind", "language"]
        constraints = [models.UniqueConstraint(fields=["kind", "language"], name="sla_update_template_once")]


class PlayerUpdate(models.Model):
    """An automatic update to the player: sent (by the channel named) or skipped (with the reason)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_updates")
    clock = models.ForeignKey(Clock, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=UpdateKind.choices)
    channel = models.CharField(max_length=10)
    language = models.CharField(max_length=2)
    sent = models.BooleanField(default=False)
    skipped_reason = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ticket", "sent", "created_at"], name="sla_update_ticket_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["clock"], condition=Q(clock__isnull=False), name="sla_update_once"
            )
        ]
