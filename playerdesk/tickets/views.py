from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from playerdesk.core.storage import read_bytes
from playerdesk.tickets.access import access_ticket
from playerdesk.tickets.models import Attachment


@require_GET
@login_required
def download_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """Agents download a case's file: access-checked, always as a download, never rendered inline."""
    attachment = Attachment.objects.select_related("ticket").filter(pk=pk).first()
    if attachment is None:
        raise Http404("No such file.")
    access_ticket(request.user, attachment.ticket.reference)
    response = HttpResponse(read_bytes(attachment.file), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, attachment.filename) or "attachment"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
