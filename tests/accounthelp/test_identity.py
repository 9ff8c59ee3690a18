"""Identity before disclosure: per channel, per role, in the console, in macros and through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from playerdesk.accounthelp.models import MacroPolicy, Verification, WebhookDelivery
from playerdesk.accounthelp.verification import do_check_code, do_record_verification, do_send_code, identity
from playerdesk.core.errors import ActionError
from playerdesk.mail.models import OutboundEmail
from playerdesk.players.models import Player
from playerdesk.tickets import actions
from playerdesk.tickets.models import Macro, Ticket
from tests.api.conftest import ApiClient
from tests.players.conftest import client_for

BALANCE = "1,250.40"


def page(user: User, ticket: Ticket) -> str:
    response = client_for(user).get(reverse("console:ticket", args=[ticket.reference]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("channel", "email", "verified"),
    [
        ("email", "jordan@example.com", True),
        ("email", "JORDAN@example.com", True),
        ("web", "jordan@example.com", True),
        ("api", "jordan@example.com", True),
        ("email", "someone.else@example.com", False),
        ("web", "someone.else@example.com", False),
        ("chat", "jordan@example.com", False),
        ("phone", "jordan@example.com", False),
    ],
)
def test_panel_discloses_only_to_verified_requester(
    make_ticket: Callable[..., Ticket],
    account: Player,
    agent: User,
    team: Any,
    channel: str,
    email: str,
    verified: bool,
) -> None:
    ticket = make_ticket(channel=channel, email=email, player=account, team=team)
    assert identity(ticket).verified is verified
    content = page(agent, ticket)
    assert "P-2001" in content  # the linked account's id is not account data
    assert (BALANCE in content) is verified
    assert ("TX-P-2001-000029" in content) is verified
    assert ("500.00" in content) is verified  # limits
    assert ("Requester not verified" in content) is not verified


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_no_role_sees_account_data_of_unverified_requester(
    make_ticket: Callable[..., Ticket], make_agent: Callable[..., User], account: Player, team: Any, role: str
) -> None:
    user = make_agent(f"{role}1", role=role, teams=[team])
    ticket = make_ticket(channel="chat", email="guest@example.com", player=account, team=team)
    content = page(user, ticket)
    assert BALANCE not in content and "jordan@example.com" not in content
    fragment = client_for(user).get(reverse("players:transactions", args=[ticket.reference]))
    assert fragment.status_code == 400
    assert b"TX-P-2001" not in fragment.content
    do_record_verification(ticket, method="operator_token", actor=None)
    assert BALANCE in page(user, ticket)


def test_one_time_code_by_email_verifies_and_is_on_the_timeline(
    make_ticket: Callable[..., Ticket],
    account: Player,
    agent: User,
    team: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = make_ticket(channel="chat", email="guest@example.com", player=account, team=team)
    client = client_for(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("players:send_code", args=[ticket.reference]), {"via": "email"})
    assert response.status_code == 302
    sent = OutboundEmail.objects.get(kind="verification_code")
    assert sent.to == "jordan@example.com"  # the address on file, never the requester's
    assert mail.outbox[-1].to == ["jordan@example.com"]
    code = next(word for word in sent.body_text.split() if word.isdigit() and len(word) == 6)

    wrong = client.post(
        reverse("players:check_code", args=[ticket.reference]),
        {"code": "000000" if code != "000000" else "111111"},
    )
    assert wrong.status_code == 400
    assert BALANCE not in wrong.content.decode()
    ok = client.post(reverse("players:check_code", args=[ticket.reference]), {"code": code})
    assert ok.status_code == 302
    assert BALANCE in page(agent, ticket)
    kinds = list(ticket.events.values_list("kind", "data"))
    assert ("identity_code_sent", {"method": "email_code", "to": "j•••••@example.com"}) in kinds
    assert any(k == "identity_check_failed" and d["result"] == "wrong_code" for k, d in kinds)
    assert ("identity_verified", {"method": "email_code", "result": "verified"}) in kinds


def test_code_by_phone_goes_through_the_operator_webhook(
    make_ticket: Callable[..., Ticket], account: Player, agent: User, team: Any
) -> None:
    ticket = make_ticket(channel="phone", email="caller@example.com", player=account, team=team)
    response = client_for(agent).post(reverse("players:send_code", args=[ticket.reference]), {"via": "phone"})
    assert response.status_code == 302
    delivery = WebhookDelivery.objects.get(kind="verification.code")
    assert delivery.payload["data"]["player_id"] == "P-2001"
    assert len(delivery.payload["data"]["code"]) == 6


def test_too_many_wrong_codes_void_the_code(
    make_ticket: Callable[..., Ticket], account: Player, agent: User
) -> None:
    ticket = make_ticket(channel="chat", email="guest@example.com", player=account)
    do_send_code(ticket, via="email", actor=agent)
    for _ in range(5):
        assert do_check_code(ticket, "999999x", actor=agent) is False
    assert Verification.objects.get().status == "failed"
    with pytest.raises(ActionError):
        do_check_code(ticket, "123456", actor=agent)


@pytest.fixture
def revealing_macro(db: Any) -> Macro:
    macro = actions.do_create_macro(
        "Balance",
        body_en="Hello {{ first_name }}, here is your balance.",
        body_fr="Bonjour {{ first_name }}.",
    )
    MacroPolicy.objects.create(macro=macro, reveals_account_data=True)
    return macro


def test_revealing_macro_blocked_until_verified(
    make_ticket: Callable[..., Ticket], account: Player, agent: User, team: Any, revealing_macro: Macro
) -> None:
    ticket = make_ticket(channel="email", email="someone.else@example.com", player=account, team=team)
    client = client_for(agent)
    insert = client.get(reverse("console:macro_render", args=[ticket.reference, revealing_macro.pk]))
    assert insert.status_code == 400
    assert b"not verified" in insert.content
    apply = client.post(
        reverse("console:macro_apply", args=[ticket.reference, revealing_macro.pk]),
        {"seen_seq": ticket.last_event_seq},
    )
    assert apply.status_code == 400
    assert not ticket.messages.filter(kind="outbound").exists()
    do_record_verification(ticket, method="email_code", actor=agent)
    ticket.refresh_from_db()
    ok = client.post(
        reverse("console:macro_apply", args=[ticket.reference, revealing_macro.pk]),
        {"seen_seq": ticket.last_event_seq},
    )
    assert ok.status_code == 302
    assert ticket.messages.filter(kind="outbound").exists()


@pytest.mark.parametrize("role", ["service", "agent", "supervisor", "admin", "readonly"])
def test_api_withholds_account_data_for_unverified_requester(
    api_for: Callable[..., ApiClient],
    make_agent: Callable[..., User],
    make_ticket: Callable[..., Ticket],
    account: Player,
    team: Any,
    role: str,
) -> None:
    user = make_agent(f"{role}x", role=role, teams=[team]) if role in ("agent", "supervisor") else None
    client = api_for(role, user)
    unverified = make_ticket(channel="chat", email="guest@example.com", player=account, team=team)
    body = client.get(f"/api/v1/tickets/{unverified.reference}/player").json()
    assert body["verified"] is False
    assert body["player"] == {"external_id": "P-2001"}
    text = str(body)
    assert "1250.40" not in text and "jordan@example.com" not in text and "TX-" not in text

    verified = make_ticket(channel="email", email="jordan@example.com", player=account, team=team)
    body = client.get(f"/api/v1/tickets/{verified.reference}/player").json()
    assert body["verified"] is True
    assert body["player"]["balance"] == "1250.40"
    assert len(body["recent_transactions"]) == 20
