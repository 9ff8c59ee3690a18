"""The built-in SMTP receiver (aiosmtpd) on ``PLAYERDESK_SMTP_PORT``.

RCPT: mail for our support addresses (``Mailbox`` rows, the support address, reply addresses
``<mailbox>+<token>@``, bounce addresses) is accepted, anything else gets 550. DATA: the raw message is
stored durably (``inbound.receive``) before we answer 250; 451 when storage is unavailable (the sender
retries); over a cap: 552/554 with the reason, the message kept in quarantine. Processing is a job.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connections

from playerdesk.mail import inbound

log = logging.getLogger(__name__)
# aiosmtpd logs every command at INFO; keep its warnings and errors only.
logging.getLogger("mail.log").setLevel(logging.WARNING)
# Real mail breaks RFC 5321's 1,000-byte lines (unwrapped HTML, long base64); accept long lines, within
# the message size cap, rather than refuse such mail.
LINE_LIMIT = 1024 * 1024


def _db_ready() -> None:
    """Drop a connection that failed (the next query reconnects). Unlike ``close_old_connections`` this
    keeps a healthy connection open between messages: reconnecting for each one would cost more than
    storing it."""
    for conn in connections.all(initialized_only=True):
        if conn.errors_occurred:
            conn.close_if_unusable_or_obsolete()


def _store(
    raw: bytes, mail_from: str, rcpt_tos: list[str], peer: str, enqueue: bool = True
) -> inbound.Received:
    _db_ready()
    return inbound.receive(
        raw, source="smtp", envelope_from=mail_from, envelope_to=rcpt_tos, peer=peer, enqueue=enqueue
    )


def _enqueue_batch(ids: list[int]) -> None:
    _db_ready()
    inbound.enqueue_batch(ids)


def _resolve(address: str) -> bool:
    _db_ready()
    return inbound.resolve_recipient(address) is not None


def _rejected(reason: str, mail_from: str, rcpt_tos: list[str], peer: str) -> None:
    _db_ready()
    inbound.record_rejection(
        reason=reason, source="smtp", envelope_from=mail_from, envelope_to=rcpt_tos, peer=peer
    )


def _peer(session: Session) -> str:
    peer = session.peer
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return str(peer or "")


class Handler:
    """``batch``: queue the processing jobs of stored mail in batches (every ``BATCH_SECONDS``) rather than
    one job per message: under load this takes a write to the job queue off each SMTP transaction."""

    BATCH_SECONDS = 0.2

    def __init__(self, *, batch: bool = False) -> None:
        self.batch = batch
        self.pending: list[int] = []
        self.flusher: asyncio.Task[None] | None = None

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.BATCH_SECONDS)
        ids, self.pending = self.pending, []
        try:
            if ids:
                await sync_to_async(_enqueue_batch)(ids)
        finally:
            self.flusher = None
            if self.pending:  # stored while this batch was being queued
                self.flusher = asyncio.ensure_future(self._flush_later())

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        known = inbound.known_recipient(address)
        try:
            if known is None:
                known = await sync_to_async(_resolve)(address)
        except DatabaseError:
            log.exception("recipient look-up failed")
            return "451 4.3.0 Temporary failure, please try again later"
        if not known:
            return f"550 5.1.1 <{address[:200]}>: no such mailbox here"
        if len(envelope.rcpt_tos) >= 50:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            received = await sync_to_async(_store)(
                bytes(raw), envelope.mail_from or "", list(envelope.rcpt_tos), _peer(session), not self.batch
            )
        except (DatabaseError, OSError):
            log.exception("storing an inbound email failed")
            return "451 4.3.0 Storage unavailable, please try again later"
        violation = received.violation
        if violation is None:
            if self.batch and received.created:
                self.pending.append(received.inbound.pk)
                if self.flusher is None:
                    self.flusher = asyncio.ensure_future(self._flush_later())
            return f"250 2.0.0 Stored as #{received.inbound.pk}"
        code = "552 5.3.4" if violation.code in {"too_big", "header_too_big"} else "554 5.6.0"
        kept = "" if violation.code == "empty" else " (kept for review)"
        return f"{code} Rejected: {violation.reason}{kept}"

    async def refused_during_transfer(self, session: Session, envelope: Envelope, status: str) -> None:
        reason = "The message is over the size cap." if status.startswith("552") else "A line is too long."
        try:
            await sync_to_async(_rejected)(
                f"{reason} ({status[:80]})", envelope.mail_from or "", list(envelope.rcpt_tos), _peer(session)
            )
        except DatabaseError:
            log.exception("recording a refused email failed")


class Receiver(SMTP):
    line_length_limit = LINE_LIMIT

    async def push(self, status: Any) -> None:
        # aiosmtpd answers these itself, before our handler sees the message: keep a record of them.
        if (
            isinstance(status, str)
            and status.startswith(("552 Error: Too much mail data", "500 Line too long"))
            and self.envelope
        ):
            handler = self.event_handler
            if isinstance(handler, Handler) and self.session is not None:
                await handler.refused_during_transfer(self.session, self.envelope, status)
        await super().push(status)


class ReceiverController(Controller):
    """Runs the receiver in a thread (used by ``playerdesk mailin``, the tests and the benchmark)."""

    def __init__(self, handler: Any, hostname: str, port: int, **kwargs: Any) -> None:
        super().__init__(handler, hostname=hostname, port=port, **kwargs)

    def factory(self) -> SMTP:
        return Receiver(
            self.handler,
            data_size_limit=settings.MAIL_MAX_BYTES,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=settings.MAIL_DOMAIN,
            ident="PlayerDesk",
            timeout=60,
        )


def serve(host: str | None = None, port: int | None = None) -> None:
    """Run the receiver until SIGTERM/SIGINT."""
    host = host or settings.SMTP_HOST
    port = port or settings.SMTP_PORT
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_args: stop.set())
    controller = ReceiverController(Handler(batch=True), hostname=host, port=port)
    while not stop.is_set():
        try:
            controller.start()
            break
        except (OSError, RuntimeError) as exc:
            # The port is taken (another receiver?): say so and try again, without taking down the desk.
            print(f"playerdesk: mailin cannot listen on {host}:{port} ({exc}); retrying in 10 s", flush=True)
            stop.wait(10)
    else:
        return
    print(f"playerdesk: mailin listening on smtp://{host}:{port} for @{settings.MAIL_DOMAIN}", flush=True)
    try:
        stop.wait()
    finally:
        controller.stop()
