"""Writers of triage state: the decision on each new case, assignment to an agent, re-offers when an agent
leaves, supervisor alerts, configuration changes and training. Changes to a case itself go through
``tickets.actions`` (assignment, timeline events)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q

from playerdesk.core import audit, clock, events
from playerdesk.core.enums import Language
from playerdesk.core.errors import ActionError
from playerdesk.core.models import AgentProfile, AgentStatus, Role, Team
from playerdesk.core.text import clean_line
from playerdesk.tickets import actions as ticket_actions
from playerdesk.tickets.models import Category, Channel, Message, MessageKind, Priority, Status, Ticket
from playerdesk.triage import config as triage_config
from playerdesk.triage.classifier import NaiveBayes
from playerdesk.triage.engine import TriageResult, triage
from playerdesk.triage.models import (
    AgentRouting,
    AssignmentMode,
    AssignmentState,
    CategoryRule,
    EntryKind,
    EntryPoint,
    PriorityRule,
    PriorityRuleKind,
    RuleKind,
    TeamRoute,
    TeamRouting,
    TrainedModel,
    TriageDecision,
    TriageSettings,
)

User = Any
# Cases an agent is working: assigned and not waiting on someone else.
ACTIVE_STATUSES = (Status.NEW, Status.OPEN)


# ---------------------------------------------------------------- triage of a new case


def triage_text(
    subject: str,
    body: str,
    *,
    player_locale: str = "",
    entry_point: str = "",
    language_hint: str = "",
    category_hint: str = "",
    email: str = "",
    language: str | None = None,
    category: str | None = None,
    priority: int | None = None,
    team_id: int | None = None,
) -> TriageResult:
    """What triage decides for a message (no write). ``entry_point``: "address:<email>" or "widget:<key>";
    ``language_hint``: the language of the page, widget or address it came through (weighs in like an
    entry point's language); ``category_hint``: the topic the player chose (weighs in when the text is
    not conclusive); ``language``…``team_id``: values the caller fixed, kept and noted."""
    config = triage_config.load_config()
    recent = 0
    if email and config.needs_history:
        window = max(r.window_days for r in config.priority_rules if r.kind == "repeat")
        recent = Ticket.objects.filter(
            requester_email=email, received_at__gte=clock.now() - timedelta(days=window)
        ).count()
    return triage(
        config,
        subject=subject,
        body=body,
        player_locale=player_locale,
        entry_point=entry_point,
        language_hint=language_hint,
        category_hint=category_hint,
        recent_cases=recent,
        fixed_language=language,
        fixed_category=category,
        fixed_priority=priority,
        fixed_team_id=team_id,
    )


def do_record_decision(ticket: Ticket, result: TriageResult, assignment: Assignment) -> TriageDecision:
    """Store what triage decided for a case just opened (inside its transaction): the decision, its
    reasons and what became of the assignment."""
    now = clock.now()
    return TriageDecision.objects.create(
        ticket=ticket,
        language=result.language,
        language_confidence=result.language_confidence,
        category=result.category,
        category_confidence=result.category_confidence,
        priority=result.priority,
        team_id=ticket.team_id,
        reasons=result.reasons,
        summary=result.summary[:255],
        model_version=result.model_version[:40],
        state=assignment.state,
        state_reason=assignment.reason[:255],
        waiting_since=now if assignment.state == AssignmentState.WAITING else None,
        created_at=now,
    )


# ---------------------------------------------------------------- eligibility and assignment


@dataclass
class Candidate:
    profile: AgentProfile
    routing: AgentRouting
    load: int


def _agent_languages(profile: AgentProfile) -> set[str]:
    return {str(x).lower() for x in [*(profile.languages or []), *(profile.skills or [])]}


def needed_skills(team: Team | None, language: str) -> set[str]:
    skills = {str(s).lower() for s in (team.skills if team is not None else []) or []}
    if language == Language.FR:
        skills.add("fr")
    return skills


def eligible(profile: AgentProfile, team: Team | None, language: str) -> tuple[bool, str]:
    """(may take the case, why not)."""
    if profile.status != AgentStatus.ONLINE:
        return False, "not online"
    have = _agent_languages(profile)
    if language == Language.FR and "fr" not in have:
        return False, "does not answer in French"
    missing = needed_skills(team, language) - have - {"fr"}
    if missing:
        return False, "lacks skill " + ", ".join(sorted(missing))
    return True, ""


def _loads(user_ids: Sequence[int]) -> dict[int, int]:
    rows = (
        Ticket.objects.filter(assignee_id__in=user_ids, status__in=ACTIVE_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return {row["assignee_id"]: row["n"] for row in rows}


def _team_routing(team: Team) -> TeamRouting:
    routing = TeamRouting.objects.filter(team=team).first()
    return routing if routing is not None else TeamRouting(team=team)


def _waiting_reason(team: Team, language: str, members: list[AgentProfile], full: list[Candidate]) -> str:
    if not members:
        return f"{team.name} has no agents."
    online = [m for m in members if m.status == AgentStatus.ONLINE]
    if not online:
        return f"No agent of {team.name} is online."
    if language == Language.FR and not any("fr" in _agent_languages(m) for m in online):
        return f"No online agent of {team.name} answers in French."
    skills = needed_skills(team, language) - {"fr"}
    if skills and not any(skills <= _agent_languages(m) for m in online):
        return f"No online agent of {team.name} has the skills {', '.join(sorted(skills))}."
    if full:
        return (
            "Every eligible agent is at capacity ("
            + ", ".join(f"{c.profile.display_name} {c.load}/{c.routing.capacity}" for c in full[:4])
            + ")."
        )
    return "No eligible agent."


@dataclass(frozen=True)
class Assignment:
    """Who takes a case: ``user`` (None: nobody now), the decision's state and the reason shown to
    agents, and ``why`` for the case's timeline when someone was chosen."""

    user: Any
    state: str
    reason: str
    why: str = ""


def choose_agent(team: Team | None, language: str, *, exclude_user_id: int | None = None) -> Assignment:
    """Pick an eligible agent of ``team`` for a case in ``language`` by the team's mode, or say why nobody.

    Concurrency: the team's routing row, then the candidates' routing rows (in id order) are locked before
    loads are counted, so two workers never push an agent over capacity; the chosen agent's turn moves
    on in the same transaction."""
    if team is None:
        return Assignment(None, AssignmentState.UNROUTED, "No team is mapped to this category.")
    routing = _team_routing(team)
    if routing.pk is not None:
        routing = TeamRouting.objects.select_for_update().get(pk=routing.pk)
    if routing.mode == AssignmentMode.MANUAL:
        return Assignment(None, AssignmentState.MANUAL, f"{team.name} assigns cases by hand.")
    members = list(
        AgentProfile.objects.filter(teams=team, user__is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR])
        .select_related("user")
        .order_by("pk")
    )
    fit = [m for m in members if eligible(m, team, language)[0] and m.user_id != exclude_user_id]
    AgentRouting.objects.bulk_create([AgentRouting(agent=m) for m in fit], ignore_conflicts=True)
    routings = {
        r.agent_id: r
        for r in AgentRouting.objects.select_for_update()
        .filter(agent_id__in=[m.pk for m in fit])
        .order_by("agent_id")
    }
    loads = _loads([m.user_id for m in fit])
    candidates = [Candidate(m, routings[m.pk], loads.get(m.user_id, 0)) for m in fit if m.pk in routings]
    free = [c for c in candidates if c.load < c.routing.capacity]
    if not free:
        full = [c for c in candidates if c.load >= c.routing.capacity]
        return Assignment(None, AssignmentState.WAITING, _waiting_reason(team, language, members, full))
    if routing.mode == AssignmentMode.LEAST_LOADED:
        chosen = min(
            free,
            key=lambda c: (c.load / max(1, c.routing.capacity), c.load, c.routing.turn, c.profile.pk),
        )
        why = f"least loaded in {team.name} ({chosen.load}/{chosen.routing.capacity} open cases)"
    else:
        chosen = min(free, key=lambda c: (c.routing.turn, c.profile.pk))
        why = f"round robin in {team.name}"
    turn = max((c.routing.turn for c in candidates), default=0) + 1
    AgentRouting.objects.filter(pk=chosen.routing.pk).update(
        turn=turn, last_assigned_at=clock.now(), assigned_count=F("assigned_count") + 1
    )
    return Assignment(
        chosen.profile.user,
        AssignmentState.ASSIGNED,
        f"Assigned to {chosen.profile.display_name}: {why}.",
        why,
    )


def assign_case(ticket_id: int, *, exclude_user_id: int | None = None) -> TriageDecision | None:
    """Give an unassigned case to an eligible agent of its team by the team's mode, or record why not.
    The case row is locked first, then the routing rows (``choose_agent``)."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("team").get(pk=ticket_id)
        decision = TriageDecision.objects.filter(ticket_id=ticket.pk).first()
        if decision is None:
            return None
        if ticket.assignee_id is not None or ticket.status not in ACTIVE_STATUSES:
            return _set_state(
                decision, AssignmentState.ASSIGNED if ticket.assignee_id else decision.state, ""
            )
        choice = choose_agent(ticket.team, ticket.language, exclude_user_id=exclude_user_id)
        if choice.user is not None:
            ticket_actions.do_assign(ticket, choice.user, actor=None, reason=choice.why)
        elif choice.state == AssignmentState.WAITING and decision.state != AssignmentState.WAITING:
            decision.waiting_since = clock.now()
        return _set_state(decision, choice.state, choice.reason)


def _set_state(decision: TriageDecision, state: str, reason: str) -> TriageDecision:
    if state != AssignmentState.WAITING:
        decision.waiting_since = None
        decision.alerted_at = None
    decision.state = state
    decision.state_reason = reason[:255]
    decision.save(update_fields=["state", "state_reason", "waiting_since", "alerted_at"])
    return decision


def assign_waiting(team_ids: Sequence[int] | None = None, limit: int = 200) -> int:
    """Try again the cases waiting for an eligible agent (oldest first); returns how many were assigned."""
    qs = TriageDecision.objects.filter(
        state=AssignmentState.WAITING, ticket__assignee__isnull=True, ticket__status__in=ACTIVE_STATUSES
    )
    if team_ids is not None:
        qs = qs.filter(ticket__team_id__in=team_ids)
    ids = list(
        qs.order_by("ticket__priority", "ticket__received_at").values_list("ticket_id", flat=True)[:limit]
    )
    assigned = 0
    for ticket_id in ids:
        decision = assign_case(ticket_id)
        if decision is not None and decision.state == AssignmentState.ASSIGNED:
            assigned += 1
    return assigned


def on_agent_status(profile: AgentProfile, previous: str, status: str) -> None:
    """Follows ``core.actions.do_set_agent_status`` inside its transaction (``settings.HOOKS``).

    Going away or offline: the agent's open chats are re-offered to the team (and, going offline, the
    cases not yet answered too). Coming online: cases waiting for an eligible agent are tried again."""
    team_ids = list(profile.teams.values_list("pk", flat=True))
    if status == AgentStatus.ONLINE:
        assign_waiting(team_ids)
        return
    if previous != AgentStatus.ONLINE and status == AgentStatus.AWAY:
        return
    reoffer = Q(channel=Channel.CHAT)
    if status == AgentStatus.OFFLINE:
        reoffer |= Q(first_response_at__isnull=True)
    tickets = list(
        Ticket.objects.filter(assignee_id=profile.user_id, status__in=ACTIVE_STATUSES)
        .filter(reoffer)
        .order_by("priority", "received_at")
    )
    label = "offline" if status == AgentStatus.OFFLINE else "away"
    for ticket in tickets:
        ticket_actions.do_assign(ticket, None, actor=None, reason=f"{profile.display_name} went {label}")
        decision = TriageDecision.objects.filter(ticket_id=ticket.pk).first()
        if decision is None:
            TriageDecision.objects.create(
                ticket=ticket,
                language=ticket.language,
                category=ticket.category,
                priority=ticket.priority,
                team_id=ticket.team_id,
                reasons=[f"Re-offered: {profile.display_name} went {label}."],
                state=AssignmentState.MANUAL,
                created_at=clock.now(),
            )
        assign_case(ticket.pk, exclude_user_id=profile.user_id)


def alert_waiting(limit: int = 200) -> int:
    """Alert supervisors about cases that waited longer than their team allows without an eligible agent."""
    now = clock.now()
    waiting = list(
        TriageDecision.objects.filter(state=AssignmentState.WAITING, alerted_at__isnull=True)
        .select_related("ticket__team__routing")
        .order_by("waiting_since")[:limit]
    )
    alerted = 0
    for decision in waiting:
        team = decision.ticket.team
        minutes = 15
        if team is not None and hasattr(team, "routing"):
            minutes = team.routing.alert_after_minutes
        if decision.waiting_since is None or now - decision.waiting_since < timedelta(minutes=minutes):
            continue
        with transaction.atomic():
            fresh = TriageDecision.objects.select_for_update().get(pk=decision.pk)
            if fresh.alerted_at is not None or fresh.state != AssignmentState.WAITING:
                continue
            fresh.alerted_at = now
            fresh.save(update_fields=["alerted_at"])
            waited = int((now - (fresh.waiting_since or now)).total_seconds() // 60)
            ticket_actions.do_record_event(
                decision.ticket,
                "triage_alert",
                {"reason": fresh.state_reason, "waited_minutes": waited, "team": team.slug if team else None},
            )
            audit.record(
                "triage.alert",
                object_type="ticket",
                object_id=decision.ticket.reference,
                data={"reason": fresh.state_reason, "waited_minutes": waited},
            )
            events.send_on_commit(
                events.DESK_GROUP,
                {
                    "kind": "triage_alert",
                    "reference": decision.ticket.reference,
                    "team": team.name if team else "",
                    "reason": fresh.state_reason,
                    "waited_minutes": waited,
                },
            )
        alerted += 1
    return alerted


def do_confirm_category(ticket: Ticket, category: str, *, actor: User) -> Ticket:
    """An agent confirms or corrects the category: the case changes and the example feeds training."""
    ticket_actions.check_choice(category, Category, "category")
    with transaction.atomic():
        ticket = ticket_actions.do_change_category(ticket, category, actor=actor, reason="triage correction")
        TriageDecision.objects.filter(ticket_id=ticket.pk).update(
            confirmed_category=category,
            confirmed_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    return ticket


# ---------------------------------------------------------------- configuration


def _bump(actor: User, action: str, data: dict[str, Any]) -> None:
    row, _ = TriageSettings.objects.select_for_update().get_or_create(pk=1)
    TriageSettings.objects.filter(pk=1).update(version=uuid.uuid4().hex)
    audit.record(f"triage.{action}", object_type="triage", object_id=str(row.pk), user=actor, data=data)


def check_rule(kind: str, pattern: str) -> str:
    pattern = clean_line(pattern, triage_config.MAX_PATTERN)
    try:
        triage_config.compile_pattern(kind, pattern)
    except triage_config.BadPattern as exc:
        raise ActionError(str(exc)) from exc
    return pattern


def do_add_category_rule(
    *,
    category: str,
    pattern: str,
    kind: str = RuleKind.PHRASE,
    language: str = "",
    weight: float = 3.0,
    actor: User,
) -> CategoryRule:
    ticket_actions.check_choice(category, Category, "category")
    ticket_actions.check_choice(kind, RuleKind, "rule kind")
    if language not in ("", "en", "fr"):
        raise ActionError(f"Unknown language: {language!r}.")
    if not 0 < weight <= 20:
        raise ActionError("A rule weight is between 0 and 20.")
    pattern = check_rule(kind, pattern)
    with transaction.atomic():
        rule = CategoryRule.objects.create(
            category=category, pattern=pattern, kind=kind, language=language, weight=weight
        )
        _bump(actor, "rule.add", {"category": category, "pattern": pattern, "kind": kind})
    return rule


def do_set_category_rule_active(rule: CategoryRule, active: bool, *, actor: User) -> CategoryRule:
    with transaction.atomic():
        CategoryRule.objects.filter(pk=rule.pk).update(is_active=active)
        rule.is_active = active
        _bump(actor, "rule.active", {"rule": rule.pk, "active": active})
    return rule


def do_delete_category_rule(rule: CategoryRule, *, actor: User) -> None:
    with transaction.atomic():
        data = {"rule": rule.pk, "category": rule.category, "pattern": rule.pattern}
        rule.delete()
        _bump(actor, "rule.delete", data)


def do_add_priority_rule(
    *,
    name: str,
    kind: str,
    priority: int,
    pattern: str = "",
    threshold: int = 0,
    window_days: int = 7,
    category: str = "",
    actor: User,
) -> PriorityRule:
    name = clean_line(name, 100)
    if not name:
        raise ActionError("A priority rule needs a name.")
    ticket_actions.check_choice(kind, PriorityRuleKind, "rule kind")
    ticket_actions.check_choice(priority, Priority, "priority")
    if category:
        ticket_actions.check_choice(category, Category, "category")
    if kind in (PriorityRuleKind.PHRASE, PriorityRuleKind.PATTERN):
        pattern = check_rule(kind, pattern)
    elif threshold < 1:
        raise ActionError("This rule needs a threshold of at least 1.")
    if not 1 <= window_days <= 365:
        raise ActionError("The window is between 1 and 365 days.")
    with transaction.atomic():
        rule = PriorityRule.objects.create(
            name=name,
            kind=kind,
            pattern=pattern,
            threshold=threshold,
            window_days=window_days,
            category=category,
            priority=priority,
        )
        _bump(actor, "priority_rule.add", {"name": name, "kind": kind, "priority": priority})
    return rule


def do_delete_priority_rule(rule: PriorityRule, *, actor: User) -> None:
    with transaction.atomic():
        data = {"rule": rule.pk, "name": rule.name}
        rule.delete()
        _bump(actor, "priority_rule.delete", data)


def do_set_team_route(category: str, team: Team | None, *, actor: User) -> None:
    ticket_actions.check_choice(category, Category, "category")
    with transaction.atomic():
        if team is None:
            TeamRoute.objects.filter(category=category).delete()
        else:
            TeamRoute.objects.update_or_create(category=category, defaults={"team": team})
        _bump(actor, "route", {"category": category, "team": team.slug if team else None})


def do_set_team_routing(team: Team, *, mode: str, alert_after_minutes: int, actor: User) -> TeamRouting:
    ticket_actions.check_choice(mode, AssignmentMode, "assignment mode")
    if not 1 <= alert_after_minutes <= 7 * 24 * 60:
        raise ActionError("The alert delay is between 1 minute and 7 days.")
    with transaction.atomic():
        routing, _ = TeamRouting.objects.update_or_create(
            team=team, defaults={"mode": mode, "alert_after_minutes": alert_after_minutes}
        )
        _bump(
            actor,
            "team_routing",
            {"team": team.slug, "mode": mode, "alert_after_minutes": alert_after_minutes},
        )
    if mode != AssignmentMode.MANUAL:
        transaction.on_commit(lambda: assign_waiting([team.pk]))
    return routing


def do_set_entry_point(
    *, kind: str, key: str, language: str = "", team: Team | None = None, category: str = "", actor: User
) -> EntryPoint:
    ticket_actions.check_choice(kind, EntryKind, "entry point kind")
    key = clean_line(key, 254).lower()
    if not key:
        raise ActionError("An address or widget key is required.")
    if language not in ("", "en", "fr"):
        raise ActionError(f"Unknown language: {language!r}.")
    if category:
        ticket_actions.check_choice(category, Category, "category")
    with transaction.atomic():
        entry, _ = EntryPoint.objects.update_or_create(
            kind=kind, key=key, defaults={"language": language, "team": team, "category": category}
        )
        _bump(actor, "entry_point", {"kind": kind, "key": key, "language": language})
    return entry


def do_delete_entry_point(entry: EntryPoint, *, actor: User) -> None:
    with transaction.atomic():
        data = {"kind": entry.kind, "key": entry.key}
        entry.delete()
        _bump(actor, "entry_point.delete", data)


def check_skills(raw: Sequence[str]) -> list[str]:
    skills: list[str] = []
    for item in raw:
        skill = clean_line(str(item), 40).lower()
        if skill and skill not in skills:
            skills.append(skill)
    if len(skills) > 30:
        raise ActionError("At most 30 skills.")
    return skills


def do_set_team_skills(team: Team, skills: Sequence[str], *, actor: User) -> Team:
    cleaned = check_skills(skills)
    with transaction.atomic():
        Team.objects.filter(pk=team.pk).update(skills=cleaned)
        team.skills = cleaned
        _bump(actor, "team_skills", {"team": team.slug, "skills": cleaned})
    return team


def do_set_agent_routing(
    profile: AgentProfile, *, skills: Sequence[str], languages: Sequence[str], capacity: int, actor: User
) -> AgentProfile:
    """An agent's routing profile: skills, languages answered in, and how many open cases at once."""
    cleaned = check_skills(skills)
    langs = [lang for lang in check_skills(languages) if lang]
    if not langs or any(lang not in Language.values for lang in langs):
        raise ActionError("Languages are en and/or fr.")
    if not 1 <= capacity <= 200:
        raise ActionError("Capacity is between 1 and 200 open cases.")
    with transaction.atomic():
        AgentProfile.objects.filter(pk=profile.pk).update(skills=cleaned, languages=langs)
        AgentRouting.objects.update_or_create(agent=profile, defaults={"capacity": capacity})
        profile.skills, profile.languages = cleaned, langs
        _bump(
            actor,
            "agent_routing",
            {"agent": profile.pk, "skills": cleaned, "languages": langs, "capacity": capacity},
        )
    team_ids = list(profile.teams.values_list("pk", flat=True))
    transaction.on_commit(lambda: assign_waiting(team_ids))
    return profile


# ---------------------------------------------------------------- training


def training_examples(limit: int = 20000) -> tuple[list[tuple[str, str]], int]:
    """(text, category) pairs: the seed set plus cases whose category agents confirmed: corrected on the
    case, confirmed in the triage panel, or worked until solved. Returns (examples, confirmed count)."""
    examples = [
        (triage_config.example_text(row), row["category"])
        for row in triage_config.read_jsonl(triage_config.SEED_FILE)
    ]
    confirmed = (
        Ticket.objects.filter(
            Q(triage__confirmed_category__gt="")
            | Q(events__kind="category", events__actor__isnull=False)
            | Q(status__in=[Status.SOLVED, Status.CLOSED])
        )
        .distinct()
        .order_by("-received_at")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(confirmed)
    firsts: dict[int, str] = {}
    for ticket_id, body in (
        Message.objects.filter(ticket_id__in=ids, kind=MessageKind.INBOUND)
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "body_text")
        .iterator(chunk_size=2000)
    ):
        firsts.setdefault(ticket_id, body[:4000])
    count = 0
    for ticket_id, subject, category in Ticket.objects.filter(pk__in=ids).values_list(
        "pk", "subject", "category"
    ):
        if ticket_id in firsts:
            examples.append((f"{subject}\n{firsts[ticket_id]}", category))
            count += 1
    return examples, count


def do_train(*, actor: User = None, label: str = "") -> TrainedModel:
    """Train the category classifier on the seed set and the desk's confirmed cases, and use it."""
    examples, confirmed = training_examples()
    now = clock.now()
    model = NaiveBayes.train(examples, version=now.strftime("%Y%m%d%H%M%S"))
    with transaction.atomic():
        trained = TrainedModel.objects.create(
            created_at=now,
            examples=len(examples),
            confirmed_examples=confirmed,
            params=model.to_json(),
            created_by=label or audit.actor_label(actor),
        )
        TriageSettings.objects.get_or_create(pk=1)
        TriageSettings.objects.filter(pk=1).update(model=trained, version=uuid.uuid4().hex)
        audit.record(
            "triage.train",
            object_type="triage",
            object_id=str(trained.pk),
            user=actor,
            data={"examples": len(examples), "confirmed": confirmed},
        )
        # Older models are kept a while for comparison; only the latest five stay.
        keep = list(TrainedModel.objects.order_by("-created_at", "-id").values_list("pk", flat=True)[:5])
        TrainedModel.objects.exclude(pk__in=keep).delete()
    return trained
