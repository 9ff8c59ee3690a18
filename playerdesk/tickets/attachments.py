"""Attachments: size-capped, type-sniffed from their bytes (never trusted from the sender), encrypted at
rest, and only ever downloaded (never rendered inline)."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from typing import Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext

from playerdesk.core import clock
from playerdesk.core.errors import ActionError
from playerdesk.core.text import clean_line
from playerdesk.tickets.actions import append_event, lock_case, save_case
from playerdesk.tickets.models import Attachment, Message, Ticket

# Types shown to agents as safe previews after download; everything else is kept but flagged.
SAFE_TYPES = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
    "application/pdf",
    "text/plain",
}
_UNSAFE_NAME = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def sniff(data: bytes) -> str:
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return str(kind.mime)
    try:
        data[:65536].decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<svg", b"<?xml", b"<script")):
        return "text/html"
    return "text/plain"


def safe_filename(name: str, content_type: str) -> str:
    name = _UNSAFE_NAME.sub("_", clean_line(name or "", 200)).strip(". ") or "attachment"
    if "." not in name:
        name += mimetypes.guess_extension(content_type) or ".bin"
    return name[:200]


def check_attachment(data: bytes) -> None:
    """Refuse an empty or oversized file, in the active language (players see these through the chat)."""
    if len(data) == 0:
        raise ActionError(gettext("The file is empty."))
    if len(data) > settings.MAX_ATTACHMENT_BYTES:
        mb = settings.MAX_ATTACHMENT_BYTES // (1024 * 1024)
        raise ActionError(gettext("The file is too large (at most %(mb)s MB).") % {"mb": mb})


def do_add_attachment(
    ticket: Ticket,
    *,
    filename: str,
    data: bytes,
    message: Message | None = None,
    actor: Any = None,
    locked: bool = False,
) -> Attachment:
    """Store a file on a case (type-sniffed, encrypted at rest) with its timeline event. ``locked``: the
    caller read ``ticket`` with ``lock_case`` in the current transaction."""
    check_attachment(data)
    content_type = sniff(data)
    name = safe_filename(filename, content_type)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        if not locked:
            ticket = lock_case(ticket.pk)
        if message is not None and message.ticket_id != ticket.pk:
            raise ActionError("The message belongs to another case.")
        if message is not None and message.attachments.count() >= settings.MAX_ATTACHMENTS_PER_MESSAGE:
            limit = settings.MAX_ATTACHMENTS_PER_MESSAGE
            raise ActionError(gettext("At most %(n)s files per message.") % {"n": limit})
        attachment = Attachment(
            ticket=ticket,
            message=message,
            filename=name,
            content_type=content_type,
            size=len(data),
            sha256=digest,
            created_at=clock.now(),
        )
        attachment.file.save(f"{digest[:2]}/{digest}", ContentFile(data), save=False)
        attachment.save()
        append_event(
            ticket,
            "attachment",
            actor,
            {"attachment": attachment.pk, "filename": name, "sha256": digest, "type": content_type},
            public=message is None or message.is_public,
        )
        save_case(ticket)
    return attachment
