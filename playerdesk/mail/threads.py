"""Which case an inbound email belongs to, in this order:

1. Message-ID / In-Reply-To / References against ids we stored: our outbound Message-IDs are random
   (unguessable), so a reply quoting one joins its case whoever sends it; ids of inbound mail only count
   when the sender is a participant of the case.
2. The case's reply address ``<mailbox>+<token>@domain`` (the token is random and unguessable).
3. A reference in the subject (``[PD-…]``), only when the sender is a participant of that case.

Anything else opens a new case, with a "possible follow-up" hint when the subject and sender match a
recent case or the subject names a case of someone else. A stranger can never append to another's case.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from playerdesk.core import clock, refs
from playerdesk.core.text import fold
from playerdesk.mail.models import CaseMail, InboundEmail, Mailbox, MailLink, OutboundEmail
from playerdesk.mail.parse import ParsedEmail
from playerdesk.tickets.models import Message, MessageKind, Ticket

FOLLOW_UP_WINDOW = timedelta(days=30)
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|tr|réf|ref|aw|sv|wg)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
_REFERENCE_TAG = re.compile(r"\[\s*" + refs.REFERENCE_PATTERN.pattern[2:] + r"\s*\]", re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    ticket: Ticket
    via: str  # in_reply_to | references | reply_address | subject


def normalize_subject(subject: str) -> str:
    subject = _REFERENCE_TAG.sub(" ", subject)
    subject = refs.REFERENCE_PATTERN.sub(" ", subject)
    previous = None
    while previous != subject:
        previous = subject
        subject = _SUBJECT_PREFIX.sub("", subject).strip()
    return " ".join(fold(subject).split())


def is_participant(ticket: Ticket, address: str) -> bool:
    """The requester, the player on file, or someone who already wrote on the case by email."""
    if not address:
        return False
    lowered = address.lower()
    if ticket.requester_email.lower() == lowered:
        return True
    if ticket.player_id and ticket.player and ticket.player.email.lower() == lowered:
        return True
    return Message.objects.filter(
        ticket=ticket, kind=MessageKind.INBOUND, author_email__iexact=address
    ).exists()


def reply_token_of(address: str) -> str | None:
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if domain.lower() != settings.MAIL_DOMAIN.lower() or "+" not in local:
        return None
    token = local.split("+", 1)[1]
    token = token.lower()
    return token if re.fullmatch(r"[0-9a-f]{24}", token) else None


def find_case(parsed: ParsedEmail, sender: str, recipients: list[str]) -> Match | None:
    ids = parsed.in_reply_to + [i for i in reversed(parsed.references) if i not in parsed.in_reply_to]
    if ids:
        ours = dict(
            OutboundEmail.objects.filter(message_id__in=ids, ticket__isnull=False).values_list(
                "message_id", "ticket_id"
            )
        )
        theirs = dict(
            InboundEmail.objects.filter(message_id__in=ids, ticket__isnull=False).values_list(
                "message_id", "ticket_id"
            )
        )
        for message_id in ids:
            via = "in_reply_to" if message_id in parsed.in_reply_to else "references"
            if message_id in ours:
                return Match(Ticket.objects.select_related("player").get(pk=ours[message_id]), via)
            if message_id in theirs:
                ticket = Ticket.objects.select_related("player").get(pk=theirs[message_id])
                if is_participant(ticket, sender):
                    return Match(ticket, via)
    tokens = [t for t in (reply_token_of(a) for a in recipients) if t]
    if tokens:
        mail = CaseMail.objects.select_related("ticket__player").filter(reply_token__in=tokens).first()
        if mail is not None:
            return Match(mail.ticket, "reply_address")
    for ticket in _subject_cases(parsed.subject):
        if is_participant(ticket, sender):
            return Match(ticket, "subject")
    return None


def _subject_cases(subject: str) -> list[Ticket]:
    references = []
    for found in refs.REFERENCE_PATTERN.findall(subject or ""):
        try:
            references.append(refs.normalize(found))
        except refs.InvalidReference:
            continue
    if not references:
        return []
    return list(Ticket.objects.select_related("player").filter(reference__in=references[:5]))


def link_possible_follow_ups(ticket: Ticket, parsed: ParsedEmail, sender: str) -> list[MailLink]:
    """Hints for the agent on a new email case: cases named in the subject (whose participant the sender
    is not, or the mail would have joined them) and recent cases of the same sender with the same subject."""
    now = clock.now()
    related: dict[int, str] = {}
    for other in _subject_cases(parsed.subject):
        if other.pk != ticket.pk:
            related[other.pk] = "mentions_reference"
    subject = normalize_subject(parsed.subject)
    if subject:
        recent = (
            Ticket.objects.filter(requester_email=sender, received_at__gte=now - FOLLOW_UP_WINDOW)
            .exclude(pk=ticket.pk)
            .order_by("-received_at")
            .only("id", "subject")[:20]
        )
        for other in recent:
            if other.pk not in related and normalize_subject(other.subject) == subject:
                related[other.pk] = "same_subject"
    links = [
        MailLink(ticket=ticket, related_id=pk, reason=reason, created_at=now)
        for pk, reason in related.items()
    ]
    return MailLink.objects.bulk_create(links[:10], ignore_conflicts=True)


def case_mail(ticket: Ticket, mailbox: Mailbox | None = None) -> CaseMail:
    """The mail details of a case, created on first use (reply token)."""
    mail = CaseMail.objects.filter(ticket=ticket).select_related("mailbox").first()
    if mail is None:
        mail, _created = CaseMail.objects.get_or_create(
            ticket=ticket,
            defaults={"reply_token": secrets.token_hex(12), "mailbox": mailbox, "created_at": clock.now()},
        )
    return mail


def reply_address(mail: CaseMail) -> str:
    base = mail.mailbox.local_part if mail.mailbox else settings.SUPPORT_EMAIL.rpartition("@")[0]
    return f"{base}+{mail.reply_token}@{settings.MAIL_DOMAIN}"
