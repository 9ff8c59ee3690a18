"""Service-standards screens: the public page (EN/FR), the supervisors' settings (policies, calendars,
escalation rules, player-update templates) and the SLA report with its CSV export.

Views never write: every change goes through ``sla.actions``.
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from playerdesk.core import clock
from playerdesk.core.decorators import bad_request, supervisor_required
from playerdesk.sla import actions, reports, standards
from playerdesk.sla.calendars import format_hours
from playerdesk.sla.forms import CalendarForm, ClosureForm, PolicyForm, ReportForm, RuleForm, TemplateForm
from playerdesk.sla.models import (
    BreachCause,
    Calendar,
    Closure,
    EscalationRule,
    Policy,
    Target,
    UpdateKind,
)
from playerdesk.sla.updates import template_for

# ---------------------------------------------------------------- public page


@require_GET
def public_standards(request: HttpRequest) -> HttpResponse:
    calendar = standards.default_calendar()
    return render(
        request,
        "sla/standards.html",
        {
            "standards": standards.published_standards(),
            "business_hours": standards.business_hours_rows(),
            "calendar": calendar,
        },
    )


# ---------------------------------------------------------------- console pages


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, context, status=status)


@require_GET
@supervisor_required
def admin_index(request: HttpRequest) -> HttpResponse:
    policies = list(Policy.objects.filter(is_current=True).select_related("calendar").order_by("rank", "id"))
    calendars = list(Calendar.objects.prefetch_related("intervals", "closures").select_related("team"))
    for cal in calendars:
        by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for item in cal.intervals.all():
            by_day.setdefault(item.weekday, []).append((item.start, item.end))
        cal.hours_text = [format_hours(by_day.get(d, [])) for d in range(7)]  # type: ignore[attr-defined]
    rules = list(EscalationRule.objects.select_related("move_to_team", "assign_to__agent"))
    templates = [
        {"kind": kind, "label": label, "language": lang, "subject": template_for(kind, lang)[0]}
        for kind, label in UpdateKind.choices
        for lang in ("en", "fr")
    ]
    return _page(
        request,
        "sla/desk/admin.html",
        {
            "policies": policies,
            "calendars": calendars,
            "rules": rules,
            "templates": templates,
            "page": "sla-admin",
        },
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
def policy_edit(request: HttpRequest, key: str | None = None) -> HttpResponseBase:
    current = get_object_or_404(Policy, key=key, is_current=True) if key else None
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                policy = actions.do_save_policy(key, form.spec(), actor=request.user)
            except actions.SlaError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Policy saved as version %(v)s. Open cases keep their version.")
                    % {"v": policy.version},
                )
                return redirect("sla:admin")
        status = 400
    else:
        form = PolicyForm(initial=PolicyForm.initial_from(current) if current else None)
        status = 200
    versions = list(Policy.objects.filter(key=key).order_by("-version")[:20]) if key else []
    return _page(
        request,
        "sla/desk/policy.html",
        {"form": form, "policy": current, "versions": versions, "page": "sla-admin"},
        status=status,
    )


def _calendar_initial(calendar: Calendar) -> dict[str, Any]:
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for item in calendar.intervals.all():
        by_day.setdefault(item.weekday, []).append((item.start, item.end))
    initial: dict[str, Any] = {
        "name": calendar.name,
        "slug": calendar.slug,
        "time_zone": calendar.time_zone,
        "always_open": calendar.always_open,
        "province": calendar.province,
        "observe_holidays": calendar.observe_holidays,
        "team": calendar.team_id,
    }
    for day in range(7):
        initial[f"day{day}"] = format_hours(by_day.get(day, []))
    return initial


@require_http_methods(["GET", "POST"])
@supervisor_required
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    calendar = (
        get_object_or_404(Calendar.objects.prefetch_related("intervals", "closures"), pk=pk) if pk else None
    )
    status = 200
    if request.method == "POST":
        form = CalendarForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                calendar = actions.do_save_calendar(
                    calendar,
                    name=d["name"],
                    slug=d["slug"],
                    time_zone=d["time_zone"],
                    always_open=d["always_open"],
                    province=d["province"],
                    observe_holidays=d["observe_holidays"],
                    hours=form.hours(),
                    team=d["team"],
                    actor=request.user,
                )
            except actions.SlaError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Calendar saved."))
                return redirect("sla:calendar", calendar.pk)
        status = 400
    else:
        form = CalendarForm(initial=_calendar_initial(calendar) if calendar else None)
    closures = list(calendar.closures.all()) if calendar else []
    holidays: list[tuple[dt.date, str]] = []
    if calendar is not None and calendar.observe_holidays and not calendar.always_open:
        import holidays as holidays_lib

        year = clock.now().astimezone(ZoneInfo(calendar.time_zone)).year
        table = holidays_lib.country_holidays("CA", subdiv=calendar.province or None, years=[year, year + 1])
        holidays = sorted(table.items())
    return _page(
        request,
        "sla/desk/calendar.html",
        {
            "form": form,
            "calendar": calendar,
            "closures": closures,
            "closure_form": ClosureForm(),
            "holidays": holidays,
            "page": "sla-admin",
        },
        status=status,
    )


@require_POST
@supervisor_required
def closure_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    calendar = get_object_or_404(Calendar, pk=pk)
    form = ClosureForm(request.POST)
    if not form.is_valid():
        return bad_request(request, _("Give a date and a name for the closure."))
    actions.do_add_closure(calendar, form.cleaned_data["date"], form.cleaned_data["name"], actor=request.user)
    messages.success(request, _("Closure added."))
    return redirect("sla:calendar", calendar.pk)


@require_POST
@supervisor_required
def closure_remove(request: HttpRequest, pk: int, closure_id: int) -> HttpResponseBase:
    closure = get_object_or_404(Closure.objects.select_related("calendar"), pk=closure_id, calendar_id=pk)
    actions.do_remove_closure(closure, actor=request.user)
    messages.success(request, _("Closure removed."))
    return redirect("sla:calendar", pk)


@require_http_methods(["GET", "POST"])
@supervisor_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    rule = get_object_or_404(EscalationRule, pk=pk) if pk else None
    status = 200
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.do_save_rule(
                    rule,
                    name=d["name"],
                    trigger=d["trigger"],
                    targets=d["targets"],
                    priorities=d["priorities"],
                    raise_priority=d["raise_priority"],
                    move_to_team=d["move_to_team"],
                    assign_to=d["assign_to"].user if d["assign_to"] else None,
                    notify=d["notify"],
                    is_active=d["is_active"],
                    rank=d["rank"],
                    actor=request.user,
                )
            except actions.SlaError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Escalation rule saved."))
                return redirect("sla:admin")
        status = 400
    else:
        initial = None
        if rule is not None:
            initial = {
                "name": rule.name,
                "rank": rule.rank,
                "trigger": rule.trigger,
                "targets": rule.targets,
                "priorities": rule.priorities,
                "raise_priority": rule.raise_priority,
                "move_to_team": rule.move_to_team_id,
                "notify": rule.notify,
                "is_active": rule.is_active,
                "assign_to": getattr(getattr(rule.assign_to, "agent", None), "pk", None),
            }
        form = RuleForm(initial=initial)
    return _page(
        request, "sla/desk/rule.html", {"form": form, "rule": rule, "page": "sla-admin"}, status=status
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
def template_edit(request: HttpRequest, kind: str, language: str) -> HttpResponseBase:
    if kind not in UpdateKind.values or language not in ("en", "fr"):
        return bad_request(request, _("Unknown template."))
    status = 200
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                actions.do_save_update_template(
                    kind,
                    language,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    actor=request.user,
                )
            except actions.SlaError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Template saved."))
                return redirect("sla:admin")
        status = 400
    else:
        subject, body = template_for(kind, language)
        form = TemplateForm(initial={"subject": subject, "body": body})
    context = {"form": form, "kind": UpdateKind(kind), "language": language, "page": "sla-admin"}
    return _page(request, "sla/desk/template.html", context, status=status)


# ---------------------------------------------------------------- report


def _period(request: HttpRequest) -> tuple[ReportForm, dt.datetime, dt.datetime] | None:
    form = ReportForm(request.GET)
    if not form.is_valid():
        return None
    tz = ZoneInfo(settings.TIME_ZONE)
    today = clock.now().astimezone(tz).date()
    end_day = form.cleaned_data.get("end") or today
    start_day = form.cleaned_data.get("start") or end_day - dt.timedelta(days=29)
    start = dt.datetime.combine(start_day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return form, start, end


@require_GET
@supervisor_required
def report(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    if period is None:
        return bad_request(request, _("Choose a valid period (at most one year)."))
    form, start, end = period
    built = reports.build(start, end)
    sections = []
    for target in reports.REPORT_TARGETS:
        sections.append(
            {
                "target": Target(target),
                "overall": built.overall.get(target),
                "by": built.by.get(target, {}),
                "times": built.times.get(target, {}),
                "count": built.counts.get(target, 0),
            }
        )
    causes = [
        {"label": BreachCause(r["cause"]).label, "target": Target(r["target"]).label, "n": r["n"]}
        for r in built.causes
    ]
    query = request.GET.urlencode()
    context = {
        "form": form,
        "report": built,
        "sections": sections,
        "causes": causes,
        "start_day": start.date(),
        "end_day": (end - dt.timedelta(days=1)).date(),
        "csv_query": query,
        "page": "sla-report",
    }
    return _page(request, "sla/desk/report.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@supervisor_required
def report_csv(request: HttpRequest) -> HttpResponseBase:
    period = _period(request)
    if period is None:
        return bad_request(request, _("Choose a valid period (at most one year)."))
    _form, start, end = period
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in reports.csv_rows(start, end)), content_type="text/csv; charset=utf-8"
    )
    name = f"sla-{start.date().isoformat()}-{(end - dt.timedelta(days=1)).date().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
