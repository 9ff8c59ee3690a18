"""Raw storage, the receiver's hot path: the bytes encrypted at rest (AES-GCM; rows stored earlier as Fernet
tokens still read), one INSERT, a second copy of the same bytes found without breaking the caller's
transaction, the header sniff, and the recipients resolved at RCPT reused at DATA."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet
from django.db import transaction

from playerdesk.core.storage import files_key
from playerdesk.mail import inbound
from playerdesk.mail.models import InboundEmail, InboundOutcome, InboundStatus, Mailbox
from playerdesk.tickets.models import Ticket
from tests.mail.conftest import DOMAIN, SUPPORT, Receiver
from tests.mail.mails import make_mail


@pytest.mark.django_db
def test_raw_is_encrypted_with_a_fresh_nonce_and_reads_back() -> None:
    raw = make_mail(body="My card number ends in 4242 and my balance is wrong.")
    first, second = inbound.encrypt_raw(raw), inbound.encrypt_raw(raw)
    assert first[:1] == inbound.RAW_V1 and first != second
    assert b"4242" not in first and b"balance" not in first
    assert inbound.decrypt_raw(first) == raw and inbound.decrypt_raw(memoryview(second)) == raw
    tampered = first[:-1] + bytes([first[-1] ^ 1])
    with pytest.raises(InvalidTag):
        inbound.decrypt_raw(tampered)


@pytest.mark.django_db
def test_rows_stored_as_fernet_tokens_are_still_read_and_processed() -> None:
    raw = make_mail(subject="Stored before AES-GCM", sender="early@example.com")
    received = inbound.receive(raw, source="smtp", envelope_to=[SUPPORT], enqueue=False)
    InboundEmail.objects.filter(pk=received.inbound_id).update(raw=Fernet(files_key()).encrypt(raw))
    row = InboundEmail.objects.get(pk=received.inbound_id)
    assert bytes(row.raw).startswith(b"gAAAAA") and inbound.decrypt_raw(row.raw) == raw
    assert inbound.process(row.pk) == InboundOutcome.CASE
    assert Ticket.objects.get().subject == "Stored before AES-GCM"


@pytest.mark.django_db
def test_row_and_header_sniff_before_parsing() -> None:
    raw = (
        b"Received: from mx.example.com\r\n"
        b"from:  =?utf-8?q?Jos=C3=A9?= <Jose@Example.COM>\r\n"
        b"Subject: Retrait\r\n  en attente \xc3\xa9t\xc3\xa9\r\n"
        b"Message-ID: <abc@mail.example.com>\r\n"
        b"Subject: a second subject is ignored\r\n"
        b"\r\nFrom: not a header\r\n"
    )
    received = inbound.receive(
        raw, source="smtp", envelope_from="jose@example.com", envelope_to=[SUPPORT], peer="192.0.2.1"
    )
    assert received.created and received.violation is None
    row = received.inbound
    assert (row.message_id, row.from_address, row.subject) == (
        "<abc@mail.example.com>",
        "Jose@example.com",
        "Retrait en attente été",
    )
    assert row.status == InboundStatus.PENDING and row.source == "smtp" and row.peer == "192.0.2.1"
    assert row.envelope_to == [SUPPORT] and row.size == len(raw) and not row.raw_truncated
    assert row.outcome == "" and row.attempts == 0 and row.dedup_key is None and row.mailbox is None


@pytest.mark.django_db
def test_a_second_copy_is_found_inside_the_callers_transaction() -> None:
    raw = make_mail()
    with transaction.atomic():
        first = inbound.receive(raw, source="smtp", envelope_to=[SUPPORT], enqueue=False)
        again = inbound.receive(raw, source="smtp", envelope_to=[SUPPORT], enqueue=False)
        # The conflict inserted nothing and raised nothing: the transaction goes on.
        assert InboundEmail.objects.count() == 1
    assert first.created and not again.created and again.inbound_id == first.inbound_id


@pytest.mark.django_db
def test_the_insert_names_only_real_columns() -> None:
    with pytest.raises(TypeError, match="no column"):
        inbound._insert_inbound(sha256="x" * 64, size=1, spam=True)


def test_recipients_resolved_at_rcpt_are_not_resolved_again_at_data(
    receiver: Receiver, monkeypatch: Any, other_team: Any
) -> None:
    Mailbox.objects.create(local_part="verification", team=other_team, category="verification")
    calls: list[str] = []
    real = inbound.resolve_recipient

    def counted(address: str) -> inbound.Recipient | None:
        calls.append(address)
        return real(address)

    monkeypatch.setattr(inbound, "resolve_recipient", counted)
    to = f"verification@{DOMAIN}"
    for n in range(2):
        assert receiver.send(make_mail(subject=f"My ID {n}", to=to), to=(to,))[0] == 250
    assert calls == [to]  # the first RCPT looked it up; the second came from the cache, DATA from RCPT
    assert set(InboundEmail.objects.values_list("mailbox__local_part", flat=True)) == {"verification"}
