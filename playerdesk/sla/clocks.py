"""Clocks of a case: started, paused, resumed, re-based and stopped by the events that change them.

``on_ticket_changed`` is called by ``tickets.actions._save`` for every case change, inside the action's
transaction and under its row lock, before the ticket row is written. It returns at once (no query) when
none of the changed fields can move a due time. Clock changes become ``sla`` timeline events of the case
(appended to the same hash chain) and ``ClockEvent`` history rows; due times are stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Max, Prefetch, Q

from playerdesk.core import clock
from playerdesk.sla.calendars import Hours
from playerdesk.sla.models import (
    DEADLINE_TARGETS,
    Calendar,
    CalendarInterval,
    Clock,
    ClockEvent,
    ClockState,
    Policy,
    Target,
    TicketSla,
)
from playerdesk.tickets.actions import append_event
from playerdesk.tickets.models import OPEN_STATUSES, Message, MessageKind, Status, Ticket

# Fields whose change can move a due time. Anything else (tags, assignee, language…) costs nothing here.
RELEVANT = frozenset(
    {
        "message_count",
        "status",
        "priority",
        "category",
        "channel",
        "team",
        "first_response_at",
        "solved_at",
        "closed_at",
        "last_player_message_at",
        "acknowledged_at",
    }
)
REMATCH = frozenset({"priority", "category", "channel"})
OPEN_STATES = (ClockState.RUNNING, ClockState.PAUSED)
# Targets a case starts with; next response starts on each player message after the first response.
START_TARGETS = (Target.ACKNOWLEDGEMENT, Target.FIRST_RESPONSE, Target.RESOLUTION, Target.UPDATE)


def runs_in(target: str, status: str) -> bool:
    """Does this target's clock run while the case has this status?"""
    if status not in OPEN_STATUSES:
        return False
    if target == Target.UPDATE:  # the desk still owes the player news while a third party works
        return status != Status.WAITING_PLAYER
    return status not in (Status.WAITING_PLAYER, Status.WAITING_THIRD_PARTY)


def segment_of(ticket: Ticket) -> str:
    return "player" if ticket.player_id else "guest"


# ---------------------------------------------------------------- policies and calendars


def current_policies() -> list[Policy]:
    return list(Policy.objects.filter(is_current=True, is_active=True).order_by("rank", "id"))


def policy_matches(policy: Policy, ticket: Ticket) -> bool:
    return (
        (not policy.channels or ticket.channel in policy.channels)
        and (not policy.categories or ticket.category in policy.categories)
        and (not policy.priorities or int(ticket.priority) in policy.priorities)
        and (not policy.segments or segment_of(ticket) in policy.segments)
    )


def match_policy(ticket: Ticket, policies: Iterable[Policy] | None = None) -> Policy | None:
    for policy in current_policies() if policies is None else policies:
        if policy_matches(policy, ticket):
            return policy
    return None


def calendars_with_hours() -> Any:
    return Calendar.objects.prefetch_related(
        Prefetch("intervals", queryset=CalendarInterval.objects.order_by("weekday", "start")), "closures"
    )


def calendar_id_for(policy: Policy, ticket: Ticket) -> int | None:
    """The calendar a policy's targets run in for this case (None: 24/7)."""
    if policy.calendar_id:
        return policy.calendar_id
    found = (
        Calendar.objects.filter(Q(team_id=ticket.team_id) | Q(is_default=True))
        .order_by("is_default")
        .values_list("pk", "team_id")
        .first()
        if ticket.team_id
        else Calendar.objects.filter(is_default=True).values_list("pk", "team_id").first()
    )
    return found[0] if found else None


class HoursCache:
    """Calendars loaded once per operation (a few queries), then pure computation."""

    def __init__(self) -> None:
        self._loaded: dict[int | None, Hours] = {None: Hours.always()}

    def get(self, calendar_id: int | None) -> Hours:
        if calendar_id not in self._loaded:
            calendar = calendars_with_hours().filter(pk=calendar_id).first()
            self._loaded[calendar_id] = Hours.of(calendar)
        return self._loaded[calendar_id]


# ---------------------------------------------------------------- the engine


class Engine:
    """Changes to the clocks of one case, collected then written at once by ``flush``."""

    def __init__(self, ticket: Ticket, now: dt.datetime, hours: HoursCache | None = None) -> None:
        self.ticket = ticket
        self.now = now
        self.hours = hours or HoursCache()
        self.changed: dict[int, Clock] = {}
        self.created: list[Clock] = []
        self.history: list[tuple[Clock, str, dict[str, Any]]] = []
        self._calendar_ids: dict[int, int | None] = {}

    def calendar_id(self, policy: Policy, target: str) -> int | None:
        if target == Target.ACKNOWLEDGEMENT:  # "within 24 hours" is wall-clock time
            return None
        if policy.pk not in self._calendar_ids:
            self._calendar_ids[policy.pk] = calendar_id_for(policy, self.ticket)
        return self._calendar_ids[policy.pk]

    # -- single clock operations

    def _h(self, c: Clock) -> Hours:
        return self.hours.get(c.calendar_id)

    def _schedule(self, c: Clock, at: dt.datetime) -> None:
        """Due and warning times of a running clock from ``at`` (its running stretch starts there)."""
        hours = self._h(c)
        c.running_since = at
        remaining = c.budget_seconds - c.consumed_seconds
        c.due_at = hours.add(at, remaining) if remaining > 0 else at
        c.warn_at = None
        if c.target in DEADLINE_TARGETS and c.warned_at is None and c.breached_at is None:
            warn_budget = c.budget_seconds * c.policy.warn_percent / 100 - c.consumed_seconds
            c.warn_at = hours.add(at, warn_budget) if warn_budget > 0 else at

    def _settle(self, c: Clock, at: dt.datetime) -> None:
        """Count the running stretch into ``consumed_seconds``."""
        if c.state == ClockState.RUNNING and c.running_since is not None:
            spent = self._h(c).between(c.running_since, max(at, c.running_since))
            c.consumed_seconds = int(round(c.consumed_seconds + spent))
            c.running_since = at

    def _touch(self, c: Clock, change: str, **data: Any) -> None:
        if c.pk:
            self.changed[c.pk] = c
        self.history.append((c, change, data))

    def start(self, policy: Policy, target: str, cycle: int, at: dt.datetime) -> Clock | None:
        minutes = policy.minutes_for(target)
        if not minutes:
            return None
        calendar_id = self.calendar_id(policy, target)
        c = Clock(
            ticket=self.ticket,
            policy=policy,
            target=target,
            cycle=cycle,
            calendar_id=calendar_id,
            budget_seconds=minutes * 60,
            started_at=at,
        )
        if runs_in(target, self.ticket.status):
            c.state = ClockState.RUNNING
            self._schedule(c, at)
        else:
            c.state = ClockState.PAUSED
        self.created.append(c)
        self.history.append((c, "started", {"policy": f"{policy.key} v{policy.version}"}))
        return c

    def pause(self, c: Clock, at: dt.datetime) -> None:
        self._settle(c, at)
        c.state = ClockState.PAUSED
        c.running_since = c.due_at = c.warn_at = None
        self._touch(c, "paused", status=self.ticket.status)

    def resume(self, c: Clock, at: dt.datetime, change: str = "resumed") -> None:
        c.state = ClockState.RUNNING
        c.met_at = c.stopped_at = None
        self._schedule(c, at)
        self._touch(c, change)

    def meet(self, c: Clock, at: dt.datetime) -> None:
        self._settle(c, at)
        c.state = ClockState.MET
        c.met_at = at
        c.running_since = c.warn_at = None
        self._touch(c, "met")

    def stop(self, c: Clock, at: dt.datetime, reason: str) -> None:
        self._settle(c, at)
        c.state = ClockState.STOPPED
        c.stopped_at = at
        c.running_since = c.warn_at = None
        self._touch(c, "stopped", reason=reason)

    def rebase(self, c: Clock, policy: Policy, at: dt.datetime) -> None:
        """Move a clock to another policy version and/or calendar, keeping the time already spent."""
        minutes = policy.minutes_for(c.target)
        if not minutes:
            self.stop(c, at, "no_target")
            return
        calendar_id = self.calendar_id(policy, c.target)
        budget = minutes * 60
        if (c.policy_id, c.calendar_id, c.budget_seconds) == (policy.pk, calendar_id, budget):
            return
        self._settle(c, at)
        c.policy, c.calendar_id, c.budget_seconds = policy, calendar_id, budget
        if c.state == ClockState.RUNNING:
            self._schedule(c, at)
        self._touch(c, "recomputed", policy=f"{policy.key} v{policy.version}", budget=budget)

    # -- writing

    def flush(self, *, timeline: bool = True) -> list[dict[str, Any]]:
        """Write the changes; returns them as timeline data (and appends the event when asked)."""
        if self.created:
            Clock.objects.bulk_create(self.created)
        if self.changed:
            Clock.objects.bulk_update(
                list(self.changed.values()),
                [
                    "policy",
                    "calendar",
                    "state",
                    "budget_seconds",
                    "consumed_seconds",
                    "running_since",
                    "due_at",
                    "warn_at",
                    "met_at",
                    "stopped_at",
                ],
            )
        changes = [
            {"target": c.target, "cycle": c.cycle, "change": change, "due": _iso(c.due_at)}
            for c, change, _data in self.history
        ]
        if self.history:
            ClockEvent.objects.bulk_create(
                [
                    ClockEvent(
                        clock=c, ticket=self.ticket, at=self.now, change=change, due_at=c.due_at, data=data
                    )
                    for c, change, data in self.history
                ]
            )
            if timeline:
                append_event(self.ticket, "sla", None, {"changes": changes})
        return changes


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def summarize(ticket: Ticket, clocks: Iterable[Clock], policy: Policy | None, now: dt.datetime) -> None:
    """Store the case's nearest due time and flags (one upsert)."""
    deadline = [c for c in clocks if c.target in DEADLINE_TARGETS and c.state in OPEN_STATES]
    running = [c for c in deadline if c.state == ClockState.RUNNING and c.due_at is not None]
    nearest = min(running, key=lambda c: c.due_at) if running else None  # type: ignore[arg-type,return-value]
    TicketSla.objects.update_or_create(
        ticket=ticket,
        defaults={
            "policy": policy,
            "next_due_at": nearest.due_at if nearest else None,
            "next_target": nearest.target if nearest else "",
            "breached": any(c.breached_at is not None for c in deadline),
            "paused": bool(deadline) and not running,
            "updated_at": now,
        },
    )


# ---------------------------------------------------------------- the hook


def on_ticket_changed(ticket: Ticket, fields: Iterable[str]) -> None:
    """Bring the case's clocks in line with a change (see the module docstring)."""
    changed = set(fields) & RELEVANT
    if not changed:
        return
    now = clock.now()
    kind = ""
    at = now
    if "message_count" in changed:
        last = Message.objects.filter(ticket=ticket).order_by("-id").values("kind", "created_at").first()
        if last is not None:
            kind, at = last["kind"], last["created_at"]
        if kind == MessageKind.NOTE and changed == {"message_count"}:
            return
    state = TicketSla.objects.select_related("policy").filter(ticket=ticket).first()
    if state is None:
        start_case(ticket, now)
        return
    clocks = list(
        Clock.objects.filter(ticket=ticket)
        .filter(Q(state__in=OPEN_STATES) | Q(target=Target.RESOLUTION))
        .select_related("policy")
    )
    engine = Engine(ticket, now)
    policy = state.policy
    if changed & REMATCH or ("team" in changed and policy is not None and not policy.calendar_id):
        policy = _rematch(engine, ticket, policy, clocks)
    if "acknowledged_at" in changed and ticket.acknowledged_at is not None:
        _acknowledged(engine, clocks, ticket.acknowledged_at)
    if kind == MessageKind.OUTBOUND:
        _agent_replied(engine, policy, clocks, at)
    elif kind == MessageKind.INBOUND and policy is not None:
        _player_wrote(engine, policy, clocks, at)
    _follow_status(engine, clocks, now)
    if engine.history:
        engine.flush()
        summarize(ticket, [*clocks, *engine.created], policy, now)
    elif policy != state.policy:
        summarize(ticket, clocks, policy, now)


def start_case(ticket: Ticket, now: dt.datetime) -> None:
    if ticket.status not in OPEN_STATUSES:
        return
    policy = match_policy(ticket)
    engine = Engine(ticket, now)
    if policy is not None:
        start = ticket.received_at if ticket.message_count <= 1 else now
        for target in START_TARGETS:
            if target == Target.FIRST_RESPONSE and ticket.first_response_at is not None:
                continue
            engine.start(policy, target, 0, start)
        if ticket.acknowledged_at is not None:
            _acknowledged(engine, engine.created, ticket.acknowledged_at)
        # The clocks start with the case itself: their history is enough, the "created" event says when.
        engine.flush(timeline=False)
    summarize(ticket, engine.created, policy, now)


def _rematch(engine: Engine, ticket: Ticket, policy: Policy | None, clocks: list[Clock]) -> Policy | None:
    """Priority, category or channel changed: the case may fall under another policy. The same policy
    keeps the version the case started under; another policy applies in its current version."""
    matched = match_policy(ticket)
    if matched is None:
        return policy
    if policy is not None and matched.key == policy.key:
        matched = policy
    for c in clocks:
        if c.state in OPEN_STATES:
            engine.rebase(c, matched, engine.now)
    return matched


def _next_cycle(ticket: Ticket, target: str) -> int:
    top = Clock.objects.filter(ticket=ticket, target=target).aggregate(top=Max("cycle"))["top"]
    return 0 if top is None else top + 1


def _acknowledged(engine: Engine, clocks: list[Clock], at: dt.datetime) -> None:
    """The automatic acknowledgement went out (intake): its target is met."""
    for c in clocks:
        if c.target == Target.ACKNOWLEDGEMENT and c.state in OPEN_STATES:
            engine.meet(c, max(at, c.started_at))


def _agent_replied(engine: Engine, policy: Policy | None, clocks: list[Clock], at: dt.datetime) -> None:
    for c in clocks:
        if c.state not in OPEN_STATES:
            continue
        if c.target in (Target.FIRST_RESPONSE, Target.NEXT_RESPONSE, Target.ACKNOWLEDGEMENT):
            engine.meet(c, at)
        elif c.target == Target.UPDATE:
            engine.meet(c, at)  # a reply is news for the player: the update interval starts again
    if policy is not None and policy.update_minutes and engine.ticket.status in OPEN_STATUSES:
        engine.start(policy, Target.UPDATE, _next_cycle(engine.ticket, Target.UPDATE), at)


def _player_wrote(engine: Engine, policy: Policy, clocks: list[Clock], at: dt.datetime) -> None:
    if engine.ticket.first_response_at is None:
        return  # the first response clock is still waiting for the desk's first answer
    if any(c.target == Target.NEXT_RESPONSE and c.state in OPEN_STATES for c in clocks):
        return
    engine.start(policy, Target.NEXT_RESPONSE, _next_cycle(engine.ticket, Target.NEXT_RESPONSE), at)


def _follow_status(engine: Engine, clocks: list[Clock], now: dt.datetime) -> None:
    """Pause, resume, meet or stop each clock so that it matches the case's status."""
    ticket = engine.ticket
    status = ticket.status
    for c in clocks:
        if c.target == Target.RESOLUTION:
            if status == Status.SOLVED and c.state in OPEN_STATES:
                engine.meet(c, ticket.solved_at or now)
                continue
            if c.state == ClockState.MET and status in OPEN_STATUSES and ticket.solved_at is None:
                if runs_in(c.target, status):
                    engine.resume(c, now, "reopened")
                else:
                    c.state = ClockState.PAUSED
                    c.met_at = None
                    engine._touch(c, "reopened")
                continue
        if c.state not in OPEN_STATES:
            continue
        if status not in OPEN_STATUSES:
            engine.stop(c, now, status)
        elif runs_in(c.target, status) and c.state == ClockState.PAUSED:
            engine.resume(c, now)
        elif not runs_in(c.target, status) and c.state == ClockState.RUNNING:
            engine.pause(c, now)
