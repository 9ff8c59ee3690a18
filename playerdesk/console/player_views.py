"""The player panel's actions on the console's case page: link a player, verification codes, the
account snapshot, account help, document requests, and the transaction log fragment (htmx, keyset
pages). Every object is fetched through ``access_ticket``; every change goes through an action; a refused
action re-renders the case page with the reason."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from playerdesk.accounthelp import account_requests, actions, documents, verification
from playerdesk.accounthelp.models import DocumentRequest
from playerdesk.console.views import render_ticket
from playerdesk.core.decorators import agent_required, bad_request
from playerdesk.core.errors import ActionError
from playerdesk.players.models import Player
from playerdesk.players.transactions import BadFilter, transaction_page
from playerdesk.tickets import actions as ticket_actions
from playerdesk.tickets.access import access_ticket
from playerdesk.tickets.models import Ticket


def _ticket(request: HttpRequest, reference: str) -> Ticket:
    return access_ticket(request.user, reference)


def _back(ticket: Ticket) -> HttpResponse:
    return redirect(reverse("console:ticket", args=[ticket.reference]))


@require_GET
@agent_required
def transactions(request: HttpRequest, reference: str) -> HttpResponseBase:
    ticket = _ticket(request, reference)
    player = ticket.player
    if player is None or not verification.identity(ticket).verified:
        return bad_request(request, _("The requester is not verified: account data is not shown."))
    try:
        rows, next_cursor = transaction_page(player, request.GET)
    except BadFilter:
        return bad_request(request, _("These transaction filters are not valid."))
    params = request.GET.copy()
    params.pop("cursor", None)
    context = {
        "ticket": ticket,
        "rows": rows,
        "next_cursor": next_cursor,
        "query": params.urlencode(),
        "later": bool(request.GET.get("cursor")),
    }
    return render(request, "accounthelp/_transactions.html", context)


def _run(request: HttpRequest, ticket: Ticket, action: Any, success: str) -> HttpResponseBase:
    try:
        action()
    except ActionError as exc:
        return render_ticket(
            request, access_ticket(request.user, ticket.reference), status=400, error=str(exc)
        )
    messages.success(request, success)
    return _back(ticket)


@require_POST
@agent_required
def link_player(request: HttpRequest, reference: str) -> HttpResponseBase:
    ticket = _ticket(request, reference)
    raw = (request.POST.get("player") or "").strip()[:254]
    player = None
    if raw:
        player = Player.objects.filter(external_id=raw).first()
        if player is None and "@" in raw:
            matches = list(Player.objects.filter(email__iexact=raw)[:2])
            player = matches[0] if len(matches) == 1 else None
        if player is None:
            return render_ticket(
                request, ticket, status=400, error=_("No single player matches %(value)s.") % {"value": raw}
            )
    return _run(
        request,
        ticket,
        lambda: ticket_actions.do_link_player(ticket, player, actor=request.user),
        _("Player linked to the case.") if player else _("Player unlinked from the case."),
    )


@require_POST
@agent_required
def send_code(request: HttpRequest, reference: str) -> HttpResponseBase:
    ticket = _ticket(request, reference)
    via = request.POST.get("via", "email")
    return _run(
        request,
        ticket,
        lambda: verification.do_send_code(ticket, via=via, actor=request.user),
        _("A one-time code was sent to the player's %(via)s on file.")
        % {"via": _("phone") if via == "phone" else _("email")},
    )


@require_POST
@agent_required
def check_code(request: HttpRequest, reference: str) -> HttpResponseBase:
    ticket = _ticket(request, reference)
    code = (request.POST.get("code") or "")[:20]
    try:
        ok = verification.do_check_code(ticket, code, actor=request.user)
    except ActionError as exc:
        return render_ticket(request, ticket, status=400, error=str(exc))
    if not ok:
        fresh = access_ticket(request.user, ticket.reference)
        return render_ticket(
            request,
            fresh,
            status=400,
            error=_("The code does not match or has expired. The requester stays unverified."),
        )
    messages.success(request, _("Identity verified: the account is shown."))
    return _back(ticket)


@require_POST
@agent_required
def snapshot(request: HttpRequest, reference: str) -> HttpResponseBase:
    ticket = _ticket(request, reference)
    ids = request.POST.getlist("tx")[:60]
    note = (request.POST.get("note") or "")[:500]
    return _run(
        request,
        ticket,
        lambda: actions.do_attach_snapshot(ticket, actor=request.user, transaction_ids=ids, note=note),
        _("Snapshot of the account attached to the case."),
    )


@require_POST
@agent_required
def account_help(request: HttpRequest, reference: str, kind: str) -> HttpResponseBase:
    ticket = _ticket(request, reference)
    post = request.POST
    details = {
        "field": post.get("field", ""),
        "value": post.get("value", "")[:300],
        "evidence": post.getlist("evidence")[:10],
        "question": post.get("question", "")[:2000],
        "reason": post.get("reason", "")[:2000],
        "limit": post.get("limit", ""),
        "amount": post.get("amount", "")[:20],
    }
    return _run(
        request,
        ticket,
        lambda: account_requests.do_request_account_help(ticket, kind, actor=request.user, details=details),
        _("Request sent to the operator. Its answer will appear on the case."),
    )


@require_POST
@agent_required
def request_documents(request: HttpRequest, reference: str) -> HttpResponseBase:
    ticket = _ticket(request, reference)
    types = request.POST.getlist("types")[:10]
    note = (request.POST.get("note") or "")[:2000]
    return _run(
        request,
        ticket,
        lambda: documents.do_request_documents(ticket, types=types, note=note, actor=request.user),
        _("Document request sent to the player with a secure upload link."),
    )


@require_POST
@agent_required
def cancel_documents(request: HttpRequest, reference: str, public_id: str) -> HttpResponseBase:
    ticket = _ticket(request, reference)
    row = DocumentRequest.objects.filter(ticket=ticket, public_id=public_id[:32]).first()
    if row is None:
        return bad_request(request, _("No such document request on this case."))
    return _run(
        request,
        ticket,
        lambda: documents.do_cancel_document_request(row, actor=request.user),
        _("Document request cancelled."),
    )
