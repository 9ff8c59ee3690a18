"""Triage screens of the console: the settings page for supervisors and administrators (rules, team
map, assignment modes, skills, capacities, entry points, training) with a "test this text" box, and
the category confirmation agents send from a case's triage panel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from playerdesk.core.decorators import agent_required, supervisor_required
from playerdesk.core.errors import ActionError
from playerdesk.core.models import AgentProfile, Team
from playerdesk.tickets.access import access_ticket
from playerdesk.tickets.models import Category, Priority
from playerdesk.triage import actions
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
)

MAX_TEST_CHARS = 5000


def _field(request: HttpRequest, name: str, limit: int = 300) -> str:
    return (request.POST.get(name) or "").strip()[:limit]


def _int(request: HttpRequest, name: str, default: int) -> int:
    raw = _field(request, name, 12)
    if not raw:
        return default
    if not raw.lstrip("-").isdigit():
        raise ActionError(_("A number is expected."))
    return int(raw)


def _team(raw: str) -> Team | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise ActionError(_("Unknown team."))
    team = Team.objects.filter(pk=int(raw), is_active=True).first()
    if team is None:
        raise ActionError(_("Unknown team."))
    return team


def _done(request: HttpRequest, message: str, anchor: str = "") -> HttpResponseBase:
    messages.success(request, message)
    return redirect(reverse("triage:settings") + (f"#{anchor}" if anchor else ""))


def _failed(request: HttpRequest, exc: ActionError, anchor: str = "") -> HttpResponseBase:
    messages.error(request, str(exc))
    return redirect(reverse("triage:settings") + (f"#{anchor}" if anchor else ""))


@require_GET
@supervisor_required
def settings_page(request: HttpRequest) -> HttpResponseBase:
    subject = (request.GET.get("subject") or "")[:255]
    text = (request.GET.get("text") or "")[:MAX_TEST_CHARS]
    result = actions.triage_text(subject, text) if text.strip() else None
    teams = list(Team.objects.filter(is_active=True).select_related("routing").order_by("name"))
    routes = dict(TeamRoute.objects.values_list("category", "team_id"))
    capacities = dict(AgentRouting.objects.values_list("agent_id", "capacity"))
    agents = list(
        AgentProfile.objects.filter(user__is_active=True).prefetch_related("teams").order_by("display_name")
    )
    waiting = (
        TriageDecision.objects.filter(state=AssignmentState.WAITING)
        .select_related("ticket", "ticket__team")
        .order_by("waiting_since")[:20]
    )
    context: dict[str, Any] = {
        "page": "triage",
        "subject": subject,
        "text": text,
        "result": result,
        "result_team": next((t for t in teams if result and t.pk == result.team_id), None),
        "category_choices": Category.choices,
        "priority_choices": Priority.choices,
        "rule_kinds": RuleKind.choices,
        "priority_kinds": PriorityRuleKind.choices,
        "modes": AssignmentMode.choices,
        "entry_kinds": EntryKind.choices,
        "rules": list(CategoryRule.objects.all()),
        "priority_rules": list(PriorityRule.objects.all()),
        "route_rows": [(value, label, routes.get(value)) for value, label in Category.choices],
        "teams": [(t, getattr(t, "routing", None) or TeamRouting(team=t)) for t in teams],
        "agents": [
            (a, capacities.get(a.pk, AgentRouting._meta.get_field("capacity").default)) for a in agents
        ],
        "entries": list(EntryPoint.objects.select_related("team")),
        "models": list(
            TrainedModel.objects.only("id", "created_at", "examples", "confirmed_examples", "created_by")
        ),
        "waiting": list(waiting),
    }
    return render(request, "triage/settings.html", context)


@require_POST
@supervisor_required
def add_rule(request: HttpRequest) -> HttpResponseBase:
    try:
        weight = float(_field(request, "weight", 10) or 3)
    except ValueError:
        return _failed(request, ActionError(_("The weight is a number.")), "rules")
    try:
        actions.do_add_category_rule(
            category=_field(request, "category", 30),
            pattern=_field(request, "pattern"),
            kind=_field(request, "kind", 10) or RuleKind.PHRASE,
            language=_field(request, "language", 2),
            weight=weight,
            actor=request.user,
        )
    except ActionError as exc:
        return _failed(request, exc, "rules")
    return _done(request, _("Rule added."), "rules")


@require_POST
@supervisor_required
def toggle_rule(request: HttpRequest, pk: int) -> HttpResponseBase:
    rule = get_object_or_404(CategoryRule, pk=pk)
    actions.do_set_category_rule_active(rule, not rule.is_active, actor=request.user)
    return _done(request, _("Rule updated."), "rules")


@require_POST
@supervisor_required
def delete_rule(request: HttpRequest, pk: int) -> HttpResponseBase:
    actions.do_delete_category_rule(get_object_or_404(CategoryRule, pk=pk), actor=request.user)
    return _done(request, _("Rule deleted."), "rules")


@require_POST
@supervisor_required
def add_priority_rule(request: HttpRequest) -> HttpResponseBase:
    try:
        actions.do_add_priority_rule(
            name=_field(request, "name", 100),
            kind=_field(request, "kind", 10),
            priority=_int(request, "priority", 2),
            pattern=_field(request, "pattern"),
            threshold=_int(request, "threshold", 0),
            window_days=_int(request, "window_days", 7),
            category=_field(request, "category", 30),
            actor=request.user,
        )
    except ActionError as exc:
        return _failed(request, exc, "priority")
    return _done(request, _("Priority rule added."), "priority")


@require_POST
@supervisor_required
def delete_priority_rule(request: HttpRequest, pk: int) -> HttpResponseBase:
    actions.do_delete_priority_rule(get_object_or_404(PriorityRule, pk=pk), actor=request.user)
    return _done(request, _("Priority rule deleted."), "priority")


@require_POST
@supervisor_required
def set_routes(request: HttpRequest) -> HttpResponseBase:
    try:
        for value, _label in Category.choices:
            actions.do_set_team_route(value, _team(_field(request, f"route-{value}", 12)), actor=request.user)
    except ActionError as exc:
        return _failed(request, exc, "routes")
    return _done(request, _("Team map saved."), "routes")


@require_POST
@supervisor_required
def set_team(request: HttpRequest, pk: int) -> HttpResponseBase:
    team = get_object_or_404(Team, pk=pk, is_active=True)
    try:
        actions.do_set_team_routing(
            team,
            mode=_field(request, "mode", 20),
            alert_after_minutes=_int(request, "alert_after_minutes", 15),
            actor=request.user,
        )
        skills = [s for s in _field(request, "skills", 500).replace(";", ",").split(",") if s.strip()]
        actions.do_set_team_skills(team, skills, actor=request.user)
    except ActionError as exc:
        return _failed(request, exc, "teams")
    return _done(request, _("Team “%(name)s” saved.") % {"name": team.name}, "teams")


@require_POST
@supervisor_required
def set_agent(request: HttpRequest, pk: int) -> HttpResponseBase:
    profile = get_object_or_404(AgentProfile, pk=pk, user__is_active=True)
    try:
        actions.do_set_agent_routing(
            profile,
            skills=[s for s in _field(request, "skills", 500).replace(";", ",").split(",") if s.strip()],
            languages=[s for s in _field(request, "languages", 20).replace(";", ",").split(",") if s.strip()],
            capacity=_int(request, "capacity", 8),
            actor=request.user,
        )
    except ActionError as exc:
        return _failed(request, exc, "agents")
    return _done(request, _("%(name)s saved.") % {"name": profile.display_name}, "agents")


@require_POST
@supervisor_required
def add_entry(request: HttpRequest) -> HttpResponseBase:
    try:
        actions.do_set_entry_point(
            kind=_field(request, "kind", 10),
            key=_field(request, "key", 254),
            language=_field(request, "language", 2),
            team=_team(_field(request, "team", 12)),
            category=_field(request, "category", 30),
            actor=request.user,
        )
    except ActionError as exc:
        return _failed(request, exc, "entries")
    return _done(request, _("Entry point saved."), "entries")


@require_POST
@supervisor_required
def delete_entry(request: HttpRequest, pk: int) -> HttpResponseBase:
    actions.do_delete_entry_point(get_object_or_404(EntryPoint, pk=pk), actor=request.user)
    return _done(request, _("Entry point deleted."), "entries")


@require_POST
@supervisor_required
def train(request: HttpRequest) -> HttpResponseBase:
    trained = actions.do_train(actor=request.user)
    return _done(
        request,
        _("Trained on %(n)s examples (%(c)s confirmed by agents); the new model is in use.")
        % {"n": trained.examples, "c": trained.confirmed_examples},
        "training",
    )


@require_POST
@agent_required
def confirm(request: HttpRequest, reference: str) -> HttpResponseBase:
    ticket = access_ticket(request.user, reference)
    try:
        actions.do_confirm_category(ticket, _field(request, "category", 30), actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Category confirmed."))
    return redirect(reverse("console:ticket", args=[ticket.reference]))
