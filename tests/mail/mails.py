"""Building test emails."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from tests.mail.conftest import SUPPORT


def make_mail(
    *,
    subject: str = "Withdrawal still pending",
    body: str = "Hello, I asked for a withdrawal of $200 three days ago and it is still pending.",
    sender: str = "Pat Player <pat@example.com>",
    to: str = SUPPORT,
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    headers: dict[str, str] | None = None,
    html: str = "",
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = message_id or make_msgid(idstring=uuid.uuid4().hex[:8], domain="mail.example.com")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, data, ctype in attachments or []:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def ingest(
    raw: bytes, *, mail_from: str = "pat@example.com", to: tuple[str, ...] = (SUPPORT,), source: str = "smtp"
):  # type: ignore[no-untyped-def]
    """Store then process one email, as the receiver and the worker do (without the job queue)."""
    from playerdesk.mail import inbound

    received = inbound.receive(raw, source=source, envelope_from=mail_from, envelope_to=list(to))
    inbound.process(received.inbound_id)
    send_outbox()
    return received.inbound  # loaded now, processed


def send_outbox() -> int:
    """What the worker does after commit: send every due email of the outbox."""
    from playerdesk.mail.actions import deliver
    from playerdesk.mail.models import OutboundEmail, OutboundStatus

    due = (
        OutboundEmail.objects.filter(status=OutboundStatus.PENDING)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in list(due) if deliver(pk))
