"""The player portal: open a case, find a case (a private link by email), read and answer a case."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from playerdesk.core import ratelimit
from playerdesk.core.errors import ActionError
from playerdesk.intake.actions import do_intake
from playerdesk.intake.contact import Contact
from playerdesk.mail.actions import queue_case_link
from playerdesk.portal import labels
from playerdesk.portal.forms import FindCaseForm, NewCaseForm, ReplyForm
from playerdesk.tickets import links
from playerdesk.tickets.actions import Requester
from playerdesk.tickets.models import Channel, Message, MessageKind, Ticket

HOUR = 3600
SESSION_CREATED = "portal_created"
SESSION_FOUND = "portal_find_sent"
SESSION_CASES = "portal_cases"


def _language(request: HttpRequest) -> str:
    code = translation.get_language() or settings.LANGUAGE_CODE
    return "fr" if code.startswith("fr") else "en"


def _post_or_none(request: HttpRequest) -> Any:
    """The parsed POST body, or None when it is larger than the server accepts."""
    try:
        return request.POST
    except RequestDataTooBig:
        return None


def _too_big(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context["page_error"] = _(
        "What you sent is far too large for us to accept. Please shorten your message and try again."
    )
    return render(request, template, context, status=413)


def _rate_limited(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context["page_error"] = _(
        "You have sent several requests in a short time. Please wait a few minutes before trying again."
    )
    return render(request, template, context, status=429)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"categories": labels.CATEGORY_CHOICES[:-1]})


@require_http_methods(["GET", "POST"])
def new_case(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        initial = {"category": request.GET.get("topic", "")}
        return render(request, "portal/new.html", {"form": NewCaseForm(initial=initial)})
    data = _post_or_none(request)
    if data is None:
        return _too_big(request, "portal/new.html", {"form": NewCaseForm()})
    form = NewCaseForm(data)
    if form.is_spam:
        form.add_error(None, _("We could not accept this request. Please try again."))
        return render(request, "portal/new.html", {"form": form}, status=400)
    if not form.is_valid():
        return render(request, "portal/new.html", {"form": form}, status=400)
    cleaned = form.cleaned_data
    if not ratelimit.allowed(
        [
            ("new-ip", ratelimit.client_ip(request), 10, HOUR),
            ("new-email", cleaned["email"], 5, HOUR),
        ]
    ):
        return _rate_limited(request, "portal/new.html", {"form": form})
    try:
        ticket = do_intake(
            Contact(
                channel=Channel.WEB,
                requester=Requester(cleaned["email"], cleaned["name"]),
                subject=cleaned["subject"],
                body=cleaned["message"],
                language_hint=_language(request),
                category_hint=cleaned["category"],
            )
        ).ticket
    except ActionError:
        form.add_error(None, _("We could not open your case. Please check the form and try again."))
        return render(request, "portal/new.html", {"form": form}, status=400)
    request.session[SESSION_CREATED] = {"reference": ticket.reference, "email": ticket.requester_email}
    return redirect("portal:created")


def created(request: HttpRequest) -> HttpResponse:
    info = request.session.get(SESSION_CREATED)
    if not info:
        return redirect("portal:home")
    return render(request, "portal/created.html", {"reference": info["reference"], "email": info["email"]})


@require_http_methods(["GET", "POST"])
def find_case(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "portal/find.html", {"form": FindCaseForm()})
    data = _post_or_none(request)
    if data is None:
        return _too_big(request, "portal/find.html", {"form": FindCaseForm()})
    form = FindCaseForm(data)
    if not form.is_valid():
        return render(request, "portal/find.html", {"form": form}, status=400)
    reference, email = form.cleaned_data["reference"], form.cleaned_data["email"]
    # Counted whether or not the case exists, so the limit itself reveals nothing.
    if not ratelimit.allowed(
        [
            ("find-ip", ratelimit.client_ip(request), 10, HOUR // 4),
            ("find-ref", reference, 5, HOUR),
            ("find-email", email, 5, HOUR),
        ]
    ):
        return _rate_limited(request, "portal/find.html", {"form": form})
    ticket = Ticket.objects.filter(reference=reference).first()
    if ticket is not None and ticket.requester_email.lower() == email.strip().lower():
        with transaction.atomic():
            queue_case_link(ticket, _language(request))
    request.session[SESSION_FOUND] = True
    return redirect("portal:find_sent")


def find_sent(request: HttpRequest) -> HttpResponse:
    if not request.session.get(SESSION_FOUND):
        return redirect("portal:find")
    return render(request, "portal/find_sent.html", {"hours": settings.PORTAL_LINK_HOURS})


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:24]


def _case_missing(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/case_missing.html", status=404)


def _public_messages(ticket: Ticket) -> list[Message]:
    return list(
        ticket.messages.exclude(kind=MessageKind.NOTE)
        .only("ticket_id", "kind", "author_name", "author_email", "body_text", "created_at")
        .order_by("created_at", "id")
    )


@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, token: str) -> HttpResponse:
    ticket = links.ticket_for_token(token) if len(token) <= 512 else None
    if ticket is None:
        return _case_missing(request)
    # The case speaks its own language unless the player chose one with the switch.
    language = _language(request)
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        language = ticket.language
    with translation.override(language):
        response = _case(request, token, ticket)
    response.headers["Content-Language"] = language
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _case(request: HttpRequest, token: str, ticket: Ticket) -> HttpResponse:
    validated = request.session.get(SESSION_CASES) or {}
    key = _token_key(token)
    if validated.get(key) != ticket.reference:
        validated[key] = ticket.reference
        # Keep the session small: the last few cases opened from a link.
        request.session[SESSION_CASES] = dict(list(validated.items())[-10:])
    form = ReplyForm()
    status = 200
    if request.method == "POST":
        data = _post_or_none(request)
        if data is None:
            return _too_big(request, "portal/case.html", _case_context(ticket, token, form))
        form = ReplyForm(data)
        if form.is_valid():
            if not ratelimit.allowed(
                [
                    ("reply-ip", ratelimit.client_ip(request), 30, HOUR),
                    ("reply-case", ticket.reference, 20, HOUR),
                ]
            ):
                return _rate_limited(request, "portal/case.html", _case_context(ticket, token, form))
            return _reply(request, ticket, token, form)
        status = 400
    return render(request, "portal/case.html", _case_context(ticket, token, form), status=status)


def _reply(request: HttpRequest, ticket: Ticket, token: str, form: ReplyForm) -> HttpResponse:
    try:
        landed = do_intake(
            Contact(
                channel=Channel.WEB,
                requester=Requester(ticket.requester_email, ticket.requester_name, ticket.player),
                body=form.cleaned_data["message"],
                language_hint=_language(request),
                thread=ticket,
            )
        ).ticket
    except ActionError:
        form.add_error(None, _("We could not add your message. Please try again."))
        return render(request, "portal/case.html", _case_context(ticket, token, form), status=400)
    if landed.pk != ticket.pk:
        messages.success(
            request,
            _(
                "This case was closed, so your message opened a new case: %(reference)s. "
                "We also sent its private link to your email address."
            )
            % {"reference": landed.reference},
        )
        new_token = links.make_token(landed)
        validated = request.session.get(SESSION_CASES) or {}
        validated[_token_key(new_token)] = landed.reference
        request.session[SESSION_CASES] = dict(list(validated.items())[-10:])
        return HttpResponseRedirect(reverse("portal:case", args=[new_token]))
    messages.success(request, _("Thank you, your message was added to your case."))
    return HttpResponseRedirect(request.path + "#latest")


def _case_context(ticket: Ticket, token: str, form: ReplyForm) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "token": token,
        "form": form,
        "messages_list": _public_messages(ticket),
        "status_label": labels.status_label(ticket.status),
        "status_hint": labels.STATUS_HINTS.get(ticket.status, ""),
        "status_tone": labels.STATUS_TONES.get(ticket.status, "info"),
        "category_label": labels.category_label(ticket.category),
        "linked_from": (
            Ticket.objects.filter(pk=ticket.linked_from_id).values_list("reference", flat=True).first()
            if ticket.linked_from_id
            else ""
        ),
    }
