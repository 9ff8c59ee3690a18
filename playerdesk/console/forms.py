"""Forms of the agent console: sign-in (with throttling), queue filters, reply box, presence status."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from playerdesk.core.enums import Language
from playerdesk.core.models import AgentStatus
from playerdesk.tickets.models import Category, Channel, Priority, Status

LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW_SECONDS = 15 * 60


def _throttle_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return f"console:login-failures:{digest}"


def login_failures(username: str) -> int:
    return int(cache.get(_throttle_key(username), 0))


def register_login_failure(username: str) -> None:
    key = _throttle_key(username)
    # The window starts at the first failure; add() is a no-op when the counter already exists.
    cache.add(key, 0, timeout=LOGIN_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=LOGIN_WINDOW_SECONDS)


def clear_login_failures(username: str) -> None:
    cache.delete(_throttle_key(username))


def parse_id(raw: str) -> int | None:
    """A database id typed in a form or URL: ASCII digits only, within a 64-bit integer; else None."""
    if not raw or len(raw) > 18 or not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)


class ConsoleLoginForm(AuthenticationForm):
    """Django's sign-in form, refused after repeated failures and for people who are not agents."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-in attempts for this account. Wait 15 minutes, then try again."),
        "not_agent": _("This account has no access to the agent console."),
    }

    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "")[:150]
        if username and login_failures(username) >= LOGIN_MAX_FAILURES:
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                register_login_failure(username)
            raise
        agent = getattr(self.user_cache, "agent", None)
        # An agent who still owes a code keeps the count: it is cleared once the code is right.
        if username and not (agent is not None and agent.two_factor_on):
            clear_login_failures(username)
        return cleaned

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if getattr(user, "agent", None) is None:
            raise forms.ValidationError(self.error_messages["not_agent"], code="not_agent")


QUEUE_TABS = {
    "mine": _("Mine"),
    "teams": _("My teams"),
    "unassigned": _("Unassigned"),
    "all": _("All"),
}
ANY_STATUS = "any"


def _choices(options: Any, empty: Any) -> list[tuple[Any, Any]]:
    return [("", empty), *options.choices]


class QueueFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=list(QUEUE_TABS.items()), required=False)
    q = forms.CharField(required=False, max_length=200, strip=True, label=_("Search"))
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[("", _("Open statuses")), *Status.choices, (ANY_STATUS, _("Any status"))],
    )
    priority = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label=_("Priority"),
        choices=_choices(Priority, _("Any")),
    )
    category = forms.ChoiceField(required=False, label=_("Category"), choices=_choices(Category, _("Any")))
    team = forms.CharField(required=False, max_length=20, label=_("Team"))
    channel = forms.ChoiceField(required=False, label=_("Channel"), choices=_choices(Channel, _("Any")))
    language = forms.ChoiceField(required=False, label=_("Language"), choices=_choices(Language, _("Any")))
    cursor = forms.CharField(required=False, max_length=1000)
    sort = forms.ChoiceField(
        required=False, label=_("Order"), choices=[("", _("Priority, then oldest")), ("due", _("Time left"))]
    )

    def clean_team(self) -> str:
        value: str = self.cleaned_data.get("team") or ""
        if value and value != "none" and parse_id(value) is None:
            raise forms.ValidationError(_("Unknown team."))
        return value


class ReplyForm(forms.Form):
    MODE_REPLY = "reply"
    MODE_NOTE = "note"

    body = forms.CharField(
        strip=False,
        max_length=settings.MAX_BODY_CHARS,
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("The message is empty."),
            "max_length": _(
                "The message is too long (at most %(limit_value)s characters, it has %(show_value)s)."
            ),
        },
    )
    mode = forms.ChoiceField(
        choices=[(MODE_REPLY, _("Reply to player")), (MODE_NOTE, _("Internal note"))],
        initial=MODE_REPLY,
        widget=forms.RadioSelect,
    )
    status = forms.ChoiceField(
        required=False, label=_("and set status"), choices=[("", _("(unchanged)")), *Status.choices]
    )
    seen_seq = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    force = forms.BooleanField(required=False, widget=forms.HiddenInput)


class SeenForm(forms.Form):
    seen_seq = forms.IntegerField(min_value=0, required=False)
    force = forms.BooleanField(required=False)


class AgentStatusForm(forms.Form):
    status = forms.ChoiceField(choices=AgentStatus.choices, label=_("My status"))
