"""View decorators and error answers shared by every desk screen, whichever app owns the screen."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from playerdesk.core.access import agent_of

View = Callable[..., HttpResponseBase]


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def forbidden(request: HttpRequest, message: str | None = None) -> HttpResponse:
    return render(
        request,
        "core/forbidden.html",
        {"message": message or _("Your account has no access to this part of the console.")},
        status=403,
    )


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """A refused request: the message in place (htmx) or on a page of its own."""
    if is_htmx(request):
        return render(request, "core/_feedback.html", {"error": message}, status=400)
    return render(request, "core/bad_request.html", {"message": message}, status=400)


def agent_required(view: View) -> View:
    """Signed-in agents only: others are sent to the sign-in page, non-agents get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            if is_htmx(request):
                response = HttpResponse(status=401)
                response["HX-Redirect"] = settings.LOGIN_URL
                return response
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if agent_of(request.user) is None:
            return forbidden(request)
        return view(request, *args, **kwargs)

    return wrapper


def supervisor_required(view: View) -> View:
    @wraps(view)
    @agent_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not agent_of(request.user).is_supervisor:
            return forbidden(request, _("Only supervisors and administrators can open this page."))
        return view(request, *args, **kwargs)

    return wrapper
