from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from playerdesk.mail.models import InboundEmail, InboundOutcome, InboundStatus, Mailbox
from playerdesk.tickets.models import Message, Ticket
from tests.mail.conftest import DOMAIN, Receiver
from tests.mail.mails import make_mail


def test_mail_to_support_becomes_a_case_with_an_acknowledgement(receiver: Receiver) -> None:
    code, reply = receiver.send(make_mail())
    assert code == 250, reply
    ticket = Ticket.objects.get()
    assert ticket.channel == "email"
    assert ticket.requester_email == "pat@example.com"
    assert ticket.subject == "Withdrawal still pending"
    assert "three days ago" in ticket.messages.get().body_text
    inbound = InboundEmail.objects.get()
    assert inbound.status == InboundStatus.DONE and inbound.outcome == InboundOutcome.CASE
    assert len(mail.outbox) == 1
    ack = mail.outbox[0]
    assert ack.to == ["pat@example.com"]
    assert ticket.reference in ack.subject


def test_unknown_recipient_gets_550(receiver: Receiver) -> None:
    code, reply = receiver.send(make_mail(), to=(f"nobody@{DOMAIN}",))
    assert code == 550
    code, reply = receiver.send(make_mail(), to=("support@elsewhere.example",))
    assert code == 550
    assert not InboundEmail.objects.exists()


def test_250_only_once_stored_and_451_when_storage_is_down(receiver: Receiver, monkeypatch: Any) -> None:
    from django.db import OperationalError

    from playerdesk.mail import inbound

    real = inbound.receive

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(inbound, "receive", broken)
    raw = make_mail()
    code, reply = receiver.send(raw)
    assert code == 451 and "try again" in reply
    assert not InboundEmail.objects.exists()
    monkeypatch.setattr(inbound, "receive", real)
    code, reply = receiver.send(raw)  # the sender's retry
    assert code == 250
    stored = InboundEmail.objects.get()
    assert f"#{stored.pk}" in reply
    assert (
        inbound.decrypt_raw(stored.raw).replace(b"\r\n", b"\n").rstrip()
        == raw.replace(b"\r\n", b"\n").rstrip()
    )
    assert stored.sha256 and len(stored.sha256) == 64


def test_same_message_delivered_three_times_is_one_message(receiver: Receiver) -> None:
    raw = make_mail(message_id="<thrice@mail.example.com>")
    for _ in range(3):
        assert receiver.send(raw)[0] == 250
    # …and three more copies with other trace headers (other bytes, same Message-ID and sender).
    for hop in range(3):
        assert receiver.send(f"Received: from relay{hop}.example.com\r\n".encode() + raw)[0] == 250
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(ticket__channel="email").count() == 1
    assert InboundEmail.objects.count() == 4  # identical bytes are stored once
    assert InboundEmail.objects.filter(outcome=InboundOutcome.DUPLICATE).count() == 3
    assert len(mail.outbox) == 1


def test_header_bomb_is_refused_before_parsing_and_quarantined(receiver: Receiver, monkeypatch: Any) -> None:
    from playerdesk.mail import inbound

    calls: list[bytes] = []
    monkeypatch.setattr(inbound, "parse", lambda raw: calls.append(raw))  # must never be reached
    bomb = b"From: a@example.com\r\nSubject: bomb\r\n" + b"".join(
        b"X-Filler-%d: %s\r\n" % (i, b"v" * 60) for i in range(4200)
    )
    bomb += b"\r\nbody\r\n"
    assert len(bomb) > 300_000
    code, reply = receiver.send(bomb, mail_from="a@example.com")
    assert code == 552 and "header block" in reply and "kept for review" in reply
    params = b"From: a@example.com\r\nSubject: params\r\nContent-Type: text/plain; " + b";".join(
        b"p%d=1" % i for i in range(32_000)
    )
    params += b"\r\n\r\nbody\r\n"
    code, reply = receiver.send(params, mail_from="a@example.com")
    assert code in (552, 554) and "kept for review" in reply
    assert calls == []
    held = InboundEmail.objects.filter(status=InboundStatus.QUARANTINED)
    assert held.count() == 2 and all(row.reason for row in held)
    assert not Ticket.objects.exists()


def test_message_over_the_size_cap_is_refused_with_a_record(receiver: Receiver, settings: Any) -> None:
    settings.MAIL_MAX_BYTES = 50_000
    # The receiver reads the cap when a connection starts.
    code, reply = receiver.send(make_mail(body="x" * 80 + "\n" * 1 + ("y" * 70 + "\n") * 1500))
    assert code == 552
    row = InboundEmail.objects.get()
    assert row.status == InboundStatus.REJECTED and "size cap" in row.reason


@pytest.mark.parametrize(
    ("subject", "body", "to", "language", "expected"),
    [
        (
            "Retrait en attente",
            "Bonjour, j'ai demandé un retrait de 200 $ il y a trois jours et il est toujours en attente.",
            "support",
            "fr",
            "Nous avons bien reçu votre demande",
        ),
        (
            "Withdrawal pending",
            "Hello, I asked for a withdrawal of $200 three days ago and it is still pending. Thanks.",
            "support",
            "en",
            "We received your request",
        ),
        # The text gives no clue: the French address decides.
        ("Question", "200 $ ???", "soutien", "fr", "Nous avons bien reçu votre demande"),
        # A clear text decides, whatever the address (as on every channel).
        ("Question", "Hello, where is my money? Thanks a lot.", "soutien", "en", "We received your request"),
    ],
)
def test_acknowledgement_in_the_players_language(
    receiver: Receiver, subject: str, body: str, to: str, language: str, expected: str
) -> None:
    Mailbox.objects.create(local_part="soutien", language="fr")
    code, _reply = receiver.send(
        make_mail(subject=subject, body=body, to=f"{to}@{DOMAIN}"), to=(f"{to}@{DOMAIN}",)
    )
    assert code == 250
    ticket = Ticket.objects.get()
    assert ticket.language == language
    ack = mail.outbox[0]
    assert ticket.reference in ack.subject
    assert ticket.reference in ack.body
    assert expected in ack.body
    assert ("24 heures" if language == "fr" else "24 hours") in ack.body


def test_mailbox_maps_to_a_team_and_category(receiver: Receiver, other_team: Any) -> None:
    Mailbox.objects.create(local_part="verification", team=other_team, category="verification")
    to = f"verification@{DOMAIN}"
    assert receiver.send(make_mail(subject="My ID documents", to=to), to=(to,))[0] == 250
    ticket = Ticket.objects.get()
    assert ticket.team == other_team and ticket.category == "verification"
    assert InboundEmail.objects.get().mailbox.local_part == "verification"


def test_attachments_html_and_quoted_history(receiver: Receiver) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    raw = make_mail(
        body="Here is my ID.\n\nOn Mon, 3 Mar 2025, Support <support@playerdesk.localhost> wrote:\n"
        "> Send your ID\n",
        html="<p>Here is my ID.</p><script>alert(1)</script><img src=x onerror=alert(2)>",
        attachments=[
            ("id-card.png", png, "image/png"),
            ("statement.pdf", b"%PDF-1.4 test", "application/pdf"),
        ],
    )
    assert receiver.send(raw)[0] == 250
    ticket = Ticket.objects.get()
    message = ticket.messages.get()
    assert message.body_text == "Here is my ID."
    names = sorted(ticket.attachments.values_list("filename", "content_type"))
    assert names == [("id-card.png", "image/png"), ("statement.pdf", "application/pdf")]
    from playerdesk.mail.inbound import decrypt_raw
    from playerdesk.mail.parse import parse

    parsed = parse(decrypt_raw(InboundEmail.objects.get().raw))
    assert "> Send your ID" in parsed.text  # the original keeps the history
    assert "<script" not in parsed.html and "onerror" not in parsed.html


def test_undecodable_parts_fall_back_to_raw_text(receiver: Receiver) -> None:
    raw = (
        b"From: pat@example.com\r\nTo: support@playerdesk.localhost\r\nSubject: broken\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n"  # no boundary
        b"--zzz\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n\r\n"
        b"Mon d\xe9p\xf4t est bloqu\xe9\r\n--zzz--\r\n"
    )
    assert receiver.send(raw)[0] == 250
    body = Ticket.objects.get().messages.get().body_text
    assert "bloqu" in body


def test_batched_job_queueing_processes_every_stored_mail(transactional_db: Any) -> None:
    """``playerdesk mailin`` queues processing jobs in batches: stored mail still becomes cases."""
    import time

    from playerdesk.mail.smtp import Handler, ReceiverController
    from tests.mail.conftest import free_port

    port = free_port()
    handler = Handler(batch=True)
    controller = ReceiverController(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        client = Receiver("127.0.0.1", port)
        for i in range(3):
            assert client.send(make_mail(sender=f"p{i}@example.com", subject=f"Batch {i}"))[0] == 250
        # Wait for the batch to be queued (and, jobs running immediately in tests, processed); the
        # database is only read once the receiver is done with it.
        deadline = time.monotonic() + 30
        while (handler.pending or handler.flusher is not None) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
        handler.close()
    assert Ticket.objects.count() == 3
    assert set(InboundEmail.objects.values_list("outcome", flat=True)) == {InboundOutcome.CASE}


def test_demo_mailboxes(db: Any, other_team: Any) -> None:
    from playerdesk.mail.actions import setup_demo_mailboxes

    setup_demo_mailboxes()
    setup_demo_mailboxes()
    boxes = {m.local_part: m for m in Mailbox.objects.select_related("team")}
    assert set(boxes) == {"support", "soutien", "verification", "paiements"}
    assert boxes["soutien"].language == "fr" and boxes["verification"].team == other_team
