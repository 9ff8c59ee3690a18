"""Document requests: a signed, expiring, single-case upload link; checked uploads; the case waits on
the player and resumes on upload; reminders."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from playerdesk.accounthelp import documents
from playerdesk.accounthelp.documents import do_request_documents, do_send_document_reminders, make_token
from playerdesk.accounthelp.models import DocumentRequest
from playerdesk.core import clock
from playerdesk.mail.models import OutboundEmail
from playerdesk.tickets.models import Attachment, Ticket
from tests.players.conftest import client_for


def png(width: int = 40, height: int = 30) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def huge_png(width: int = 65_000, height: int = 65_000) -> bytes:
    """A tiny file that declares 65,000 × 65,000 pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


@pytest.fixture
def waiting(
    make_ticket: Callable[..., Ticket], agent: User, team: Any, django_capture_on_commit_callbacks: Any
) -> DocumentRequest:
    ticket = make_ticket("Withdrawal on hold", email="pat@example.com", team=team, language="fr")
    response = client_for(agent).post(
        reverse("players:request_documents", args=[ticket.reference]),
        {"types": ["photo_id", "proof_of_address"], "note": "Merci d'envoyer les deux côtés."},
    )
    assert response.status_code == 302
    return DocumentRequest.objects.get(ticket=ticket)


def upload(token: str, *files: tuple[str, bytes], client: Client | None = None) -> Any:
    data = {"files": [SimpleUploadedFile(name, content) for name, content in files]}
    return (client or Client()).post(reverse("portal:upload", args=[token]), data)


def test_request_sends_link_in_case_language_and_case_waits(waiting: DocumentRequest) -> None:
    ticket = waiting.ticket
    ticket.refresh_from_db()
    assert ticket.status == "waiting_player"
    email = OutboundEmail.objects.get(kind="document_request")
    assert email.to == "pat@example.com" and email.language == "fr"
    assert "Pièce d’identité avec photo" in email.body_text
    assert "Merci d'envoyer les deux côtés." in email.body_text
    assert "/help/upload/" in email.body_text
    assert ticket.events.filter(kind="documents_requested").exists()


def test_upload_page_in_french_then_upload_resumes_the_case(waiting: DocumentRequest) -> None:
    token = make_token(waiting)
    page = Client().get(reverse("portal:upload", args=[token]))
    assert page.status_code == 200
    assert page["Content-Language"] == "fr"
    assert "Envoyez vos documents" in page.content.decode()
    english = Client()
    english.cookies["playerdesk_language"] = "en"
    assert "Send your documents" in english.get(reverse("portal:upload", args=[token])).content.decode()

    response = upload(
        token, ("id-front.png", png()), ("address.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
    )
    assert response.status_code == 200
    waiting.refresh_from_db()
    assert waiting.status == "received" and waiting.uploads == 2
    ticket = Ticket.objects.get(pk=waiting.ticket_id)
    assert ticket.status == "open"
    assert sorted(Attachment.objects.filter(ticket=ticket).values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/png",
    ]
    assert ticket.events.filter(kind="documents_received").exists()
    # The link cannot be used again.
    assert upload(token, ("again.png", png())).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("huge.png", huge_png(), "too large in pixels"),
        ("photo.jpg", b"MZ\x90\x00 this is a windows program, not a photo" * 20, "not a photo or PDF"),
        ("notes.jpg", b"just some text renamed to look like a photo\n" * 10, "not a photo or PDF"),
        ("broken.png", png()[:60], "damaged"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(
    waiting: DocumentRequest, name: str, content: bytes, message: str
) -> None:
    english = Client()
    english.cookies["playerdesk_language"] = "en"
    response = upload(make_token(waiting), (name, content), client=english)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Attachment.objects.exists()
    waiting.refresh_from_db()
    assert waiting.status == "open"


def test_expired_tampered_and_other_case_links_are_refused(
    waiting: DocumentRequest, make_ticket: Callable[..., Ticket], agent: User
) -> None:
    token = make_token(waiting)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert Client().get(reverse("portal:upload", args=[tampered])).status_code == 404
    other = make_ticket("Other case", email="pat@example.com")
    forged = signing.dumps({"d": waiting.public_id, "r": other.reference}, salt=documents.SALT)
    assert Client().get(reverse("portal:upload", args=[forged])).status_code == 404
    other_request = do_request_documents(other, types=["screenshot"], actor=agent)
    # A link of one case never opens another case's request.
    assert documents.request_for_token(make_token(other_request)).ticket_id == other.pk  # type: ignore[union-attr]
    assert documents.request_for_token(token).ticket_id == waiting.ticket_id  # type: ignore[union-attr]
    later = signing.time.time() + 8 * 86400
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = Client().get(reverse("portal:upload", args=[token]))
    assert response.status_code == 404
    assert b"expired" in response.content or "expiré".encode() in response.content


def test_reminders_after_the_delay(waiting: DocumentRequest, settings: Any) -> None:
    settings.DOCUMENT_REMINDER_DAYS = 3
    assert do_send_document_reminders() == 0
    with clock.frozen(clock.now() + timedelta(days=3, minutes=1)):
        assert do_send_document_reminders() == 1
        assert do_send_document_reminders() == 0
    with clock.frozen(clock.now() + timedelta(days=7)):
        assert do_send_document_reminders() == 1
    with clock.frozen(clock.now() + timedelta(days=30)):
        assert do_send_document_reminders() == 0  # two reminders at most
    assert OutboundEmail.objects.filter(kind="document_reminder").count() == 2
    assert waiting.ticket.events.filter(kind="document_reminder").count() == 2
