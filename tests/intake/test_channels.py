"""One intake for every channel: the same message gets the same language, category, priority and team
whether it comes by email (SMTP to ``support@``), by chat (the widget's socket), through the portal form or
through the API; and one automatic acknowledgement a day per address, whatever the channel."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from playerdesk.api.actions import do_create_token
from playerdesk.core import clock
from playerdesk.mail.models import OutboundEmail
from playerdesk.tickets.models import Ticket
from tests.chat.conftest import receive_until, widget
from tests.mail.conftest import DOMAIN, Receiver
from tests.mail.mails import make_mail

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]

# (subject, text, language of the text)
MESSAGES = [
    (
        "Withdrawal still pending",
        "Hello, I asked for a withdrawal of $200 three days ago and it is still pending. Can you check it?",
        "en",
    ),
    (
        "Retrait en attente",
        "Bonjour, j'ai demandé un retrait de 200 $ il y a trois jours et il est toujours en attente. "
        "Pouvez-vous vérifier?",
        "fr",
    ),
    (
        "Someone is in my account",
        "I got a password reset email I never asked for and there are bets in my history I did not place. "
        "Please lock my account right now.",
        "en",
    ),
    (
        "Bloquez mon compte",
        "Je dois arrêter de jouer, je perds tout. Bloquez mon compte tout de suite s'il vous plaît.",
        "fr",
    ),
]
_emails = itertools.count(1)


def _address(channel: str) -> str:
    return f"{channel}{next(_emails)}@example.com"


def _triage(ticket: Ticket) -> tuple[str, str, int, str | None]:
    return ticket.language, ticket.category, ticket.priority, ticket.team.slug if ticket.team else None


def by_email(receiver: Receiver, subject: str, text: str, language: str) -> Ticket:
    sender = _address("mail")
    code, _reply = receiver.send(
        make_mail(subject=subject, body=text, sender=f"Pat <{sender}>", to=f"support@{DOMAIN}"),
        mail_from=sender,
        to=(f"support@{DOMAIN}",),
    )
    assert code == 250
    return Ticket.objects.select_related("team").get(requester_email=sender)


def by_portal(subject: str, text: str, language: str) -> Ticket:
    email = _address("web")
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    form = {"name": "Pat", "email": email, "category": "general", "subject": subject, "message": text}
    response = client.post("/help/new/", form)
    assert response.status_code == 302, response.content[:500]
    return Ticket.objects.select_related("team").get(requester_email=email)


def by_api(token: str, subject: str, text: str, language: str) -> Ticket:
    email = _address("api")
    response = Client().post(
        "/api/v1/tickets",
        {"subject": subject, "body": text, "email": email, "name": "Pat"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content[:500]
    return Ticket.objects.select_related("team").get(requester_email=email)


async def by_chat(text: str, language: str) -> Ticket:
    email = _address("chat")
    ws = widget()
    assert (await ws.connect())[0]
    await ws.send_json_to({"type": "hello", "lang": language})
    await receive_until(ws, "welcome")
    await ws.send_json_to({"type": "msg", "cid": "first", "body": text, "name": "Pat", "email": email})
    ack = await receive_until(ws, "ack")
    await ws.disconnect()
    ticket = await sync_to_async(Ticket.objects.select_related("team").get)(reference=ack["reference"])
    assert ticket.requester_email == email
    return ticket


@pytest.mark.parametrize(
    ("subject", "text", "language"), MESSAGES, ids=["en-payments", "fr-payments", "en-takeover", "fr-block"]
)
async def test_the_same_message_gets_the_same_triage_through_every_channel(
    receiver: Receiver, routed_desk: dict[str, Any], subject: str, text: str, language: str
) -> None:
    token, _row = await sync_to_async(do_create_token)("integration", "service")
    outcomes = {
        "email": _triage(await sync_to_async(by_email)(receiver, subject, text, language)),
        "portal": _triage(await sync_to_async(by_portal)(subject, text, language)),
        "api": _triage(await sync_to_async(by_api)(token, subject, text, language)),
        # A chat has no subject: the player's first line says it; the widget says the page's language.
        "chat": _triage(await by_chat(f"{subject}\n{text}", language)),
    }
    assert len(set(outcomes.values())) == 1, outcomes
    language_of_case, category, priority, team = outcomes["email"]
    assert language_of_case == language
    assert team is not None and category != "general", outcomes  # triage decided, on every channel


async def test_a_withdrawal_email_to_support_is_triaged_not_filed_as_general(
    receiver: Receiver, routed_desk: dict[str, Any]
) -> None:
    """Finding 1: ``support@`` has no category of its own; the email is triaged like any message."""
    subject, text, _language = MESSAGES[0]
    ticket = await sync_to_async(by_email)(receiver, subject, text, "en")
    assert (ticket.category, ticket.team.slug if ticket.team else None) == ("payments", "payments")
    decision = await sync_to_async(lambda: ticket.triage.reasons)()
    assert not any("chosen when the case was opened" in reason for reason in decision)


def _acknowledgements(email: str) -> int:
    return OutboundEmail.objects.filter(to=email, kind="acknowledgement").count()


async def test_one_automatic_acknowledgement_a_day_per_address_whatever_the_channel(
    receiver: Receiver, routed_desk: dict[str, Any]
) -> None:
    email = "dana@example.com"
    token, _row = await sync_to_async(do_create_token)("integration", "service")

    def portal() -> Ticket:
        form = {
            "name": "Dana",
            "email": email,
            "category": "general",
            "subject": "Bonus",
            "message": "Where is my bonus?",
        }
        assert Client().post("/help/new/", form).status_code == 302
        return Ticket.objects.filter(requester_email=email).latest("id")

    def by_mail(subject: str) -> Ticket:
        code, _ = receiver.send(make_mail(subject=subject, sender=f"Dana <{email}>"), mail_from=email)
        assert code == 250
        return Ticket.objects.filter(requester_email=email).latest("id")

    def api() -> Ticket:
        response = Client().post(
            "/api/v1/tickets",
            {"subject": "Deposit", "body": "My deposit is missing.", "email": email, "acknowledge": True},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 201
        return Ticket.objects.filter(requester_email=email).latest("id")

    def offline_chat() -> Ticket:
        from playerdesk.chat.actions import do_offline_message

        return do_offline_message(name="Dana", email=email, body="Nobody is there?", language="en")

    first = await sync_to_async(portal)()
    assert first.acknowledged_at is not None
    assert await sync_to_async(_acknowledgements)(email) == 1
    for make in (lambda: by_mail("Second question"), api, offline_chat):
        later = await sync_to_async(make)()
        assert later.pk != first.pk and later.acknowledged_at is None
        assert await sync_to_async(_acknowledgements)(email) == 1  # still the one of the morning
    # A live chat never gets one: the player watches the case open in the widget.
    chat_ticket = await by_chat("Hello, are you there?", "en")
    assert chat_ticket.acknowledged_at is None
    # The next day, the next new case is acknowledged again.
    with clock.frozen(clock.now() + dt.timedelta(hours=25)):
        next_day = await sync_to_async(by_mail)("A new question")
    assert next_day.acknowledged_at is not None
    assert await sync_to_async(_acknowledgements)(email) == 2
