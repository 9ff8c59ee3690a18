from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail

from playerdesk.core import clock
from playerdesk.mail import actions
from playerdesk.mail.models import OutboundEmail, OutboundStatus
from playerdesk.mail.tasks import retry_due_emails


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def queue(ticket: Any) -> OutboundEmail:
    return actions.queue_acknowledgement(ticket)


def test_queued_mail_is_sent_once(ticket: Any) -> None:
    email = queue(ticket)
    assert actions.deliver(email.pk) is True
    assert actions.deliver(email.pk) is False  # already sent: a second worker finds nothing to claim
    email.refresh_from_db()
    assert email.status == OutboundStatus.SENT and email.attempts == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == email.message_id
    assert mail.outbox[0].extra_headers["X-PlayerDesk-Reference"] == ticket.reference


def test_failed_relay_backs_off_then_retries(ticket: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_TIMEOUT = 2
    email = queue(ticket)
    assert actions.deliver(email.pk) is False
    email.refresh_from_db()
    assert email.status == OutboundStatus.PENDING
    assert email.attempts == 1
    assert "Connection" in email.last_error or "refused" in email.last_error.lower()
    assert email.next_attempt_at > clock.now()
    assert actions.deliver(email.pk) is False  # not due yet: backoff respected
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with clock.frozen(clock.now() + timedelta(hours=2)):
        assert retry_due_emails.call_local() == 1
    email.refresh_from_db()
    assert email.status == OutboundStatus.SENT and email.attempts == 2


def test_gives_up_after_max_attempts(ticket: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    email = queue(ticket)
    OutboundEmail.objects.filter(pk=email.pk).update(attempts=actions.MAX_ATTEMPTS - 1)
    actions.deliver(email.pk)
    email.refresh_from_db()
    assert email.status == OutboundStatus.FAILED


def test_send_interrupted_midway_is_retried(ticket: Any) -> None:
    email = queue(ticket)
    OutboundEmail.objects.filter(pk=email.pk).update(status=OutboundStatus.SENDING)
    with clock.frozen(clock.now() + timedelta(minutes=11)):
        OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=clock.now() - timedelta(seconds=1))
        assert retry_due_emails.call_local() == 1
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("language", ["en", "fr"])
def test_automatic_mail_follows_case_language(make_ticket: Any, language: str) -> None:
    ticket = make_ticket(language=language)
    email = queue(ticket)
    assert email.language == language
    assert email.headers.get("Auto-Submitted") == "auto-generated"
    assert ticket.reference in email.subject
