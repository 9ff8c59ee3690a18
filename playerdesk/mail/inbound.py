"""Inbound mail: raw bytes stored first (encrypted, sha256), then processed by a job that claims the row,
parses it, finds its case (``threads``), and commits the message, its attachments, the acknowledgement and
the row's outcome in one transaction. A worker that dies before that commit leaves the row claimed with
a lease; once the lease passes, the sweep processes it again, and the message exists exactly once."""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from time import monotonic, perf_counter
from typing import Any

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import F, Q

from playerdesk.core import audit, clock
from playerdesk.core.errors import ActionError
from playerdesk.core.storage import files_key
from playerdesk.core.text import clean_line
from playerdesk.intake.actions import do_intake
from playerdesk.intake.contact import Contact, File, Overrides
from playerdesk.mail import loops, tasks, threads
from playerdesk.mail.limits import Violation, check_limits, header_block_end
from playerdesk.mail.models import (
    InboundEmail,
    InboundOutcome,
    InboundStatus,
    Mailbox,
    OutboundEmail,
    OutboundStatus,
    UndeliverableAddress,
)
from playerdesk.mail.parse import ParsedEmail, header_text, message_ids, parse, parse_address
from playerdesk.players.models import Player
from playerdesk.tickets.actions import Requester, check_email
from playerdesk.tickets.models import Channel, Message, Ticket

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
KEEP_BYTES = 256 * 1024  # of a message over the size cap, kept for the quarantine view
_SPECIAL = {"bounce"}


class WorkerStopped(BaseException):
    """Raised by tests to stand for a worker killed mid-job (it is never caught here)."""


class _Duplicate(Exception):
    def __init__(self, original: InboundEmail) -> None:
        super().__init__(f"same Message-ID and sender as inbound email #{original.pk}")
        self.original = original


class _ClaimLost(Exception):
    pass


# ---------------------------------------------------------------- raw storage

# Raw messages are encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from the files key: one
# pass and no base64, a fraction of Fernet's cost on a mail-sized blob. A blob is ``RAW_V1`` + 12-byte
# random nonce + ciphertext and tag. Rows stored before hold Fernet tokens (they start with ``gAAAAA``),
# which ``decrypt_raw`` still reads.
RAW_V1 = b"\x01"
_NONCE_BYTES = 12


@functools.lru_cache(maxsize=4)
def _raw_cipher(files_key: bytes) -> AESGCM:
    secret = base64.urlsafe_b64decode(files_key)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"playerdesk inbound raw v1")
    return AESGCM(key.derive(secret))


def encrypt_raw(raw: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return RAW_V1 + nonce + _raw_cipher(files_key()).encrypt(nonce, raw, RAW_V1)


def decrypt_raw(blob: bytes | memoryview) -> bytes:
    data = bytes(blob)
    if data[:1] == RAW_V1:
        nonce, sealed = data[1 : 1 + _NONCE_BYTES], data[1 + _NONCE_BYTES :]
        return _raw_cipher(files_key()).decrypt(nonce, sealed, RAW_V1)
    return Fernet(files_key()).decrypt(data)


@dataclass(frozen=True)
class Recipient:
    address: str
    mailbox: Mailbox | None
    special: str = ""  # "bounce" for the VERP return path


def _local_base(address: str) -> str | None:
    """The mailbox part of one of our addresses (``support`` of ``support+token@domain``), else None."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if not local or domain.lower() != settings.MAIL_DOMAIN.lower():
        return None
    return local.split("+", 1)[0].lower()


def _recipient(address: str, base: str, mailbox: Mailbox | None) -> Recipient | None:
    if mailbox is not None:
        return Recipient(address, mailbox)
    if base == settings.SUPPORT_EMAIL.rpartition("@")[0].lower():
        return Recipient(address, None)
    return None


def resolve_recipient(address: str) -> Recipient | None:
    """A recipient address we accept mail for, or None (the SMTP receiver answers 550)."""
    base = _local_base(address)
    if base is None:
        return None
    if base in _SPECIAL:
        return Recipient(address, None, base) if loops.outbound_of_bounce_address(address) else None
    found, mailbox = _mailbox_cache.get(base, (0.0, None))
    if monotonic() - found > MAILBOX_CACHE_SECONDS:
        mailbox = Mailbox.objects.filter(local_part=base, is_active=True).first()
        _mailbox_cache[base] = (monotonic(), mailbox)
    return _recipient(address, base, mailbox)


# Mailbox look-ups of this process, kept a few seconds (the receiver checks every RCPT).
MAILBOX_CACHE_SECONDS = 10.0
_mailbox_cache: dict[str, tuple[float, Mailbox | None]] = {}


def forget_mailboxes() -> None:
    _mailbox_cache.clear()


def cached_recipient(address: str) -> tuple[bool, Recipient | None]:
    """``resolve_recipient`` from this process's cache alone (no database): (True, the recipient or None),
    or (False, None) when the address must be looked up."""
    base = _local_base(address)
    if base is None:
        return True, None
    if base in _SPECIAL:
        return False, None
    found, mailbox = _mailbox_cache.get(base, (0.0, None))
    if monotonic() - found > MAILBOX_CACHE_SECONDS:
        return False, None
    return True, _recipient(address, base, mailbox)


@dataclass(frozen=True)
class Received:
    """The stored row (``inbound_id``; ``inbound`` loads it), whether this call stored it (False: the same
    bytes were already stored) and the cap it is over, if any."""

    inbound_id: int
    created: bool
    violation: Violation | None

    @functools.cached_property
    def inbound(self) -> InboundEmail:
        return InboundEmail.objects.get(pk=self.inbound_id)


def receive(
    raw: bytes,
    *,
    source: str,
    envelope_from: str = "",
    envelope_to: Sequence[str] = (),
    peer: str = "",
    mailbox: Mailbox | None = None,
    recipients: Sequence[Recipient] | None = None,
    full_size: int | None = None,
    enqueue: bool = True,
) -> Received:
    """Store ``raw`` durably (or find it already stored). Raises ``DatabaseError`` when storage is down:
    the SMTP receiver then answers 451 and the sender tries again later. ``mailbox``: the mailbox it was
    fetched from (IMAP); else the first mailbox of ``recipients`` (resolved already, at RCPT) or of
    ``envelope_to``. ``full_size``: the size of a message of which only the beginning was fetched (over
    the size cap).

    One INSERT, committed by itself unless the caller holds a transaction: when this returns, the row is
    on disk (SMTP answers 250 only then)."""
    size = max(full_size or 0, len(raw))
    if size > settings.MAIL_MAX_BYTES:
        violation: Violation | None = Violation(
            "too_big", f"The message is {size:,} bytes; at most {settings.MAIL_MAX_BYTES:,}."
        )
        digest = hashlib.sha256(raw[:KEEP_BYTES] + f"|{size}".encode()).hexdigest()
    else:
        violation = check_limits(raw)
        digest = hashlib.sha256(raw).hexdigest()
    kept = raw[:KEEP_BYTES] if violation and violation.code == "too_big" else raw
    head = _quick_headers(kept)
    if mailbox is None:
        if recipients is None:
            recipients = [r for r in map(resolve_recipient, envelope_to) if r is not None]
        mailbox = next((r.mailbox for r in recipients if r.mailbox is not None), None)
    status = InboundStatus.PENDING
    if violation is not None:
        status = InboundStatus.REJECTED if violation.code == "empty" else InboundStatus.QUARANTINED
    inbound_id = _insert_inbound(
        received_at=clock.now(),
        source=source,
        mailbox_id=mailbox.pk if mailbox is not None else None,
        envelope_from=envelope_from[:320],
        envelope_to=[a[:320] for a in envelope_to][:50],
        peer=peer[:100],
        raw=encrypt_raw(kept),
        raw_truncated=len(kept) < size,
        size=size,
        sha256=digest,
        message_id=head["message_id"],
        from_address=head["from"],
        subject=head["subject"],
        status=status,
        reason=violation.reason if violation else "",
    )
    if inbound_id is None:  # the same bytes were stored before: the first copy stands
        existing = InboundEmail.objects.filter(sha256=digest).values_list("pk", flat=True).first()
        if existing is None:
            raise IntegrityError(f"inbound email {digest} conflicts but cannot be found")
        return Received(existing, False, violation)
    if status == InboundStatus.PENDING and enqueue:
        transaction.on_commit(lambda: _enqueue(inbound_id))
    if violation is not None:
        log.warning("inbound email #%s %s: %s", inbound_id, status, violation.reason)
    return Received(inbound_id, True, violation)


def record_rejection(
    *, reason: str, source: str, envelope_from: str, envelope_to: Sequence[str], peer: str
) -> None:
    """A message refused before we had its bytes (e.g. over the size cap during the SMTP transfer)."""
    _insert_inbound(
        received_at=clock.now(),
        source=source,
        envelope_from=envelope_from[:320],
        envelope_to=[a[:320] for a in envelope_to][:50],
        peer=peer[:100],
        raw=encrypt_raw(b""),
        raw_truncated=True,
        size=0,
        sha256=f"rejected-{uuid.uuid4().hex}"[:64],
        status=InboundStatus.REJECTED,
        reason=reason[:500],
    )
    log.warning("inbound email from %r refused during transfer: %s", envelope_from, reason)


# Values passed to the database as they are; the others (dates, JSON, bytes) go through their field.
_PLAIN = (models.CharField, models.TextField, models.BooleanField, models.IntegerField, models.ForeignKey)


@dataclass(frozen=True)
class _InsertPlan:
    sql: str
    defaults: tuple[Any, ...]  # of every column, ready for the database
    # attribute name -> (position, field, whether the value goes through ``get_db_prep_save``)
    columns: dict[str, tuple[int, Any, bool]]


@functools.cache
def _insert_plan(alias: str) -> _InsertPlan:
    """The INSERT of one ``InboundEmail``: every concrete column but the id, ``ON CONFLICT (sha256) DO
    NOTHING`` (a second copy of the same bytes inserts nothing and breaks no enclosing transaction),
    ``RETURNING`` the id (SQLite ≥ 3.35, PostgreSQL)."""
    connection = connections[alias]
    meta = InboundEmail._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    for field in fields:  # a default computed per row would need computing here per row
        if field.has_default() and callable(field.default) and field.default not in (list, dict):
            raise TypeError(f"InboundEmail.{field.name}: the raw INSERT takes constant defaults only")

    def quote(name: str | None) -> str:
        assert name, "a concrete field has a column"
        return connection.ops.quote_name(name)

    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608
        f"ON CONFLICT ({quote(meta.get_field('sha256').column)}) DO NOTHING "
        f"RETURNING {quote(meta.get_field('id').column)}"
    )
    return _InsertPlan(
        sql=sql,
        defaults=tuple(f.get_db_prep_save(f.get_default(), connection) for f in fields),
        columns={f.attname: (i, f, not isinstance(f, _PLAIN)) for i, f in enumerate(fields)},
    )


def _insert_inbound(**values: Any) -> int | None:
    """INSERT one ``InboundEmail`` row (``values`` by attribute name, the other columns at their model
    defaults) as one parameterised statement: the ORM's ``create`` spends longer compiling the SQL than
    the database takes to store the row, and this is the receiver's hot path. Returns the new id, or
    None when a row with the same sha256 exists. Outside a transaction the statement commits by itself."""
    alias = router.db_for_write(InboundEmail)
    connection = connections[alias]
    plan = _insert_plan(alias)
    params = list(plan.defaults)
    for name, value in values.items():
        if name not in plan.columns:
            raise TypeError(f"InboundEmail has no column {name!r}")
        index, field, converted = plan.columns[name]
        params[index] = field.get_db_prep_save(value, connection) if converted else value
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        rows = cursor.fetchall()  # runs the statement to its end (SQLite commits it there)
    return int(rows[0][0]) if rows else None


# A header field starting a line of the header block (the block is scanned with a newline in front), with
# its folded continuation lines. The literal newline lets the search skip ahead from line to line.
_SNIFFED = re.compile(rb"\n(message-id|from|subject)[ \t]*:[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)", re.IGNORECASE)


def _quick_headers(raw: bytes) -> dict[str, str]:
    """Message-ID, From and Subject (the first of each) read from the header block without parsing the
    message: one scan of its bytes that stops once the three are found; only their values are decoded."""
    block = b"\n" + raw[: min(header_block_end(raw), 64 * 1024)]
    found: dict[bytes, bytes] = {}
    for match in _SNIFFED.finditer(block):
        found.setdefault(match.group(1).lower(), match.group(2))
        if len(found) == 3:
            break

    def value(name: bytes) -> str:
        folded = found.get(name, b"").replace(b"\r", b"").replace(b"\n", b"")
        if folded.isascii() and b"=?" not in folded:
            return folded.decode("ascii")  # what header_text would return, without its work
        return header_text(folded.decode("utf-8", "surrogateescape"))

    return {
        "message_id": (message_ids(value(b"message-id"), 1) or [""])[0][:255],
        "from": parse_address(value(b"from"))[1][:320],
        "subject": clean_line(value(b"subject"), 255),
    }


def _enqueue(inbound_id: int) -> None:
    try:
        tasks.process_inbound(inbound_id)
    except Exception:  # the raw mail is stored; the sweep processes it
        log.exception("could not queue inbound email #%s", inbound_id)


def enqueue_batch(inbound_ids: Sequence[int]) -> None:
    """One job for several stored emails (the SMTP receiver under load queues them this way)."""
    try:
        tasks.process_inbound_batch(list(inbound_ids))
    except Exception:  # the raw mail is stored; the sweep processes it
        log.exception("could not queue %s inbound emails", len(inbound_ids))


# ---------------------------------------------------------------- processing


def process(inbound_id: int) -> str | None:
    """Process one stored email if it is due. Returns its outcome (None: nothing to do here)."""
    now = clock.now()
    claim = uuid.uuid4().hex
    claimed = (
        InboundEmail.objects.filter(pk=inbound_id)
        .filter(Q(status=InboundStatus.PENDING) | Q(status=InboundStatus.PROCESSING, lease_until__lt=now))
        .update(
            status=InboundStatus.PROCESSING, claim=claim, lease_until=now + LEASE, attempts=F("attempts") + 1
        )
    )
    if not claimed:
        return None
    inbound = InboundEmail.objects.select_related("mailbox").get(pk=inbound_id)
    try:
        raw = decrypt_raw(inbound.raw)
        started = perf_counter()
        parsed = parse(raw)
        inbound.parse_ms = (perf_counter() - started) * 1000
    except Exception as exc:
        log.exception("inbound email #%s could not be parsed", inbound_id)
        _finish(
            inbound,
            claim,
            InboundStatus.QUARANTINED,
            reason=f"The message could not be read ({type(exc).__name__}).",
        )
        return InboundStatus.QUARANTINED
    try:
        with transaction.atomic():
            return _apply(inbound, claim, parsed)
    except _Duplicate as dup:
        _finish(
            inbound,
            claim,
            InboundStatus.DONE,
            outcome=InboundOutcome.DUPLICATE,
            ticket_id=dup.original.ticket_id,
            reason=f"Duplicate of inbound email #{dup.original.pk} (same Message-ID and sender).",
            parsed=parsed,
        )
        return InboundOutcome.DUPLICATE
    except ActionError as exc:
        _finish(inbound, claim, InboundStatus.REJECTED, reason=str(exc), parsed=parsed)
        return InboundStatus.REJECTED
    except _ClaimLost:
        return None
    except Exception as exc:
        log.exception("processing inbound email #%s failed (attempt %s)", inbound_id, inbound.attempts)
        if inbound.attempts >= MAX_ATTEMPTS:
            _finish(
                inbound, claim, InboundStatus.QUARANTINED, reason=f"Processing failed: {type(exc).__name__}"
            )
            return InboundStatus.QUARANTINED
        InboundEmail.objects.filter(pk=inbound_id, claim=claim).update(
            status=InboundStatus.PENDING, lease_until=clock.now() + timedelta(seconds=30 * inbound.attempts)
        )
        return None


def _finish(
    inbound: InboundEmail,
    claim: str,
    status: str,
    *,
    outcome: str = "",
    reason: str = "",
    ticket_id: int | None = None,
    parsed: ParsedEmail | None = None,
) -> None:
    fields: dict[str, Any] = {
        "status": status,
        "outcome": outcome,
        "reason": reason[:500],
        "ticket_id": ticket_id,
        "processed_at": clock.now(),
        "lease_until": None,
        "parse_ms": inbound.parse_ms,
    }
    if parsed is not None:
        fields.update(_parsed_fields(parsed))
    InboundEmail.objects.filter(pk=inbound.pk, claim=claim).update(**fields)


def _parsed_fields(parsed: ParsedEmail) -> dict[str, str]:
    return {
        "message_id": parsed.message_id[:255],
        "from_address": parsed.from_address[:320],
        "subject": parsed.subject[:255],
    }


def _apply(inbound: InboundEmail, claim: str, parsed: ParsedEmail) -> str:
    if (
        not InboundEmail.objects.select_for_update()
        .filter(pk=inbound.pk, claim=claim, status=InboundStatus.PROCESSING)
        .exists()
    ):
        raise _ClaimLost
    ticket: Ticket | None = None
    message: Message | None = None
    notes: list[str] = []
    envelope_from = inbound.envelope_from
    if inbound.source == "imap" and not envelope_from:
        envelope_from = parsed.header("Return-Path").strip().strip("<>") or parsed.from_address
    if loops.looks_like_bounce(parsed, envelope_from, list(inbound.envelope_to)):
        ticket, note = _handle_bounce(inbound, parsed)
        return _done(inbound, InboundOutcome.BOUNCE, parsed, ticket=ticket, reason=note)
    if loops.is_own_mail(parsed):
        return _done(inbound, InboundOutcome.LOOP, parsed, reason="Our own mail came back: no case.")
    sender = _sender(parsed, envelope_from)
    if sender.rpartition("@")[2] == settings.MAIL_DOMAIN.lower():
        return _done(inbound, InboundOutcome.LOOP, parsed, reason="Mail from our own domain: no case.")
    if parsed.message_id:
        key = hashlib.sha256(f"{parsed.message_id}|{sender.lower()}".encode()).hexdigest()
        original = InboundEmail.objects.filter(dedup_key=key).exclude(pk=inbound.pk).first()
        if original is not None:
            raise _Duplicate(original)
        try:
            with transaction.atomic():
                InboundEmail.objects.filter(pk=inbound.pk).update(dedup_key=key)
        except IntegrityError:
            raise _Duplicate(InboundEmail.objects.get(dedup_key=key)) from None
    if clear_undeliverable(sender):
        notes.append(f"{sender} was marked undeliverable: mail from it makes it deliverable again.")
    recipients = list(inbound.envelope_to) + parsed.to + parsed.cc
    match = threads.find_case(parsed, sender, recipients)
    mailbox = inbound.mailbox
    player = (
        match.ticket.player
        if match is not None
        else Player.objects.filter(email__in={sender, sender.lower()}).first()
    )
    suppressed = loops.suppression_reason(parsed, envelope_from)
    landing = do_intake(
        Contact(
            channel=Channel.EMAIL,
            requester=Requester(sender, parsed.from_name, player),
            subject=parsed.subject.strip(),
            body=_body(parsed),
            language_hint=mailbox.language if mailbox is not None else "",
            entry_point=f"address:{mailbox.address if mailbox is not None else settings.SUPPORT_EMAIL}",
            files=[File(a.filename, a.data) for a in parsed.attachments],
            external_id=parsed.message_id or f"<{inbound.sha256}@inbound.{settings.MAIL_DOMAIN}>",
            thread=match.ticket if match is not None else None,
            acknowledge=not suppressed,
            no_reply_reason=suppressed,
            message_id=parsed.message_id,
            references=parsed.references,
            overrides=Overrides(
                category=(mailbox.category or None) if mailbox is not None else None,
                team=mailbox.team if mailbox is not None else None,
            ),
        )
    )
    ticket, message = landing.ticket, landing.message
    outcome = InboundOutcome.CASE if landing.created else InboundOutcome.FOLLOW_UP
    if match is not None:
        notes.append(f"Threaded by {match.via.replace('_', ' ')} onto {match.ticket.reference}.")
    if landing.follow_up_of is not None:
        notes.append(f"{landing.follow_up_of.reference} is closed: new linked case {ticket.reference}.")
    if landing.created:
        threads.case_mail(ticket, mailbox)
        if match is None:
            threads.link_possible_follow_ups(ticket, parsed, sender)
        if landing.no_acknowledgement:
            notes.append(f"No acknowledgement: {landing.no_acknowledgement}.")
    if landing.refused_files:
        kept = "; ".join(f"{name[:60]} ({why})" for name, why in landing.refused_files)
        notes.append(f"Attachments kept only in the original email: {kept}")
    return _done(
        inbound, outcome, parsed, ticket=ticket, message=message, reason=" ".join(n for n in notes if n)
    )


def _done(
    inbound: InboundEmail,
    outcome: str,
    parsed: ParsedEmail,
    *,
    ticket: Ticket | None = None,
    message: Message | None = None,
    reason: str = "",
) -> str:
    InboundEmail.objects.filter(pk=inbound.pk).update(
        status=InboundStatus.DONE,
        outcome=outcome,
        ticket=ticket,
        ticket_message=message,
        reason=reason[:500],
        processed_at=clock.now(),
        lease_until=None,
        parse_ms=inbound.parse_ms,
        **_parsed_fields(parsed),
    )
    return outcome


def _sender(parsed: ParsedEmail, envelope_from: str) -> str:
    for candidate in (parsed.from_address, envelope_from.strip().strip("<>")):
        if candidate:
            try:
                return check_email(candidate)
            except ActionError:
                continue
    raise ActionError("The message has no valid sender address.")


def _body(parsed: ParsedEmail) -> str:
    text = parsed.display_text.strip() or parsed.text.strip()
    if not text:
        names = ", ".join(a.filename for a in parsed.attachments[:10])
        text = f"(No text. Attachments: {names})" if names else "(Empty message)"
    limit = settings.MAX_BODY_CHARS - 200
    if len(text) > limit:
        text = text[:limit] + "\n\n[… cut here: the whole message is in the original email]"
    return text


# ---------------------------------------------------------------- bounces


def _handle_bounce(inbound: InboundEmail, parsed: ParsedEmail) -> tuple[Ticket | None, str]:
    outbound = None
    for address in inbound.envelope_to:
        outbound_id = loops.outbound_of_bounce_address(address)
        if outbound_id:
            outbound = OutboundEmail.objects.filter(pk=outbound_id).first()
            break
    if outbound is None:
        candidates = list(parsed.original_ids)
        pattern = re.compile(r"<[^<>\s]{1,200}@" + re.escape(settings.MAIL_DOMAIN) + ">", re.IGNORECASE)
        haystack = parsed.text[:200_000] + "".join(
            a.data[:200_000].decode("utf-8", "replace")
            for a in parsed.attachments
            if a.content_type.startswith(("message/", "text/"))
        )
        candidates += pattern.findall(haystack)[:20]
        if candidates:
            outbound = OutboundEmail.objects.filter(message_id__in=candidates[:40]).first()
    permanent = loops.is_permanent(parsed)
    delivery = next((d for d in parsed.deliveries if d.action == "failed" or d.status.startswith("5")), None)
    delivery = delivery or (parsed.deliveries[0] if parsed.deliveries else None)
    detail = clean_line(
        (delivery.diagnostic or delivery.status) if delivery else parsed.subject or "delivery failed", 400
    )
    if outbound is None:
        return None, f"Bounce not matched to an email we sent: {detail}"[:500]
    now = clock.now()
    if permanent:
        OutboundEmail.objects.filter(pk=outbound.pk).update(
            status=OutboundStatus.BOUNCED, bounced_at=now, bounce_detail=detail
        )
        mark_undeliverable(
            outbound.to,
            code=delivery.status if delivery else "",
            detail=detail,
            outbound=outbound,
            inbound=inbound,
        )
        note = f"Permanent bounce of the email to {outbound.to}: {detail}"
    else:
        OutboundEmail.objects.filter(pk=outbound.pk).update(bounce_detail=f"Delayed: {detail}"[:500])
        note = f"Delay notice for the email to {outbound.to}: {detail}"
    return outbound.ticket, note[:500]


def mark_undeliverable(
    address: str,
    *,
    code: str = "",
    detail: str = "",
    outbound: OutboundEmail | None = None,
    inbound: InboundEmail | None = None,
) -> UndeliverableAddress:
    now = clock.now()
    with transaction.atomic():
        row, created = UndeliverableAddress.objects.select_for_update().get_or_create(
            address=address.lower()[:320],
            defaults={
                "code": code[:16],
                "detail": detail[:500],
                "first_seen_at": now,
                "last_seen_at": now,
                "outbound": outbound,
                "inbound": inbound,
            },
        )
        if not created:
            UndeliverableAddress.objects.filter(pk=row.pk).update(
                code=code[:16] or row.code,
                detail=detail[:500] or row.detail,
                last_seen_at=now,
                count=F("count") + 1,
                outbound=outbound or row.outbound,
                inbound=inbound or row.inbound,
            )
    return row


def clear_undeliverable(address: str) -> bool:
    """The player wrote in from ``address``: it is deliverable again. True when it was marked."""
    deleted, _ = UndeliverableAddress.marks_of(address).delete()
    return deleted > 0


# ---------------------------------------------------------------- sweep and quarantine


def recover(limit: int = 200) -> int:
    """Process mail whose job was lost or whose worker died (lease passed). Run every minute."""
    now = clock.now()
    due = (
        InboundEmail.objects.filter(
            Q(
                status=InboundStatus.PENDING,
                lease_until__isnull=True,
                received_at__lt=now - timedelta(seconds=20),
            )
            | Q(status=InboundStatus.PENDING, lease_until__lt=now)
            | Q(status=InboundStatus.PROCESSING, lease_until__lt=now)
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in list(due) if process(pk) is not None)


def do_import_quarantined(inbound: InboundEmail, *, actor: Any) -> str | None:
    """An agent decided a quarantined email is legitimate: process it (caps lifted) and record who."""
    if inbound.status != InboundStatus.QUARANTINED:
        raise ActionError("Only quarantined emails can be imported.")
    if not inbound.size:
        raise ActionError(
            "This email was refused before its content was received: there is nothing to import."
        )
    with transaction.atomic():
        updated = InboundEmail.objects.filter(pk=inbound.pk, status=InboundStatus.QUARANTINED).update(
            status=InboundStatus.PENDING,
            lease_until=None,
            attempts=0,
            reason=f"Imported anyway (was: {inbound.reason})"[:500],
        )
        if not updated:
            raise ActionError("This email was already imported.")
        audit.record(
            "mail.import_quarantined",
            object_type="inbound_email",
            object_id=str(inbound.pk),
            user=actor,
            data={"reason": inbound.reason},
        )
    outcome = process(inbound.pk)
    inbound.refresh_from_db()
    if inbound.status == InboundStatus.QUARANTINED:
        raise ActionError(inbound.reason or "The email could not be imported.")
    return outcome
