"""Staff sign-in: password, then (when the agent has turned it on) a code from an authenticator app;
the page where an agent sets up or turns off that second step; and the rule that, when the desk
requires it (``STAFF_2FA_REQUIRED``), an agent without it reaches nothing else.

After the password, the agent is not signed in yet: the session holds who passed it, for five minutes.
Wrong codes count against the same throttle as wrong passwords (five in 15 minutes), which a correct
password does not reset while a code is still owed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from playerdesk.console.forms import (
    LOGIN_MAX_FAILURES,
    ConsoleLoginForm,
    clear_login_failures,
    login_failures,
    register_login_failure,
)
from playerdesk.core import clock, totp
from playerdesk.core.access import agent_of
from playerdesk.core.actions import (
    do_disable_two_factor,
    do_enable_two_factor,
    do_new_recovery_codes,
    do_record_sign_in,
    do_set_agent_status,
    do_verify_two_factor_code,
)
from playerdesk.core.decorators import agent_required
from playerdesk.core.errors import ActionError
from playerdesk.core.models import AgentStatus

PENDING_KEY = "console:2fa-pending"
ENROL_KEY = "console:2fa-key"
RECOVERY_KEY = "console:2fa-recovery"  # codes just made, shown once
PENDING_SECONDS = 300
MAX_CODE_CHARS = 32
WRONG_CODE = gettext_lazy(
    "That code is not right, or was already used. Enter the current code from your app."
)


def _signed_in(request: HttpRequest, *, second_step: bool) -> None:
    """After a sign-in: audited, and an offline agent comes online."""
    agent = agent_of(request.user)
    if agent is None:
        return
    do_record_sign_in(agent, second_step=second_step, request=request)
    if agent.status == AgentStatus.OFFLINE:
        do_set_agent_status(agent, AgentStatus.ONLINE, actor=request.user, request=request)


def _safe_next(request: HttpRequest, target: str) -> str:
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("console:queue")


class ConsoleLoginView(LoginView):
    template_name = "console/login.html"
    authentication_form = ConsoleLoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        agent = agent_of(user)
        if agent is not None and agent.two_factor_on:
            session = self.request.session
            session.cycle_key()
            session[PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "hash": user.get_session_auth_hash(),
                "until": clock.now().timestamp() + PENDING_SECONDS,
                "next": self.get_success_url(),
            }
            return redirect("console:login_code")
        response = super().form_valid(form)
        _signed_in(self.request, second_step=False)
        return response


class ConsoleLogoutView(LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        agent = agent_of(request.user)
        if agent is not None and agent.status != AgentStatus.OFFLINE:
            do_set_agent_status(agent, AgentStatus.OFFLINE, actor=request.user, request=request)
        return super().post(request, *args, **kwargs)


def _pending_user(request: HttpRequest) -> tuple[Any, dict[str, Any]] | tuple[None, None]:
    """Who passed the password step in this session and still owes a code: not expired, still active,
    password unchanged since, second step still on."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("until", 0) < clock.now().timestamp():
        return None, None
    user_id = pending.get("user")
    user = get_user_model().objects.filter(pk=user_id).select_related("agent").first() if user_id else None
    agent = agent_of(user)
    if (
        user is None
        or agent is None
        or not agent.two_factor_on
        or not constant_time_compare(user.get_session_auth_hash(), pending.get("hash", ""))
    ):
        return None, None
    return user, pending


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    user, pending = _pending_user(request)
    if user is None or pending is None:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("Your sign-in timed out. Enter your password again."))
        return redirect("console:login")
    username = user.get_username()
    error = None
    if request.method == "POST":
        if login_failures(username) >= LOGIN_MAX_FAILURES:
            request.session.pop(PENDING_KEY, None)
            messages.error(request, ConsoleLoginForm.error_messages["throttled"])
            return redirect("console:login")
        code = request.POST.get("code", "")[:MAX_CODE_CHARS]
        if do_verify_two_factor_code(user.agent, code, request=request):
            user.backend = pending["backend"]
            auth_login(request, user)  # a new session key; the pending step goes with the old session
            request.session.pop(PENDING_KEY, None)
            totp.mark_session(user.agent, request.session)
            clear_login_failures(username)
            _signed_in(request, second_step=True)
            return HttpResponseRedirect(_safe_next(request, pending.get("next", "")))
        register_login_failure(username)
        if totp.normalize(code) is None and totp.recovery_digest(code) is None:
            error = _("Enter the six digits your authenticator app shows, or one of your recovery codes.")
        else:
            error = str(WRONG_CODE)
    return render(request, "console/login_code.html", {"error": error}, status=400 if error else 200)


# ---------------------------------------------------------------- setting it up


def _enrol_key(request: HttpRequest) -> str:
    """The key offered to this agent's app until they confirm it, kept in their session (so a reload
    shows the same QR code)."""
    key = request.session.get(ENROL_KEY)
    if not isinstance(key, str) or not key:
        key = totp.new_secret()
        request.session[ENROL_KEY] = key
    return key


@require_http_methods(["GET", "POST"])
@agent_required
def security(request: HttpRequest) -> HttpResponse:
    """Set up the second step (QR code and key, then a code to confirm), get new recovery codes, or
    turn it off, each with a current code. Recovery codes are shown once, right after they are made."""
    agent = agent_of(request.user)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        code = request.POST.get("code", "")[:MAX_CODE_CHARS]
        if action == "enable" and not agent.two_factor_on:
            try:
                codes = do_enable_two_factor(agent, _enrol_key(request), code, request=request)
            except ActionError as exc:
                error = str(exc)
            else:
                request.session.pop(ENROL_KEY, None)
                request.session[RECOVERY_KEY] = codes
                agent.refresh_from_db(fields=["totp_enabled_at"])
                totp.mark_session(agent, request.session)  # this session just showed a code
                messages.success(
                    request, _("Two-step sign-in is on. You will be asked for a code at each sign-in.")
                )
                return redirect(f"{reverse('console:security')}?{urlencode({'next': next_url})}")
        elif action in ("disable", "recovery") and agent.two_factor_on:
            error = _with_current_code(request, agent, action, code)
            if error is None:
                return redirect("console:security")
        else:
            error = _("This page changed since you opened it; look again and retry.")
        agent.refresh_from_db(fields=["totp_enabled_at", "totp_recovery"])
    context: dict[str, Any] = {
        "agent": agent,
        "error": error,
        "next": next_url,
        "required": settings.STAFF_2FA_REQUIRED,
        "recovery_codes": request.session.pop(RECOVERY_KEY, None) if request.method == "GET" else None,
        "recovery_left": len(agent.totp_recovery),
    }
    if not agent.two_factor_on:
        key = _enrol_key(request)
        uri = totp.provisioning_uri(key, request.user.get_username(), settings.BRAND_NAME)
        context.update(key=totp.grouped(key), qr=totp.qr_data_uri(uri))
    return render(request, "console/security.html", context, status=400 if error else 200)


def _with_current_code(request: HttpRequest, agent: Any, action: str, code: str) -> str | None:
    """Turn the second step off, or make new recovery codes, once the agent gave a code from their app
    (not a recovery code). The error to show, or None when done."""
    username = request.user.get_username()
    if action == "disable" and settings.STAFF_2FA_REQUIRED:
        return _("This desk requires two-step sign-in; it cannot be turned off.")
    if login_failures(username) >= LOGIN_MAX_FAILURES:
        return _("Too many wrong codes for this account. Wait 15 minutes, then try again.")
    if not do_verify_two_factor_code(agent, code, request=request, recovery=False):
        register_login_failure(username)
        return str(WRONG_CODE)
    if action == "disable":
        do_disable_two_factor(agent, actor=request.user, request=request)
        messages.success(request, _("Two-step sign-in is off."))
    else:
        request.session[RECOVERY_KEY] = do_new_recovery_codes(agent, request=request)
        messages.success(request, _("New recovery codes are ready; the old ones no longer work."))
    return None


# ---------------------------------------------------------------- the desk's rule


class StaffTwoFactorMiddleware:
    """Two rules for signed-in agents on every desk page (sign-in and sign-out stay open):

    - an agent with the second step on must have given its code in this session: a session signed in
      before it was turned on (or reset and set up again) is signed out;
    - when the desk requires the second step, an agent without it is sent to set it up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self._open: frozenset[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path.startswith("/desk/"):
            if self._open is None:
                names = ("console:login", "console:login_code", "console:logout")
                self._open = frozenset(reverse(name) for name in names)
            if request.path not in self._open:
                agent = agent_of(request.user)
                if agent is not None and not totp.session_passed(agent, request.session):
                    return _signed_out(request)
                if (
                    agent is not None
                    and settings.STAFF_2FA_REQUIRED
                    and not agent.two_factor_on
                    and request.path != reverse("console:security")
                ):
                    return _to_setup(request)
        return self.get_response(request)


def _signed_out(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("Sign in again with your code: two-step sign-in changed on this account."))
    return _send_to(request, settings.LOGIN_URL)


def _to_setup(request: HttpRequest) -> HttpResponse:
    return _send_to(request, reverse("console:security"))


def _send_to(request: HttpRequest, target: str) -> HttpResponse:
    """To ``target``, back to this page afterwards when it was a plain GET (htmx: a full-page redirect)."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=401)
        response["HX-Redirect"] = target
        return response
    if request.method == "GET":
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
    return redirect(target)
