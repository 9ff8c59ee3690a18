"""The breach sweep: finds clocks whose stored due (or warning) time has passed, through the partial
indexes on ``due_at`` / ``warn_at``, and acts on each exactly once.

Exactly once, with any number of workers and clock jumps: each clock is claimed by a conditional update
(``breached_at IS NULL`` → now; ``warned_at IS NULL`` → now; update cycles: ``state = running`` → met)
under the case's row lock, and a breach is also a row with a unique key on its clock. A claimed clock is
never claimed again, whatever the wall clock does afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from playerdesk.core import clock, events
from playerdesk.core.audit import actor_label
from playerdesk.core.errors import ActionError
from playerdesk.sla.clocks import Engine, summarize
from playerdesk.sla.models import (
    DEADLINE_TARGETS,
    Breach,
    BreachCause,
    Clock,
    ClockEvent,
    ClockState,
    EscalationRule,
    Target,
    TicketSla,
    Trigger,
    UpdateKind,
)
from playerdesk.sla.updates import send_update
from playerdesk.tickets import actions
from playerdesk.tickets.actions import append_event, lock_case, save_case
from playerdesk.tickets.models import OPEN_STATUSES, Ticket

log = logging.getLogger(__name__)
BATCH = 2000


@dataclass
class SweepResult:
    breaches: int = 0
    warnings: int = 0
    updates: int = 0
    acknowledged: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.breaches + self.warnings + self.updates + self.acknowledged


def sweep(now: dt.datetime | None = None, *, limit: int = BATCH, quiet: bool = False) -> SweepResult:
    """One pass over due clocks and due warnings. ``quiet`` records breaches and warnings without
    escalating or writing to players (loading historical data)."""
    now = now or clock.now()
    result = SweepResult()
    rules: list[EscalationRule] | None = None
    due = list(
        Clock.objects.filter(state=ClockState.RUNNING, breached_at__isnull=True, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", "ticket_id", "target")[:limit]
    )
    if quiet:
        rules = []
    for pk, ticket_id, target in due:
        if target == Target.UPDATE and quiet:
            result.updates += _update_due(pk, ticket_id, now, inform=False)
        elif target == Target.UPDATE:
            result.updates += _update_due(pk, ticket_id, now)
        elif target == Target.ACKNOWLEDGEMENT and _acknowledged(pk, ticket_id, now):
            result.acknowledged += 1
        else:
            if rules is None:
                rules = _rules()
            result.breaches += _breach(pk, ticket_id, now, rules, inform=not quiet)
    warn = list(
        Clock.objects.filter(
            state=ClockState.RUNNING, warned_at__isnull=True, breached_at__isnull=True, warn_at__lte=now
        )
        .order_by("warn_at")
        .values_list("pk", "ticket_id")[:limit]
    )
    for pk, ticket_id in warn:
        if rules is None:
            rules = _rules()
        result.warnings += _warn(pk, ticket_id, now, rules)
    return result


def _rules() -> list[EscalationRule]:
    return list(EscalationRule.objects.filter(is_active=True).select_related("move_to_team", "assign_to"))


def cause_of(ticket: Ticket) -> str:
    if ticket.team_id is None:
        return BreachCause.NOT_TRIAGED
    if ticket.assignee_id is None:
        return BreachCause.UNASSIGNED
    agent = getattr(ticket.assignee, "agent", None)
    if agent is not None and agent.status != "online":
        return BreachCause.ASSIGNEE_AWAY
    return BreachCause.IN_PROGRESS


def _breach(
    pk: int, ticket_id: int, now: dt.datetime, rules: list[EscalationRule], inform: bool = True
) -> int:
    with transaction.atomic():
        ticket = lock_case(ticket_id)
        claimed = Clock.objects.filter(
            pk=pk, state=ClockState.RUNNING, breached_at__isnull=True, due_at__lte=now
        ).update(breached_at=now)
        if not claimed:
            return 0
        c = Clock.objects.select_related("policy").get(pk=pk)
        assert c.due_at is not None  # noqa: S101 - a claimed clock had a due time
        cause = cause_of(ticket)
        breach = Breach.objects.create(
            clock=c,
            ticket=ticket,
            target=c.target,
            policy=c.policy,
            due_at=c.due_at,
            detected_at=now,
            cause=cause,
            team_id=ticket.team_id,
            assignee_label=actor_label(ticket.assignee) if ticket.assignee_id else "",
        )
        ClockEvent.objects.create(clock=c, ticket=ticket, at=now, change="breached", due_at=c.due_at)
        TicketSla.objects.filter(ticket=ticket).update(breached=True)
        append_event(
            ticket,
            "sla_breach",
            None,
            {"target": c.target, "cycle": c.cycle, "due": c.due_at.isoformat(), "cause": cause},
        )
        save_case(ticket)
        applied = escalate(ticket, c, Trigger.BREACH, rules)
        if applied:
            breach.escalations = applied
            breach.save(update_fields=["escalations"])
        if inform and c.target in DEADLINE_TARGETS:
            ticket = lock_case(ticket_id)
            send_update(ticket, c, UpdateKind.OVERDUE)
            save_case(ticket)
    return 1


def _warn(pk: int, ticket_id: int, now: dt.datetime, rules: list[EscalationRule]) -> int:
    with transaction.atomic():
        ticket = lock_case(ticket_id)
        claimed = Clock.objects.filter(
            pk=pk,
            state=ClockState.RUNNING,
            warned_at__isnull=True,
            breached_at__isnull=True,
            warn_at__lte=now,
        ).update(warned_at=now)
        if not claimed:
            return 0
        c = Clock.objects.get(pk=pk)
        ClockEvent.objects.create(clock=c, ticket=ticket, at=now, change="warned", due_at=c.due_at)
        append_event(
            ticket,
            "sla_warning",
            None,
            {"target": c.target, "cycle": c.cycle, "due": c.due_at.isoformat() if c.due_at else None},
        )
        save_case(ticket)
        escalate(ticket, c, Trigger.WARNING, rules)
    return 1


def _acknowledged(pk: int, ticket_id: int, now: dt.datetime) -> bool:
    """The acknowledgement target is met once the case records its automatic acknowledgement."""
    sent = Ticket.objects.filter(pk=ticket_id).values_list("acknowledged_at", flat=True).first()
    if sent is None:
        return False
    with transaction.atomic():
        ticket = lock_case(ticket_id)
        c = Clock.objects.select_related("policy").filter(pk=pk, state=ClockState.RUNNING).first()
        if c is None:
            return False
        engine = Engine(ticket, now)
        engine.meet(c, max(sent, c.started_at))
        engine.flush(timeline=False)
    return True


def _update_due(pk: int, ticket_id: int, now: dt.datetime, inform: bool = True) -> int:
    """An update interval passed: tell the player (unless a rule says not to), start the next interval."""
    with transaction.atomic():
        ticket = lock_case(ticket_id)
        c = Clock.objects.select_related("policy").filter(pk=pk, state=ClockState.RUNNING).first()
        if c is None or c.due_at is None or c.due_at > now:
            return 0
        engine = Engine(ticket, now)
        engine.meet(c, now)
        claimed = Clock.objects.filter(pk=pk, state=ClockState.RUNNING).update(
            state=ClockState.MET, met_at=now
        )
        if not claimed:
            return 0
        engine.changed.pop(c.pk, None)  # already written by the claim
        sent = send_update(ticket, c, UpdateKind.INTERVAL).sent if inform else True
        if ticket.status in OPEN_STATUSES:
            engine.start(c.policy, Target.UPDATE, c.cycle + 1, now)
        engine.flush(timeline=False)
        save_case(ticket)
    return 1 if sent else 0


# ---------------------------------------------------------------- escalation rules


def rule_matches(rule: EscalationRule, c: Clock, ticket: Ticket, trigger: str) -> bool:
    return (
        rule.trigger == trigger
        and (not rule.targets or c.target in rule.targets)
        and (not rule.priorities or int(ticket.priority) in rule.priorities)
    )


def escalate(ticket: Ticket, c: Clock, trigger: str, rules: list[EscalationRule]) -> list[str]:
    """Apply the matching rules through the case actions (each writes its own timeline event)."""
    applied: list[str] = []
    label = Target(c.target).label
    fresh = ticket  # written by the caller; each action below re-reads it under its lock
    for rule in rules:
        if not rule_matches(rule, c, ticket, trigger):
            continue
        reason = f"{rule.name} ({label})"
        if rule.raise_priority and fresh.priority > 1:
            fresh = actions.do_change_priority(fresh, fresh.priority - 1, actor=None, reason=reason)
        if rule.move_to_team_id and fresh.team_id != rule.move_to_team_id:
            # A self-excluded player's case stays with responsible gambling: the move is refused.
            with contextlib.suppress(ActionError):
                fresh = actions.do_change_team(fresh, rule.move_to_team, actor=None, reason=reason)
        if rule.assign_to_id and fresh.assignee_id != rule.assign_to_id:
            fresh = actions.do_assign(fresh, rule.assign_to, actor=None, reason=reason)
        if rule.notify:
            payload = {
                "kind": "sla",
                "level": trigger,
                "id": ticket.pk,
                "reference": ticket.reference,
                "target": c.target,
                "team": fresh.team_id,
                "assignee": fresh.assignee_id,
            }
            events.send_on_commit(events.DESK_GROUP, payload)
            events.send_on_commit(events.ticket_group(ticket.pk), payload)
        applied.append(rule.name)
    return applied


def refresh(ticket: Ticket) -> None:
    """Recompute the stored summary of a case from its clocks (after an out-of-band change)."""
    clocks = list(Clock.objects.filter(ticket=ticket).select_related("policy"))
    state = TicketSla.objects.filter(ticket=ticket).select_related("policy").first()
    summarize(ticket, clocks, state.policy if state else None, clock.now())
