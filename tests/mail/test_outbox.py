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


def test_case_mail_shows_the_help_line_of_the_players_province(make_ticket: Any, player: Any) -> None:
    quebec = queue(make_ticket(language="fr", player=player, email=player.email))
    assert "Jeu : aide et référence 1-800-461-0140" in quebec.body_html
    assert "ConnexOntario" not in quebec.body_html
    player.province = "ON"
    player.save()
    ontario = queue(make_ticket(player=player, email=player.email))
    assert "ConnexOntario 1-866-531-2600" in ontario.body_html
    assert "Jeu : aide" not in ontario.body_html
    anyone = queue(make_ticket())  # no player record: every line
    assert "ConnexOntario 1-866-531-2600" in anyone.body_html and "1-800-461-0140" in anyone.body_html


# ---------------------------------------------------------------- against a real SMTP server


def test_relay_421_for_a_while_then_250_delivers_every_mail_exactly_once(make_ticket: Any, sink: Any) -> None:
    sink.mode = "421"
    emails = [queue(make_ticket(email=f"p{i}@example.com")) for i in range(10)]
    for email in emails:
        assert actions.deliver(email.pk) is False
    moment = clock.now()
    for _ in range(3):  # the relay keeps refusing for a while; each retry waits its turn
        moment += timedelta(hours=5)
        with clock.frozen(moment):
            assert retry_due_emails.call_local() == 0
    assert sink.messages == [] and sink.refused == 40
    row = OutboundEmail.objects.get(pk=emails[0].pk)
    assert row.status == OutboundStatus.PENDING and row.last_code == 421 and row.attempts == 4
    sink.mode = "250"
    with clock.frozen(moment + timedelta(hours=5)):
        assert retry_due_emails.call_local() == 10
        assert retry_due_emails.call_local() == 0
    with clock.frozen(moment + timedelta(days=1)):
        assert retry_due_emails.call_local() == 0
    ids = [m.split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0] for m in sink.messages]
    assert len(ids) == 10 and len(set(ids)) == 10
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboundStatus.SENT}


def test_retry_spacing_follows_rfc5321() -> None:
    delays = [actions.retry_delay(n) for n in range(1, 8)]
    assert delays[0] == timedelta(minutes=1)
    assert all(d >= timedelta(minutes=30) for d in delays[1:])
    assert delays == sorted(delays) and max(delays) == timedelta(hours=4)


def test_550_is_not_retried_and_marks_the_address(ticket: Any, sink: Any) -> None:
    from playerdesk.mail.models import UndeliverableAddress

    sink.mode = "550"
    email = queue(ticket)
    assert actions.deliver(email.pk) is False
    email.refresh_from_db()
    assert email.status == OutboundStatus.FAILED and email.last_code == 550
    assert UndeliverableAddress.objects.filter(address=ticket.requester_email).exists()
    sink.mode = "250"
    with clock.frozen(clock.now() + timedelta(days=1)):
        assert retry_due_emails.call_local() == 0
    assert sink.refused == 1 and sink.messages == []


def test_sent_mail_names_its_bounce_address_and_threads(make_ticket: Any, sink: Any) -> None:
    import email as email_lib
    from email.policy import compat32

    from playerdesk.mail import loops

    ticket = make_ticket(channel="email")
    queued = actions.queue_acknowledgement(ticket, in_reply_to="<orig@mail.example.com>")
    assert actions.deliver(queued.pk) is True
    mail_from, rcpts = sink.envelopes[0]
    assert mail_from == loops.bounce_address(queued.pk)
    assert rcpts == [ticket.requester_email]
    sent = email_lib.message_from_bytes(sink.messages[0], policy=compat32)
    assert sent["Message-ID"] == queued.message_id
    assert sent["In-Reply-To"] == "<orig@mail.example.com>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["Reply-To"].startswith("support+")
    assert "PlayerDesk" in sent["From"] and "bounce+" not in sent["From"]
    assert ticket.reference in sent["Subject"]


def test_a_send_cut_by_a_dead_worker_goes_out_again_with_the_same_message_id(ticket: Any, sink: Any) -> None:
    email = queue(ticket)
    # A worker claimed it, then died before reporting back.
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundStatus.SENDING, attempts=1, next_attempt_at=clock.now() + actions.SENDING_TIMEOUT
    )
    assert retry_due_emails.call_local() == 0  # another worker does not take it while the claim holds
    with clock.frozen(clock.now() + actions.SENDING_TIMEOUT + timedelta(seconds=1)):
        assert retry_due_emails.call_local() == 1
        assert retry_due_emails.call_local() == 0
    assert len(sink.messages) == 1
    assert email.message_id.encode() in sink.messages[0]
