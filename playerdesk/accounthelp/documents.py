"""Document requests: the agent asks for documents on a case, the player uploads them through a signed,
expiring link that opens that one request of that one case; the case waits on the player meanwhile and
resumes when the files arrive. Reminders go out after ``DOCUMENT_REMINDER_DAYS``."""

from __future__ import annotations

import io
import uuid
import warnings
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image

from playerdesk.accounthelp.models import DocumentRequest, DocumentRequestStatus, DocumentType
from playerdesk.core import audit, clock
from playerdesk.core.errors import ActionError
from playerdesk.core.text import clean_text
from playerdesk.tickets import delivery
from playerdesk.tickets.actions import append_event, do_reply, lock_case, save_case, set_status
from playerdesk.tickets.attachments import do_add_attachment, sniff
from playerdesk.tickets.models import Channel, Status, Ticket

# Kept from when uploads lived in the players app: links already sent to players keep working.
SALT = "playerdesk.players.upload"
ACCEPTED_TYPES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/heic": "HEIC",
    "application/pdf": "PDF",
}
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}
MAX_FILES_PER_UPLOAD = 5
MAX_REMINDERS = 2


class UploadRefused(ValueError):
    """An upload the desk refuses, with a message for the player (already translated)."""


# ---------------------------------------------------------------- links


def make_token(request: DocumentRequest) -> str:
    return signing.dumps({"d": request.public_id, "r": request.ticket.reference}, salt=SALT)


def upload_link(request: DocumentRequest) -> str:
    return settings.SITE_URL + reverse("portal:upload", args=[make_token(request)])


def request_for_token(token: str) -> DocumentRequest | None:
    """The open request a token opens, or None: forged, expired, bound to another case, or done."""
    if not token or len(token) > 512:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.DOCUMENT_LINK_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    request = (
        DocumentRequest.objects.select_related("ticket")
        .filter(public_id=str(data.get("d", "")), status=DocumentRequestStatus.OPEN)
        .first()
    )
    if request is None or request.ticket.reference != data.get("r"):
        return None
    return request


# ---------------------------------------------------------------- asking


def type_labels(types: Sequence[str], language: str) -> list[str]:
    with translation.override(language):
        return [str(DocumentType(t).label) for t in types if t in DocumentType.values]


def _send_link(request: DocumentRequest, ticket: Ticket, *, reminder: bool) -> None:
    link = upload_link(request)
    context = {
        "ticket": ticket,
        "link": link,
        "types": type_labels(request.types, request.language),
        "note": request.note,
        "days": settings.DOCUMENT_LINK_DAYS,
        "reminder": reminder,
    }
    delivery.send_notice(
        ticket,
        kind="document_reminder" if reminder else "document_request",
        template="player_document_request",
        context=context,
        language=request.language,
    )


def do_request_documents(
    ticket: Ticket, *, types: Sequence[str], note: str = "", actor: Any
) -> DocumentRequest:
    """Ask the player for documents: the case waits on the player; the link goes by their channel (an
    email to the requester; in a chat, also the conversation itself)."""
    chosen = [t for t in dict.fromkeys(types) if t in DocumentType.values]
    if not chosen:
        raise ActionError("Choose at least one document to request.")
    note = clean_text(note or "", 2000).strip()
    now = clock.now()
    with transaction.atomic():
        ticket = lock_case(ticket.pk)
        if ticket.status in (Status.SOLVED, Status.CLOSED):
            raise ActionError("Reopen the case before requesting documents.")
        request = DocumentRequest.objects.create(
            public_id=uuid.uuid4().hex,
            ticket=ticket,
            types=chosen,
            note=note,
            language=ticket.language,
            last_sent_at=now,
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=now,
        )
        append_event(ticket, "documents_requested", actor, {"request": request.public_id, "types": chosen})
        fields: list[str] = []
        if ticket.status != Status.WAITING_PLAYER:
            fields = set_status(ticket, Status.WAITING_PLAYER, actor, "documents_requested")
        save_case(ticket, *fields)
        audit.record(
            "ticket.documents_requested", object_type="ticket", object_id=ticket.reference, user=actor,
            data={"request": request.public_id, "types": chosen},
        )  # fmt: skip
        _send_link(request, ticket, reminder=False)
    if ticket.channel == Channel.CHAT:
        with translation.override(request.language):
            labels = ", ".join(type_labels(chosen, request.language))
            body = _("Please upload these documents with this secure link: %(types)s. %(link)s") % {
                "types": labels,
                "link": upload_link(request),
            }
        do_reply(ticket, author=actor, body=body, status=Status.WAITING_PLAYER, force=True)
    return request


def do_cancel_document_request(request: DocumentRequest, *, actor: Any) -> None:
    with transaction.atomic():
        ticket = lock_case(request.ticket_id)
        updated = DocumentRequest.objects.filter(pk=request.pk, status=DocumentRequestStatus.OPEN).update(
            status=DocumentRequestStatus.CANCELLED
        )
        if not updated:
            return
        append_event(ticket, "documents_request_cancelled", actor, {"request": request.public_id})
        save_case(ticket)


def do_send_document_reminders(limit: int = 200) -> int:
    """Remind players with an open request unanswered for ``DOCUMENT_REMINDER_DAYS`` (twice at most)."""
    due = clock.now() - timedelta(days=settings.DOCUMENT_REMINDER_DAYS)
    ids = list(
        DocumentRequest.objects.filter(
            status=DocumentRequestStatus.OPEN, last_sent_at__lte=due, reminders_sent__lt=MAX_REMINDERS
        ).values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in ids:
        with transaction.atomic():
            request = (
                DocumentRequest.objects.select_for_update()
                .select_related("ticket")
                .filter(pk=pk, status=DocumentRequestStatus.OPEN, last_sent_at__lte=due)
                .first()
            )
            if request is None:
                continue
            ticket = lock_case(request.ticket_id)
            if ticket.status in (Status.SOLVED, Status.CLOSED):
                continue
            request.reminders_sent += 1
            request.last_sent_at = clock.now()
            request.save(update_fields=["reminders_sent", "last_sent_at"])
            append_event(
                ticket,
                "document_reminder",
                None,
                {"request": request.public_id, "reminder": request.reminders_sent},
            )
            save_case(ticket)
            _send_link(request, ticket, reminder=True)
            sent += 1
    return sent


# ---------------------------------------------------------------- uploads


def check_upload(name: str, data: bytes) -> str:
    """The sniffed type of an uploaded document, or ``UploadRefused`` with a message for the player."""
    if not data:
        raise UploadRefused(_("The file %(name)s is empty.") % {"name": name})
    if len(data) > settings.MAX_ATTACHMENT_BYTES:
        mb = settings.MAX_ATTACHMENT_BYTES // (1024 * 1024)
        raise UploadRefused(
            _("The file %(name)s is too large (at most %(mb)s MB).") % {"name": name, "mb": mb}
        )
    content_type = sniff(data)
    if content_type not in ACCEPTED_TYPES:
        raise UploadRefused(
            _(
                "The file %(name)s is not a photo or PDF we can accept. "
                "Send a JPEG, PNG, WebP, HEIC or PDF file."
            )
            % {"name": name}
        )
    if content_type in IMAGE_TYPES:
        _check_image(name, data)
    return content_type


def _check_image(name: str, data: bytes) -> None:
    limit = settings.MAX_DOCUMENT_PIXELS
    too_big = UploadRefused(
        _(
            "The image %(name)s is too large in pixels. "
            "Send a smaller photo or a scan (at most %(mp)s megapixels)."
        )
        % {"name": name, "mp": limit // 1_000_000}
    )
    unreadable = UploadRefused(_("The image %(name)s is damaged or cannot be read.") % {"name": name})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Opening reads the header only: the size is known before any pixel is decoded.
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > limit:
                    raise too_big
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_big from exc
    except UploadRefused:
        raise
    except Exception as exc:  # Pillow raises many kinds of errors on broken files
        raise unreadable from exc


def do_receive_upload(request: DocumentRequest, files: Sequence[tuple[str, bytes]]) -> int:
    """Attach the player's files to the case; the case resumes (open) and the request is done."""
    if not files:
        raise UploadRefused(_("Choose at least one file to upload."))
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise UploadRefused(_("Send at most %(n)s files at a time.") % {"n": MAX_FILES_PER_UPLOAD})
    for name, data in files:
        check_upload(name, data)
    with transaction.atomic():
        locked = (
            DocumentRequest.objects.select_for_update()
            .filter(pk=request.pk, status=DocumentRequestStatus.OPEN)
            .first()
        )
        if locked is None:
            raise UploadRefused(_("This upload link has already been used or was cancelled."))
        ticket = request.ticket
        names = []
        for name, data in files:
            attachment = do_add_attachment(ticket, filename=name, data=data, actor=None)
            names.append(attachment.filename)
        ticket = lock_case(ticket.pk)
        locked.status = DocumentRequestStatus.RECEIVED
        locked.uploads = len(files)
        locked.received_at = clock.now()
        locked.save(update_fields=["status", "uploads", "received_at"])
        append_event(
            ticket,
            "documents_received",
            None,
            {"request": locked.public_id, "files": names},
            public=True,
            label=ticket.requester_name or ticket.requester_email,
        )
        fields: list[str] = []
        if ticket.status == Status.WAITING_PLAYER:
            fields = set_status(ticket, Status.OPEN, None, "documents_received")
        save_case(ticket, *fields)
        audit.record(
            "ticket.documents_received", object_type="ticket", object_id=ticket.reference,
            label=ticket.requester_email, data={"request": locked.public_id, "files": len(files)},
        )  # fmt: skip
    return len(files)
