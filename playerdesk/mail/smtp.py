"""The built-in SMTP receiver (aiosmtpd) on ``PLAYERDESK_SMTP_PORT``.

RCPT: mail for our support addresses (``Mailbox`` rows, the support address, reply addresses
``<mailbox>+<token>@``, bounce addresses) is accepted, anything else gets 550. DATA: the raw message is
stored durably (``inbound.receive``) before we answer 250; 451 when storage is unavailable (the sender
retries); over a cap: 552/554 with the reason, the message kept in quarantine. Processing is a job.

Database work runs in one thread of the handler's own (``Handler.db``), off the event loop: one
connection, kept open between messages, and a cheaper hop than asgiref's ``sync_to_async``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import DatabaseError, connections

from playerdesk.mail import inbound

log = logging.getLogger(__name__)
# aiosmtpd logs every command at INFO; keep its warnings and errors only.
logging.getLogger("mail.log").setLevel(logging.WARNING)
# Real mail breaks RFC 5321's 1,000-byte lines (unwrapped HTML, long base64); accept long lines, within
# the message size cap, rather than refuse such mail.
LINE_LIMIT = 1024 * 1024
T = TypeVar("T")


def _db_ready() -> None:
    """Drop a connection that failed (the next query reconnects). Unlike ``close_old_connections`` this
    keeps a healthy connection open between messages: reconnecting for each one would cost more than
    storing it."""
    for conn in connections.all(initialized_only=True):
        if conn.errors_occurred:
            conn.close_if_unusable_or_obsolete()


def _store(
    raw: bytes,
    mail_from: str,
    rcpt_tos: list[str],
    peer: str,
    recipients: list[inbound.Recipient] | None,
    enqueue: bool,
) -> inbound.Received:
    _db_ready()
    return inbound.receive(
        raw,
        source="smtp",
        envelope_from=mail_from,
        envelope_to=rcpt_tos,
        peer=peer,
        recipients=recipients,
        enqueue=enqueue,
    )


def _enqueue_batch(ids: list[int]) -> None:
    _db_ready()
    inbound.enqueue_batch(ids)


def _resolve(address: str) -> inbound.Recipient | None:
    _db_ready()
    return inbound.resolve_recipient(address)


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


class MailEnvelope(Envelope):
    """aiosmtpd's envelope plus the recipients as resolved at RCPT (their mailboxes), for DATA."""

    def __init__(self) -> None:
        super().__init__()
        self.recipients: list[inbound.Recipient] = []


class Handler:
    """``batch``: queue the processing jobs of stored mail in batches (every ``BATCH_SECONDS``) rather than
    one job per message: under load this takes a write to the job queue off each SMTP transaction."""

    BATCH_SECONDS = 0.2

    def __init__(self, *, batch: bool = False) -> None:
        self.batch = batch
        self.pending: list[int] = []
        self.flusher: asyncio.Task[None] | None = None
        self.db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mailin-db")

    async def _in_db_thread(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.db, function, *args)

    def close(self) -> None:
        """Close the database connections of the handler's thread, then stop it (after the controller)."""
        self.db.submit(connections.close_all).result(timeout=30)
        self.db.shutdown()

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.BATCH_SECONDS)
        ids, self.pending = self.pending, []
        try:
            if ids:
                await self._in_db_thread(_enqueue_batch, ids)
        finally:
            self.flusher = None
            if self.pending:  # stored while this batch was being queued
                self.flusher = asyncio.ensure_future(self._flush_later())

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        cached, recipient = inbound.cached_recipient(address)
        try:
            if not cached:
                recipient = await self._in_db_thread(_resolve, address)
        except DatabaseError:
            log.exception("recipient look-up failed")
            return "451 4.3.0 Temporary failure, please try again later"
        if recipient is None:
            return f"550 5.1.1 <{address[:200]}>: no such mailbox here"
        if len(envelope.rcpt_tos) >= 50:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        if isinstance(envelope, MailEnvelope):
            envelope.recipients.append(recipient)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        # Resolved at RCPT: DATA does not look the recipients up again.
        recipients = list(envelope.recipients) if isinstance(envelope, MailEnvelope) else None
        try:
            received = await self._in_db_thread(
                _store,
                bytes(raw),
                envelope.mail_from or "",
                list(envelope.rcpt_tos),
                _peer(session),
                recipients,
                not self.batch,
            )
        except (DatabaseError, OSError):
            log.exception("storing an inbound email failed")
            return "451 4.3.0 Storage unavailable, please try again later"
        violation = received.violation
        if violation is None:
            if self.batch and received.created:
                self.pending.append(received.inbound_id)
                if self.flusher is None:
                    self.flusher = asyncio.ensure_future(self._flush_later())
            return f"250 2.0.0 Stored as #{received.inbound_id}"
        code = "552 5.3.4" if violation.code in {"too_big", "header_too_big"} else "554 5.6.0"
        kept = "" if violation.code == "empty" else " (kept for review)"
        return f"{code} Rejected: {violation.reason}{kept}"

    async def refused_during_transfer(self, session: Session, envelope: Envelope, status: str) -> None:
        reason = "The message is over the size cap." if status.startswith("552") else "A line is too long."
        try:
            await self._in_db_thread(
                _rejected,
                f"{reason} ({status[:80]})",
                envelope.mail_from or "",
                list(envelope.rcpt_tos),
                _peer(session),
            )
        except DatabaseError:
            log.exception("recording a refused email failed")


class Receiver(SMTP):
    line_length_limit = LINE_LIMIT

    def _create_envelope(self) -> Envelope:
        return MailEnvelope()

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
    handler = Handler(batch=True)
    controller = ReceiverController(handler, hostname=host, port=port)
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
        handler.close()
