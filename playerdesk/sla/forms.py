"""Forms of the service-standards screens (supervisors and administrators)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from playerdesk.core.enums import PROVINCES
from playerdesk.core.models import AgentProfile, Team
from playerdesk.sla.actions import SEGMENTS, PolicySpec
from playerdesk.sla.models import Calendar, Policy, Target, Trigger, UpdateKind
from playerdesk.tickets.models import Category, Channel, Priority

WEEKDAY_LABELS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
MINUTES_HELP = _("Minutes of the policy's calendar (business minutes); empty: no target.")


def _minutes(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=1, max_value=365 * 24 * 60, help_text=MINUTES_HELP
    )


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=100)
    rank = forms.IntegerField(
        min_value=0, max_value=999, initial=100, help_text=_("Lower ranks are matched first.")
    )
    channels = forms.MultipleChoiceField(
        choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    categories = forms.MultipleChoiceField(
        choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    priorities = forms.TypedMultipleChoiceField(
        choices=Priority.choices, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    segments = forms.MultipleChoiceField(
        choices=[(s, s) for s in SEGMENTS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("guest: no player account linked; player: a known player. None ticked: any."),
    )
    calendar = forms.ModelChoiceField(
        queryset=Calendar.objects.all(), required=False, empty_label=_("The case team's business hours")
    )
    acknowledgement_minutes = forms.IntegerField(
        label=_("Acknowledgement (minutes, any time)"), required=False, min_value=1, max_value=365 * 24 * 60
    )
    first_response_minutes = _minutes(_("First response"))
    next_response_minutes = _minutes(_("Next response"))
    resolution_minutes = _minutes(_("Resolution"))
    update_minutes = _minutes(_("Update the player every"))
    warn_percent = forms.IntegerField(min_value=1, max_value=99, initial=80, label=_("Warn at (% of target)"))
    published = forms.BooleanField(required=False, initial=True, label=_("Show on the public page"))
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))

    @classmethod
    def initial_from(cls, policy: Policy) -> dict[str, Any]:
        names = [n for n in cls.base_fields if n != "calendar"]
        initial = {n: getattr(policy, n) for n in names}
        initial["calendar"] = policy.calendar_id
        return initial

    def spec(self) -> PolicySpec:
        d = self.cleaned_data
        return PolicySpec(
            name=d["name"],
            rank=d["rank"],
            channels=tuple(d["channels"]),
            categories=tuple(d["categories"]),
            priorities=tuple(d["priorities"]),
            segments=tuple(d["segments"]),
            calendar=d["calendar"],
            acknowledgement_minutes=d["acknowledgement_minutes"],
            first_response_minutes=d["first_response_minutes"],
            next_response_minutes=d["next_response_minutes"],
            resolution_minutes=d["resolution_minutes"],
            update_minutes=d["update_minutes"],
            warn_percent=d["warn_percent"],
            published=d["published"],
            is_active=d["is_active"],
        )


class CalendarForm(forms.Form):
    name = forms.CharField(max_length=100)
    slug = forms.SlugField(max_length=50, label=_("Short name"))
    time_zone = forms.CharField(max_length=64, initial="America/Toronto")
    always_open = forms.BooleanField(required=False, label=_("Open 24/7"))
    province = forms.ChoiceField(
        choices=[("", _("Federal holidays only")), *PROVINCES],
        required=False,
        label=_("Holidays of province"),
    )
    observe_holidays = forms.BooleanField(required=False, initial=True, label=_("Closed on public holidays"))
    team = forms.ModelChoiceField(
        queryset=Team.objects.filter(is_active=True),
        required=False,
        empty_label=_("(no team)"),
        help_text=_("Business hours of this team's cases."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, label in enumerate(WEEKDAY_LABELS):
            self.fields[f"day{day}"] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                help_text=_("e.g. 09:00-12:00, 13:00-17:00; empty: closed"),
            )

    def hours(self) -> dict[int, str]:
        return {day: self.cleaned_data.get(f"day{day}", "") for day in range(7)}


class ClosureForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(max_length=100)

    def clean_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["date"]
        if not 2000 <= value.year <= 2100:
            raise forms.ValidationError(_("Choose a date between 2000 and 2100."))
        return value


class RuleForm(forms.Form):
    name = forms.CharField(max_length=100)
    rank = forms.IntegerField(min_value=0, max_value=999, initial=100)
    trigger = forms.ChoiceField(choices=Trigger.choices)
    targets = forms.MultipleChoiceField(
        choices=[(t.value, t.label) for t in Target if t != Target.UPDATE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any target."),
    )
    priorities = forms.TypedMultipleChoiceField(
        choices=Priority.choices, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    raise_priority = forms.BooleanField(required=False, label=_("Raise the priority one level"))
    move_to_team = forms.ModelChoiceField(
        queryset=Team.objects.filter(is_active=True),
        required=False,
        empty_label=_("(keep the team)"),
        label=_("Move to the queue of"),
    )
    assign_to = forms.ModelChoiceField(
        queryset=AgentProfile.objects.filter(role__in=["supervisor", "admin"], user__is_active=True),
        required=False,
        empty_label=_("(keep the assignee)"),
        label=_("Assign to (lead or supervisor)"),
    )
    notify = forms.BooleanField(required=False, initial=True, label=_("Alert the assignee and the team"))
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))


class TemplateForm(forms.Form):
    subject = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=5000,
        help_text=_("Placeholders: {{ first_name }} {{ player_name }} {{ reference }} {{ subject }}"),
    )


class ReportForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("From"))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("To"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The end date comes before the start date."))
        if start and end and (end - start).days > 366:
            raise forms.ValidationError(_("Choose at most one year."))
        return data


UPDATE_KINDS = UpdateKind
