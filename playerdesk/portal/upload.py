"""The player's upload page: opened from the signed link of a document request, in the case language
(or the one the player picks), looking like the help centre."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from playerdesk.accounthelp import documents
from playerdesk.accounthelp.models import DocumentRequest
from playerdesk.core import ratelimit

HOUR = 3600


def _language(request: HttpRequest, fallback: str) -> str:
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        return fallback
    code = translation.get_language() or fallback
    return "fr" if code.startswith("fr") else "en"


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, token: str) -> HttpResponse:
    row = documents.request_for_token(token)
    language = _language(request, row.language if row else "en")
    with translation.override(language):
        response = _upload(request, token, row)
    response.headers["Content-Language"] = language
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _upload(request: HttpRequest, token: str, row: DocumentRequest | None) -> HttpResponse:
    if row is None:
        return render(request, "portal/upload_missing.html", status=404)
    context = {
        "row": row,
        "token": token,
        "reference": row.ticket.reference,
        "types": documents.type_labels(row.types, translation.get_language() or row.language),
        "max_mb": settings.MAX_ATTACHMENT_BYTES // (1024 * 1024),
        "max_files": documents.MAX_FILES_PER_UPLOAD,
    }
    if request.method != "POST":
        return render(request, "portal/upload.html", context)
    if not ratelimit.allowed(
        [("upload-ip", ratelimit.client_ip(request), 20, HOUR), ("upload-req", row.public_id, 10, HOUR)]
    ):
        context["page_error"] = _("You have sent several uploads in a short time. Please wait a few minutes.")
        return render(request, "portal/upload.html", context, status=429)
    try:
        files = request.FILES.getlist("files")
    except RequestDataTooBig:
        context["page_error"] = _("What you sent is too large. Send fewer or smaller files.")
        return render(request, "portal/upload.html", context, status=413)
    try:
        payload = []
        for item in files[: documents.MAX_FILES_PER_UPLOAD + 1]:
            if item.size is not None and item.size > settings.MAX_ATTACHMENT_BYTES:
                raise documents.UploadRefused(
                    _("The file %(name)s is too large (at most %(mb)s MB).")
                    % {"name": item.name, "mb": context["max_mb"]}
                )
            payload.append((item.name or "document", item.read(settings.MAX_ATTACHMENT_BYTES + 1)))
        count = documents.do_receive_upload(row, payload)
    except documents.UploadRefused as exc:
        context["page_error"] = str(exc)
        return render(request, "portal/upload.html", context, status=400)
    return render(request, "portal/upload_done.html", {**context, "count": count})
