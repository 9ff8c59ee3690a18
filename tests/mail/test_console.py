"""Console screens for mail: the original email (headers, raw download), the quarantine with 'import
anyway', and the mail panel on the case page (delivery status, bounces, possible follow-ups)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from playerdesk.core.models import AuditLog
from playerdesk.mail import inbound
from playerdesk.mail.models import InboundStatus, OutboundEmail
from playerdesk.tickets.models import Ticket
from tests.mail.conftest import SUPPORT
from tests.mail.mails import ingest, make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def sup_client(supervisor: Any) -> Client:
    client = Client()
    client.force_login(supervisor)
    return client


def test_original_view_and_raw_download(sup_client: Client) -> None:
    row = ingest(
        make_mail(body="Hello\n\nOn Mon, Support wrote:\n> older text", html="<p>Hi<script>x()</script></p>")
    )
    page = sup_client.get(f"/desk/mail/in/{row.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Message-ID" in html and "&gt; older text" in html and "<script>x()" not in html
    raw = sup_client.get(f"/desk/mail/in/{row.pk}/raw/")
    assert raw.status_code == 200
    assert raw["Content-Disposition"].startswith("attachment;")
    assert b"older text" in raw.content
    assert AuditLog.objects.filter(action="mail.raw_download", object_id=str(row.pk)).exists()


def test_agent_without_access_to_the_case_gets_404(make_agent: Any, team: Any, other_team: Any) -> None:
    row = ingest(make_mail())
    outsider = make_agent("otto", teams=[other_team])
    Ticket.objects.filter(pk=row.ticket_id).update(team=team)
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/desk/mail/in/{row.pk}/").status_code in (403, 404)
    assert client.get(f"/desk/mail/in/{row.pk}/raw/").status_code in (403, 404)
    assert client.get("/desk/mail/quarantine/").status_code == 403


def test_quarantine_list_and_import_anyway(sup_client: Client, settings: Any) -> None:
    settings.MAIL_MAX_PARTS = 3
    parts = "".join(f"--b\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n" for i in range(6))
    raw = (
        "From: pat@example.com\r\nTo: support@playerdesk.localhost\r\nSubject: many parts\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n{parts}--b--\r\n'
    ).encode()
    received = inbound.receive(raw, source="smtp", envelope_from="pat@example.com", envelope_to=[SUPPORT])
    assert received.violation is not None and received.violation.code == "too_many_parts"
    row = received.inbound
    assert row.status == InboundStatus.QUARANTINED
    listing = sup_client.get("/desk/mail/quarantine/")
    assert listing.status_code == 200
    assert "many parts" in listing.content.decode() and "parts" in row.reason
    response = sup_client.post(f"/desk/mail/in/{row.pk}/import/")
    row.refresh_from_db()
    assert row.status == InboundStatus.DONE and row.ticket is not None
    assert response.status_code == 302 and response["Location"].endswith(f"/desk/t/{row.ticket.reference}/")
    assert "part 5" in row.ticket.messages.get().body_text
    assert AuditLog.objects.filter(action="mail.import_quarantined").exists()
    again = sup_client.post(f"/desk/mail/in/{row.pk}/import/")
    assert again.status_code == 302  # refused with a message, not a 500


def test_case_panel_shows_delivery_status_and_follow_ups(
    sup_client: Client, django_assert_max_num_queries: Any
) -> None:
    first = ingest(make_mail(subject="Bonus not credited", body="My bonus is missing from my account."))
    second = ingest(make_mail(subject="Re: bonus not credited", body="Still missing, please check."))
    OutboundEmail.objects.filter(ticket=first.ticket).update(
        status="failed", last_code=550, last_error="550 User unknown"
    )
    page = sup_client.get(f"/desk/t/{first.ticket.reference}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Failed" in html and "550" in html and f"/desk/mail/in/{first.pk}/" in html
    page = sup_client.get(f"/desk/t/{second.ticket.reference}/")
    assert (
        "Possible follow-up of" in page.content.decode() and first.ticket.reference in page.content.decode()
    )


def test_mailbox_links_to_the_quarantine(sup_client: Client) -> None:
    assert "/desk/mail/quarantine/" in sup_client.get("/desk/mailbox/").content.decode()
