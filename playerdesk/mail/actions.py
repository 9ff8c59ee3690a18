"""Outbound mail: queue a row in the outbox inside the caller's transaction; a job sends it after commit,
claiming it atomically so that several workers never send the same mail twice."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from playerdesk.core import clock
from playerdesk.mail.models import OutboundEmail, OutboundStatus

if TYPE_CHECKING:
    from playerdesk.tickets.models import Message, Ticket

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
SENDING_TIMEOUT = timedelta(minutes=10)


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{settings.MAIL_DOMAIN}>"


def do_queue_email(
    *,
    kind: str,
    to: str,
    template: str,
    context: dict[str, object],
    language: str,
    ticket: Ticket | None = None,
) -> OutboundEmail:
    """Render ``mail/<template>.subject.txt`` / ``.txt`` / ``.html`` in ``language`` and queue it."""
    context = {
        "brand": settings.BRAND_NAME,
        "support_email": settings.SUPPORT_EMAIL,
        "hours": settings.PORTAL_LINK_HOURS,
        "find_link": settings.SITE_URL + reverse("portal:find"),
        **context,
    }
    with translation.override(language):
        subject = " ".join(render_to_string(f"mail/{template}.subject.txt", context).split())
        body_text = render_to_string(f"mail/{template}.txt", context)
        body_html = render_to_string(f"mail/{template}.html", context)
    now = clock.now()
    email = OutboundEmail.objects.create(
        ticket=ticket,
        kind=kind,
        to=to,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        message_id=new_message_id(),
        headers={"Auto-Submitted": "auto-generated"} if kind != "reply" else {},
        language=language,
        next_attempt_at=now,
        created_at=now,
    )
    transaction.on_commit(lambda: _enqueue(email.pk))
    return email


def _enqueue(email_id: int) -> None:
    from playerdesk.mail.tasks import send_email

    send_email(email_id)


def deliver(email_id: int) -> bool:
    """Send one queued email if it is still due. Returns True when it was sent by this call."""
    now = clock.now()
    claimed = OutboundEmail.objects.filter(
        pk=email_id, status=OutboundStatus.PENDING, next_attempt_at__lte=now
    ).update(
        status=OutboundStatus.SENDING,
        attempts=F("attempts") + 1,
        # A send that never reports back (worker killed) is retried once this passes.
        next_attempt_at=now + SENDING_TIMEOUT,
    )
    if not claimed:
        return False
    email = OutboundEmail.objects.get(pk=email_id)
    headers = {"Message-ID": email.message_id, **email.headers}
    if email.ticket_id:
        headers["X-PlayerDesk-Reference"] = email.ticket.reference if email.ticket else ""
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.body_text, to=[email.to], headers=headers
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except Exception as exc:
        failed = email.attempts >= MAX_ATTEMPTS
        OutboundEmail.objects.filter(pk=email_id).update(
            status=OutboundStatus.FAILED if failed else OutboundStatus.PENDING,
            next_attempt_at=now + timedelta(seconds=min(3600, 30 * 2**email.attempts)),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        log.warning("sending outbound email %s failed (attempt %s): %s", email_id, email.attempts, exc)
        return False
    OutboundEmail.objects.filter(pk=email_id).update(status=OutboundStatus.SENT, sent_at=clock.now())
    return True


def queue_reply_notification(ticket: Ticket, message: Message) -> OutboundEmail:
    from playerdesk.portal.links import case_link

    return do_queue_email(
        kind="reply",
        to=ticket.requester_email,
        template="reply",
        context={"ticket": ticket, "message": message, "link": case_link(ticket)},
        language=ticket.language,
        ticket=ticket,
    )


def queue_case_link(ticket: Ticket, language: str) -> OutboundEmail:
    from playerdesk.portal.links import case_link

    return do_queue_email(
        kind="case_link",
        to=ticket.requester_email,
        template="case_link",
        context={"ticket": ticket, "link": case_link(ticket), "hours": settings.PORTAL_LINK_HOURS},
        language=language,
        ticket=ticket,
    )


def queue_acknowledgement(ticket: Ticket) -> OutboundEmail:
    from playerdesk.portal.links import case_link

    return do_queue_email(
        kind="acknowledgement",
        to=ticket.requester_email,
        template="acknowledgement",
        context={"ticket": ticket, "link": case_link(ticket)},
        language=ticket.language,
        ticket=ticket,
    )
