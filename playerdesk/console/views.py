"""Agent console screens: queues, the case page and its actions, the demo mailbox.

Views never write domain state themselves: every change goes through a ``do_*`` action.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from playerdesk.console import panels, queues, timeline
from playerdesk.console.chrome import chrome
from playerdesk.console.forms import (
    ANY_STATUS,
    QUEUE_TABS,
    AgentStatusForm,
    QueueFilterForm,
    ReplyForm,
    SeenForm,
    parse_id,
)
from playerdesk.core import cursors, refs
from playerdesk.core.access import team_ids_of
from playerdesk.core.actions import do_set_agent_status
from playerdesk.core.decorators import agent_required, bad_request, is_htmx, supervisor_required
from playerdesk.core.enums import Language
from playerdesk.core.errors import ActionError
from playerdesk.core.models import AgentProfile, Team
from playerdesk.core.text import sanitize_html
from playerdesk.mail.models import OutboundEmail
from playerdesk.tickets import actions
from playerdesk.tickets.access import access_ticket, agent_of, visible_tickets
from playerdesk.tickets.models import (
    TRANSITIONS,
    Category,
    Macro,
    Priority,
    Status,
    Ticket,
)
from playerdesk.tickets.search import search

# ---------------------------------------------------------------- helpers


@require_POST
@agent_required
def set_status(request: HttpRequest) -> HttpResponseBase:
    form = AgentStatusForm(request.POST)
    if not form.is_valid():
        return bad_request(request, _("Choose online, away or offline."))
    do_set_agent_status(
        agent_of(request.user), form.cleaned_data["status"], actor=request.user, request=request
    )
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    target = request.POST.get("next", "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("console:queue")
    return HttpResponseRedirect(target)


# ---------------------------------------------------------------- queues


def default_tab(agent: AgentProfile, team_ids: list[int]) -> str:
    if team_ids:
        return "teams"
    return "all" if agent.is_supervisor else "mine"


@require_GET
@agent_required
def queue(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    agent = agent_of(user)
    form = QueueFilterForm(request.GET)
    if not form.is_valid():
        return bad_request(request, _("These queue filters are not valid."))
    data = form.cleaned_data
    team_ids = team_ids_of(agent)
    # A search with no tab chosen looks through every case the agent may see.
    tab = data["tab"] or ("all" if data["q"] else default_tab(agent, team_ids))
    visible = visible_tickets(user)
    qs = visible.filter(queues.tab_filter(tab, user, team_ids))

    status = data["status"]
    if status == ANY_STATUS or (not status and data["q"]):
        pass  # a search looks at every status unless one is chosen
    elif status:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(is_open=True)
    if data["priority"] is not None:
        qs = qs.filter(priority=data["priority"])
    for name in ("category", "channel", "language"):
        if data[name]:
            qs = qs.filter(**{name: data[name]})
    if data["team"] == "none":
        qs = qs.filter(team__isnull=True)
    elif data["team"]:
        qs = qs.filter(team_id=int(data["team"]))
    if data["q"]:
        qs = search(qs, data["q"])
        if refs.is_valid(data["q"]) and not is_htmx(request) and not data["cursor"]:
            exact = qs.only("reference").first()
            if exact is not None:
                return redirect("console:ticket", exact.reference)
    sort = data["sort"]
    if data["cursor"]:
        try:
            if sort == "due":
                qs = queues.after_due(qs, queues.decode_due_cursor(data["cursor"]))
            else:
                qs = queues.after(qs, queues.decode_cursor(data["cursor"]))
        except cursors.BadCursor:
            return bad_request(request, _("This page link is not valid. Go back to the first page."))

    size = settings.QUEUE_PAGE_SIZE
    rows = list(queues.queue_rows(qs, sort)[: size + 1])
    next_url = ""
    if len(rows) > size:
        rows = rows[:size]
        params = request.GET.copy()
        params["cursor"] = (queues.encode_due_cursor if sort == "due" else queues.encode_cursor)(rows[-1])
        params["tab"] = tab
        next_url = "?" + params.urlencode()
    current = request.GET.copy()
    current["tab"] = tab
    first_page = current.copy()
    first_page.pop("cursor", None)
    context = {
        "tab": tab,
        "tab_label": QUEUE_TABS[tab],
        "form": form,
        "rows": rows,
        "next_url": next_url,
        "refresh_url": reverse("console:queue") + "?" + current.urlencode(),
        "first_url": reverse("console:queue") + "?" + first_page.urlencode(),
        "is_later_page": bool(data["cursor"]),
        "filters_active": any(
            data[k] not in (None, "")
            for k in ("q", "status", "priority", "category", "team", "channel", "language")
        ),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "queue-results":
        return render(request, "console/_queue_results.html", context)
    context.update(chrome(request, agent, team_ids, visible))
    context.update(
        {
            "teams": list(Team.objects.filter(is_active=True).only("id", "name")),
            "filter_fields": [
                form[n] for n in ("status", "priority", "category", "channel", "language", "sort")
            ],
            "page": "queue",
        }
    )
    return render(request, "console/queue.html", context)


# ---------------------------------------------------------------- the case page


def ticket_context(
    request: HttpRequest,
    ticket: Ticket,
    *,
    form: ReplyForm | None = None,
    new_after: int | None = None,
    error: str = "",
) -> dict[str, Any]:
    agent = agent_of(request.user)
    msgs = list(ticket.messages.prefetch_related("attachments"))
    events = list(ticket.events.order_by("seq"))
    teams = list(Team.objects.all().only("id", "slug", "name", "is_active"))
    entries = timeline.build(msgs, events, teams, new_after=new_after)
    macros = list(
        Macro.objects.filter(is_active=True)
        .filter(Q(team__isnull=True) | Q(team_id=ticket.team_id))
        .only("id", "name", "team_id", "set_status")
    )
    agents = list(
        AgentProfile.objects.filter(user__is_active=True)
        .select_related("user")
        .only("id", "display_name", "user__id", "user__username")
    )
    if form is None:
        form = ReplyForm(initial={"mode": ReplyForm.MODE_REPLY, "seen_seq": ticket.last_event_seq})
    next_statuses = [(s, Status(s).label) for s in Status.values if s in TRANSITIONS[ticket.status]]
    context = {
        "ticket": ticket,
        "entries": entries,
        "tags": list(ticket.tags.all()),
        "follow_ups": list(ticket.follow_ups.only("id", "reference", "subject", "status", "linked_from_id")),
        "macros": macros,
        "agents": agents,
        "teams": [t for t in teams if t.is_active or t.pk == ticket.team_id],
        "form": form,
        "reply_statuses": next_statuses,
        "status_choices": [(ticket.status, ticket.get_status_display()), *next_statuses],
        "priority_choices": Priority.choices,
        "category_choices": Category.choices,
        "language_choices": Language.choices,
        "stale": new_after is not None,
        "panels": panels.collect(request, ticket),
        "error": error,
        "page": "ticket",
    }
    context.update(chrome(request, agent, team_ids_of(agent)))
    return context


def render_ticket(request: HttpRequest, ticket: Ticket, status: int = 200, **kwargs: Any) -> HttpResponse:
    return render(request, "console/ticket.html", ticket_context(request, ticket, **kwargs), status=status)


def ticket_url(ticket: Ticket) -> str:
    return reverse("console:ticket", args=[ticket.reference])


@require_GET
@agent_required
def ticket_detail(request: HttpRequest, reference: str) -> HttpResponseBase:
    ticket = access_ticket(request.user, reference)
    if ticket.reference != reference:
        return redirect(ticket_url(ticket))
    return render_ticket(request, ticket)


@require_POST
@agent_required
def ticket_reply(request: HttpRequest, reference: str) -> HttpResponseBase:
    ticket = access_ticket(request.user, reference)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return render_ticket(request, ticket, status=400, form=form, error=message)
    data = form.cleaned_data
    internal = data["mode"] == ReplyForm.MODE_NOTE
    try:
        actions.do_reply(
            ticket,
            author=request.user,  # type: ignore[arg-type]
            body=data["body"],
            internal=internal,
            seen_seq=data["seen_seq"],
            status=data["status"] or None,
            force=data["force"],
        )
    except actions.StaleTicket as exc:
        fresh = access_ticket(request.user, ticket.reference)
        held = ReplyForm(
            initial={
                "body": data["body"],
                "mode": data["mode"],
                "status": data["status"],
                "seen_seq": fresh.last_event_seq,
            }
        )
        return render_ticket(request, fresh, status=409, form=held, new_after=exc.since_seq)
    except ActionError as exc:
        return render_ticket(request, ticket, status=400, form=form, error=str(exc))
    messages.success(request, _("Internal note added.") if internal else _("Reply sent to the player."))
    return redirect(ticket_url(ticket) + "#latest")


def _team_value(raw: str) -> Team | None:
    if not raw:
        return None
    pk = parse_id(raw)
    if pk is None:
        raise ActionError(_("Unknown team."))
    team = Team.objects.filter(pk=pk, is_active=True).first()
    if team is None:
        raise ActionError(_("Unknown team."))
    return team


def _assignee_value(request: HttpRequest, raw: str) -> AbstractBaseUser | None:
    if not raw:
        return None
    if raw == "me":
        return request.user  # type: ignore[return-value]
    pk = parse_id(raw)
    if pk is None:
        raise ActionError(_("Unknown agent."))
    profile = AgentProfile.objects.select_related("user").filter(pk=pk, user__is_active=True).first()
    if profile is None:
        raise ActionError(_("Unknown agent."))
    return profile.user


def _priority_value(raw: str) -> int:
    value = parse_id(raw)
    if value is None:
        raise ActionError(_("Unknown priority."))
    return value


CHANGE_FIELDS = ("status", "priority", "category", "team", "assignee", "language", "tags")


@require_POST
@agent_required
def ticket_change(request: HttpRequest, reference: str, field: str) -> HttpResponseBase:
    ticket = access_ticket(request.user, reference)
    if field not in CHANGE_FIELDS:
        return bad_request(request, _("This property cannot be changed here."))
    raw = (request.POST.get("value") or "").strip()[:2000]
    actor = request.user
    try:
        if field == "status":
            actions.do_change_status(ticket, raw, actor=actor)
        elif field == "priority":
            actions.do_change_priority(ticket, _priority_value(raw), actor=actor)
        elif field == "category":
            actions.do_change_category(ticket, raw, actor=actor)
        elif field == "team":
            actions.do_change_team(ticket, _team_value(raw), actor=actor)
        elif field == "assignee":
            actions.do_assign(ticket, _assignee_value(request, raw), actor=actor)
        elif field == "language":
            actions.do_change_language(ticket, raw, actor=actor)
        else:
            names = [n for n in raw.replace("\n", ",").split(",") if n.strip()]
            actions.do_set_tags(ticket, names, actor=actor)
    except ActionError as exc:
        if is_htmx(request):
            return render(request, "core/_feedback.html", {"error": str(exc)}, status=400)
        return render_ticket(request, ticket, status=400, error=str(exc))
    messages.success(request, _("Case updated."))
    if is_htmx(request):
        response = HttpResponse(status=204)
        # The case may have left this agent's sight (another team): then back to the queue.
        still_visible = visible_tickets(request.user).filter(pk=ticket.pk).exists()
        response["HX-Redirect"] = ticket_url(ticket) if still_visible else reverse("console:queue")
        return response
    if not visible_tickets(request.user).filter(pk=ticket.pk).exists():
        return redirect("console:queue")
    return redirect(ticket_url(ticket))


def _macro_for(ticket: Ticket, macro_id: int) -> Macro:
    return get_object_or_404(
        Macro.objects.filter(is_active=True).filter(Q(team__isnull=True) | Q(team_id=ticket.team_id)),
        pk=macro_id,
    )


@require_GET
@agent_required
def macro_render(request: HttpRequest, reference: str, macro_id: int) -> HttpResponseBase:
    ticket = access_ticket(request.user, reference)
    macro = _macro_for(ticket, macro_id)
    try:
        text = actions.render_macro(macro, ticket, agent_of(request.user).display_name)
    except ActionError as exc:
        return bad_request(request, str(exc))
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


@require_POST
@agent_required
def macro_apply(request: HttpRequest, reference: str, macro_id: int) -> HttpResponseBase:
    ticket = access_ticket(request.user, reference)
    macro = _macro_for(ticket, macro_id)
    form = SeenForm(request.POST)
    if not form.is_valid():
        return render_ticket(
            request, ticket, status=400, error=_("This form is out of date: reload the page.")
        )
    try:
        actions.do_apply_macro(
            ticket,
            macro,
            author=request.user,  # type: ignore[arg-type]
            seen_seq=form.cleaned_data["seen_seq"],
            force=bool(form.cleaned_data["force"]),
        )
    except actions.StaleTicket as exc:
        fresh = access_ticket(request.user, ticket.reference)
        draft = actions.render_macro(macro, fresh, agent_of(request.user).display_name)
        held = ReplyForm(
            initial={
                "body": draft,
                "mode": ReplyForm.MODE_REPLY,
                "status": macro.set_status,
                "seen_seq": fresh.last_event_seq,
            }
        )
        return render_ticket(request, fresh, status=409, form=held, new_after=exc.since_seq)
    except ActionError as exc:
        return render_ticket(request, ticket, status=400, error=str(exc))
    messages.success(request, _("Macro “%(name)s” sent.") % {"name": macro.name})
    return redirect(ticket_url(ticket) + "#latest")


# ---------------------------------------------------------------- demo mailbox


def _mail_cursor(email: OutboundEmail) -> str:
    return cursors.encode(email.created_at, email.pk)


def _mail_key(raw: str) -> tuple[dt.datetime, int]:
    created, pk = cursors.decode(raw, cursors.MOMENT, cursors.INT)
    return created, pk


@require_GET
@supervisor_required
def mailbox(request: HttpRequest) -> HttpResponseBase:
    agent = agent_of(request.user)
    qs = OutboundEmail.objects.only("id", "to", "subject", "kind", "status", "created_at", "language")
    qs = qs.order_by("-created_at", "-id")
    raw = request.GET.get("cursor", "")
    if raw:
        try:
            created, pk = _mail_key(raw[:200])
        except cursors.BadCursor:
            return bad_request(request, _("This page link is not valid. Go back to the first page."))
        qs = qs.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=pk))
    size = settings.QUEUE_PAGE_SIZE
    rows = list(qs[: size + 1])
    next_cursor = _mail_cursor(rows[size - 1]) if len(rows) > size else ""
    context = {"rows": rows[:size], "next_cursor": next_cursor, "page": "mailbox"}
    context.update(chrome(request, agent, team_ids_of(agent)))
    return render(request, "console/mailbox.html", context)


@require_GET
@supervisor_required
def mailbox_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    agent = agent_of(request.user)
    email = get_object_or_404(OutboundEmail.objects.select_related("ticket"), pk=pk)
    context = {
        "email": email,
        # Shown sanitized, never as sent: the stored HTML is treated like any other untrusted markup.
        "safe_html": sanitize_html(email.body_html) if email.body_html else "",
        "page": "mailbox",
    }
    context.update(chrome(request, agent, team_ids_of(agent)))
    return render(request, "console/mailbox_detail.html", context)
