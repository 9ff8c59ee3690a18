"""Console screens for mail (/desk/mail/): the original of an inbound email (headers, text, sanitized
HTML, attachments, raw download), the quarantine with its reasons and "import anyway", and sending again
an email of a case that did not arrive."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from playerdesk.core import audit
from playerdesk.core.access import agent_of
from playerdesk.core.decorators import agent_required, bad_request, supervisor_required
from playerdesk.core.errors import ActionError
from playerdesk.mail.actions import do_mark_deliverable, do_resend_email
from playerdesk.mail.inbound import decrypt_raw, do_import_quarantined
from playerdesk.mail.models import InboundEmail, InboundStatus, OutboundEmail
from playerdesk.mail.parse import ParsedEmail, parse
from playerdesk.tickets.access import access_ticket

MAX_HEADERS_SHOWN = 300
QUARANTINE_STATUSES = [InboundStatus.QUARANTINED, InboundStatus.REJECTED]


def _visible_inbound(request: HttpRequest, pk: int) -> InboundEmail:
    """An inbound email of a case the agent can see; mail without a case is for supervisors only."""
    inbound = get_object_or_404(InboundEmail.objects.select_related("ticket", "mailbox"), pk=pk)
    if inbound.ticket is not None:
        access_ticket(request.user, inbound.ticket.reference)  # 404 when the case is not visible
        return inbound
    if not agent_of(request.user).is_supervisor:
        raise Http404
    return inbound


@require_GET
@agent_required
def inbound_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    inbound = _visible_inbound(request, pk)
    raw = decrypt_raw(inbound.raw)
    parsed: ParsedEmail | None = None
    error = ""
    if raw:
        try:
            parsed = parse(raw)
        except Exception as exc:  # shown as raw text only
            error = f"{type(exc).__name__}"
    context = {
        "inbound": inbound,
        "parsed": parsed,
        "headers": parsed.headers[:MAX_HEADERS_SHOWN] if parsed else [],
        "more_headers": max(0, len(parsed.headers) - MAX_HEADERS_SHOWN) if parsed else 0,
        "raw_text": raw[:200_000].decode("utf-8", "replace") if parsed is None else "",
        "error": error,
        "page": "mail",
    }
    return render(request, "mail/desk/inbound.html", context)


@require_GET
@agent_required
def inbound_raw(request: HttpRequest, pk: int) -> HttpResponseBase:
    inbound = _visible_inbound(request, pk)
    raw = decrypt_raw(inbound.raw)
    audit.record(
        "mail.raw_download",
        object_type="inbound_email",
        object_id=str(inbound.pk),
        request=request,
        user=request.user,
    )
    response = HttpResponse(raw, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="email-{inbound.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@supervisor_required
def quarantine(request: HttpRequest) -> HttpResponseBase:
    qs = InboundEmail.objects.filter(status__in=QUARANTINE_STATUSES).only(
        "id", "received_at", "source", "envelope_from", "from_address", "subject", "size", "status", "reason"
    )
    before = request.GET.get("before", "")
    if before:
        if not before.isdigit() or len(before) > 18:
            return bad_request(request, _("This page link is not valid. Go back to the first page."))
        qs = qs.filter(pk__lt=int(before))
    size = settings.QUEUE_PAGE_SIZE
    rows = list(qs.order_by("-id")[: size + 1])
    context = {
        "rows": rows[:size],
        "next_before": rows[size - 1].pk if len(rows) > size else "",
        "page": "mail-quarantine",
    }
    return render(request, "mail/desk/quarantine.html", context)


@require_POST
@supervisor_required
def import_anyway(request: HttpRequest, pk: int) -> HttpResponseBase:
    inbound = get_object_or_404(InboundEmail, pk=pk)
    try:
        do_import_quarantined(inbound, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("mail:inbound", args=[inbound.pk]))
    inbound.refresh_from_db()
    if inbound.ticket is not None:
        reference = inbound.ticket.reference
        messages.success(request, _("The email was imported into case %(ref)s.") % {"ref": reference})
        return redirect(reverse("console:ticket", args=[inbound.ticket.reference]))
    outcome = inbound.get_outcome_display()
    messages.success(request, _("The email was imported: %(outcome)s.") % {"outcome": outcome})
    return redirect(reverse("mail:inbound", args=[inbound.pk]))


@require_POST
@agent_required
def resend(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Send again an email of a case the agent can see."""
    email = get_object_or_404(OutboundEmail.objects.select_related("ticket"), pk=pk)
    if email.ticket is None:  # mail of no case (e.g. to the quarantine's senders) is not sent again
        raise Http404
    ticket = access_ticket(request.user, email.ticket.reference)  # 404 when the case is not visible
    try:
        copy = do_resend_email(email, actor=request.user, request=request)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The email to %(address)s is queued again.") % {"address": copy.to})
    return redirect(reverse("console:ticket", args=[ticket.reference]))


@require_POST
@agent_required
def mark_deliverable(request: HttpRequest, reference: str) -> HttpResponseBase:
    """The requester's address of this case works again (the player confirmed it)."""
    ticket = access_ticket(request.user, reference)
    if do_mark_deliverable(ticket.requester_email, actor=request.user, request=request):
        messages.success(
            request, _("Mail goes to %(address)s again.") % {"address": ticket.requester_email.lower()}
        )
    return redirect(reverse("console:ticket", args=[ticket.reference]))
