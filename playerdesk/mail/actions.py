"""Outbound mail: queue a row in the outbox inside the caller's transaction; a job sends it after commit,
claiming it atomically so that several workers never send the same mail twice.

Delivery follows RFC 5321: a 4xx answer (or no answer) is retried with growing spacing (1 minute, then at
least 30 minutes, up to 4 hours, for 5 days); a 5xx answer is final: the email fails, the address is marked
undeliverable and the agent sees it on the case. A send whose worker died is retried once its claim lapses,
with the same Message-ID, so that mail clients collapse the rare second copy.

Nothing is sent to an address marked undeliverable: automatic mail and agent replies to it are recorded as
not sent, with the reason, on the case's delivery status (until the player writes in again from it).
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from playerdesk.core import audit, clock, outbox
from playerdesk.core.errors import ActionError
from playerdesk.core.helplines import helplines_for
from playerdesk.core.models import Team
from playerdesk.mail import inbound, loops, tasks, threads
from playerdesk.mail.models import (
    InboundEmail,
    InboundOutcome,
    Mailbox,
    OutboundEmail,
    OutboundStatus,
    UndeliverableAddress,
)
from playerdesk.tickets.links import case_link

if TYPE_CHECKING:
    from playerdesk.tickets.models import Message, Ticket

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 30
GIVE_UP_AFTER = timedelta(days=5)
RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2)]
MAX_RETRY_DELAY = timedelta(hours=4)
SENDING_TIMEOUT = timedelta(minutes=10)
MAX_REFERENCES = 10


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{settings.MAIL_DOMAIN}>"


def retry_delay(attempts: int) -> timedelta:
    return RETRY_DELAYS[attempts - 1] if 0 < attempts <= len(RETRY_DELAYS) else MAX_RETRY_DELAY


def _province(ticket: Ticket | None) -> str:
    player = ticket.player if ticket is not None and ticket.player_id else None
    return player.province if player is not None else ""


def do_queue_email(
    *,
    kind: str,
    to: str,
    template: str,
    context: dict[str, object],
    language: str,
    ticket: Ticket | None = None,
    in_reply_to: str = "",
    references: Sequence[str] = (),
) -> OutboundEmail:
    """Render ``mail/<template>.subject.txt`` / ``.txt`` / ``.html`` in ``language`` and queue it.

    Mail about a case carries the case's reply address and the threading headers of its conversation."""
    context = {
        "brand": settings.BRAND_NAME,
        "support_email": settings.SUPPORT_EMAIL,
        "hours": settings.PORTAL_LINK_HOURS,
        "response_hours": settings.MAIL_RESPONSE_HOURS,
        "find_link": settings.SITE_URL + reverse("portal:find"),
        "helplines": helplines_for(_province(ticket)),
        **context,
    }
    with translation.override(language):
        subject = " ".join(render_to_string(f"mail/{template}.subject.txt", context).split())
        body_text = render_to_string(f"mail/{template}.txt", context)
        body_html = render_to_string(f"mail/{template}.html", context)
    headers = loops.outbound_headers(automatic=kind != "reply", auto_reply=bool(in_reply_to))
    if ticket is not None:
        headers.update(_case_headers(ticket, in_reply_to, references))
    now = clock.now()
    email = OutboundEmail.objects.create(
        ticket=ticket,
        kind=kind,
        to=to,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        message_id=new_message_id(),
        headers=headers,
        language=language,
        next_attempt_at=now,
        created_at=now,
    )
    transaction.on_commit(lambda: _enqueue(email.pk))
    return email


def _case_headers(ticket: Ticket, in_reply_to: str, references: Sequence[str]) -> dict[str, str]:
    mail = threads.case_mail(ticket)
    headers = {"X-PlayerDesk-Reference": ticket.reference, "Reply-To": threads.reply_address(mail)}
    if mail.mailbox is not None:
        headers["From"] = f"{settings.BRAND_NAME} <{mail.mailbox.local_part}@{settings.MAIL_DOMAIN}>"
    chain: list[str] = list(references)
    if not in_reply_to:
        # The conversation so far: the player's first and latest emails, our recent mail in between.
        theirs = list(
            InboundEmail.objects.filter(
                ticket=ticket, outcome__in=[InboundOutcome.CASE, InboundOutcome.FOLLOW_UP]
            )
            .exclude(message_id="")
            .order_by("received_at", "id")
            .values_list("message_id", flat=True)
        )
        ours = list(
            OutboundEmail.objects.filter(ticket=ticket)
            .order_by("-created_at", "-id")
            .values_list("message_id", flat=True)[: MAX_REFERENCES - 2]
        )
        chain = theirs[:1] + list(reversed(ours)) + theirs[-1:]
        in_reply_to = theirs[-1] if theirs else (ours[0] if ours else "")
    elif in_reply_to not in chain:
        chain.append(in_reply_to)
    unique = list(dict.fromkeys(x for x in chain if x))
    if len(unique) > MAX_REFERENCES:
        unique = unique[:1] + unique[-(MAX_REFERENCES - 1) :]
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    if unique:
        headers["References"] = " ".join(unique)
    return headers


def _enqueue(email_id: int) -> None:
    try:
        tasks.send_email(email_id)
    except Exception:  # the row is due: the periodic retry sends it
        log.exception("could not queue outbound email %s", email_id)


def _smtp_code(exc: Exception) -> int:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return int(codes[0]) if codes else 0
    if isinstance(exc, smtplib.SMTPResponseException):
        return int(exc.smtp_code)
    return 0


def deliver(email_id: int) -> bool:
    """Send one queued email if it is still due. Returns True when it was sent by this call."""
    now = clock.now()
    # A send that never reports back (worker killed) is retried once the claim lapses.
    if not outbox.claim(OutboundEmail, email_id, lease=SENDING_TIMEOUT):
        return False
    email = OutboundEmail.objects.get(pk=email_id)
    blocked = undeliverable(email.to)
    if blocked is not None:
        OutboundEmail.objects.filter(pk=email_id).update(
            status=OutboundStatus.NOT_SENT,
            attempts=F("attempts") - 1,  # claimed, never attempted
            last_code=0,
            last_error=not_sent_reason(blocked)[:2000],
        )
        log.info("outbound email %s not sent: %s is marked undeliverable", email_id, email.to)
        return False
    headers = {"Message-ID": email.message_id, **email.headers}
    headers.setdefault("From", settings.MAIL_FROM)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        # The envelope sender names this email: a bounce comes back to it (see loops.bounce_address).
        from_email=loops.bounce_address(email.pk),
        to=[email.to],
        headers=headers,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except Exception as exc:
        _record_failure(email, exc, now)
        return False
    OutboundEmail.objects.filter(pk=email_id).update(
        status=OutboundStatus.SENT, sent_at=clock.now(), last_code=250, last_error=""
    )
    return True


RESENDABLE = (OutboundStatus.FAILED, OutboundStatus.BOUNCED, OutboundStatus.NOT_SENT)


def do_resend_email(email: OutboundEmail, *, actor: Any, request: HttpRequest | None = None) -> OutboundEmail:
    """Send again an email of a case that failed, bounced or was not sent (the player's mailbox was full,
    or the address works again): a new row in the outbox with the same content and threading headers.
    An email is sent again once; the original keeps its history. Audited."""
    with transaction.atomic():
        original = OutboundEmail.objects.select_for_update().get(pk=email.pk)
        if original.status not in RESENDABLE:
            raise ActionError(
                gettext("Only an email that failed, bounced or was not sent can be sent again.")
            )
        if OutboundEmail.objects.filter(resend_of=original).exists():
            raise ActionError(gettext("This email was already sent again."))
        if undeliverable(original.to) is not None:
            raise ActionError(
                gettext("%(address)s is marked undeliverable: mark it deliverable first.")
                % {"address": original.to}
            )
        now = clock.now()
        copy = OutboundEmail.objects.create(
            ticket_id=original.ticket_id,
            kind=original.kind,
            to=original.to,
            subject=original.subject,
            body_text=original.body_text,
            body_html=original.body_html,
            message_id=new_message_id(),
            headers=original.headers,
            language=original.language,
            next_attempt_at=now,
            created_at=now,
            resend_of=original,
        )
        audit.record(
            "mail.resent",
            object_type="outbound_email",
            object_id=str(copy.pk),
            user=actor,
            request=request,
            data={"original": original.pk, "to": original.to, "status": original.status},
        )
        transaction.on_commit(lambda: _enqueue(copy.pk))
    return copy


def do_mark_deliverable(address: str, *, actor: Any, request: HttpRequest | None = None) -> bool:
    """An agent confirmed the address works again (the player said so by phone or chat): mail goes to it
    again. True when it was marked. Audited."""
    with transaction.atomic():
        mark = UndeliverableAddress.marks_of(address).select_for_update().first()
        if mark is None:
            return False
        audit.record(
            "mail.address_deliverable",
            object_type="address",
            object_id=mark.address[:64],
            user=actor,
            request=request,
            data={"address": mark.address, "code": mark.code, "detail": mark.detail[:200]},
        )
        mark.delete()
    return True


def undeliverable(address: str) -> UndeliverableAddress | None:
    """The undeliverable mark of ``address`` (stored lower-cased), if any."""
    return UndeliverableAddress.marks_of(address).first()


def not_sent_reason(mark: UndeliverableAddress) -> str:
    code = f" ({mark.code})" if mark.code else ""
    detail = f": {mark.detail}" if mark.detail else ""
    return (
        f"Not sent: mail to {mark.address} could not be delivered{code} on "
        f"{mark.last_seen_at:%Y-%m-%d %H:%M} UTC{detail}. Mail goes to this address again once the player "
        "writes in from it."
    )


def _record_failure(email: OutboundEmail, exc: Exception, now: object) -> None:
    code = _smtp_code(exc)
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if code >= 500:
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=OutboundStatus.FAILED, last_code=code, last_error=error
        )
        if not isinstance(exc, smtplib.SMTPSenderRefused):
            inbound.mark_undeliverable(email.to, code=str(code), detail=error[:500], outbound=email)
        log.warning("outbound email %s refused for good (%s): %s", email.pk, code, exc)
        return
    gave_up = email.attempts >= MAX_ATTEMPTS or clock.now() - email.created_at > GIVE_UP_AFTER
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundStatus.FAILED if gave_up else OutboundStatus.PENDING,
        next_attempt_at=clock.now() + retry_delay(email.attempts),
        last_code=code,
        last_error=error,
    )
    log.warning("sending outbound email %s failed (attempt %s, %s): %s", email.pk, email.attempts, code, exc)


def queue_reply_notification(ticket: Ticket, message: Message) -> OutboundEmail:
    return do_queue_email(
        kind="reply",
        to=ticket.requester_email,
        template="reply",
        context={"ticket": ticket, "message": message, "link": case_link(ticket)},
        language=ticket.language,
        ticket=ticket,
    )


def queue_case_link(ticket: Ticket, language: str) -> OutboundEmail:
    return do_queue_email(
        kind="case_link",
        to=ticket.requester_email,
        template="case_link",
        context={"ticket": ticket, "link": case_link(ticket), "hours": settings.PORTAL_LINK_HOURS},
        language=language,
        ticket=ticket,
    )


def queue_acknowledgement(
    ticket: Ticket, *, in_reply_to: str = "", references: Sequence[str] = ()
) -> OutboundEmail:
    """The automatic 'we received your request' with the reference and our published response time.
    ``in_reply_to``: the player's email it answers (then it threads under it and is ``auto-replied``)."""
    return do_queue_email(
        kind="acknowledgement",
        to=ticket.requester_email,
        template="acknowledgement",
        context={"ticket": ticket, "link": case_link(ticket), "by_email": ticket.channel == "email"},
        language=ticket.language,
        ticket=ticket,
        in_reply_to=in_reply_to,
        references=references,
    )


# ---------------------------------------------------------------- mailboxes


def do_save_mailbox(
    local_part: str,
    *,
    team_slug: str = "",
    language: str = "en",
    category: str = "",
    name: str = "",
    actor: object = None,
) -> object:
    """Create or update the mailbox ``<local_part>@PLAYERDESK_MAIL_DOMAIN`` (team, language, category of
    its new cases)."""
    local_part = local_part.strip().lower()
    if not local_part or "@" in local_part or "+" in local_part or len(local_part) > 64:
        raise ValueError("A mailbox is the part before the @, without '+'.")
    if language not in {"en", "fr"}:
        raise ValueError("A mailbox answers in English or French.")
    team = Team.objects.filter(slug=team_slug).first() if team_slug else None
    transaction.on_commit(inbound.forget_mailboxes)
    with transaction.atomic():
        mailbox, _created = Mailbox.objects.update_or_create(
            local_part=local_part,
            defaults={"team": team, "language": language, "category": category, "name": name or local_part},
        )
        audit.record(
            "mail.mailbox_save",
            object_type="mailbox",
            object_id=str(mailbox.pk),
            user=actor,
            data={"local_part": local_part, "team": team_slug, "language": language},
        )
    return mailbox


def setup_demo_mailboxes() -> None:
    """The demo desk's addresses: support@ (English), soutien@ (French), verification@ (KYC team)."""
    wanted = [
        ("support", "", "en", ""),
        ("soutien", "", "fr", ""),
        ("verification", "verification", "en", "verification"),
        ("paiements", "payments", "fr", "payments"),
    ]
    existing = set(Mailbox.objects.values_list("local_part", flat=True))
    for local_part, team_slug, language, category in wanted:
        if local_part not in existing:
            do_save_mailbox(local_part, team_slug=team_slug, language=language, category=category)
