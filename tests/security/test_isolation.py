"""One player, one case: a valid link to case A never reads or writes case B, whatever the form says.
One agent, their teams' cases: searching for another team's case finds nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from playerdesk.tickets.actions import do_change_status
from playerdesk.tickets.models import Message, Ticket
from tests.security.hostile import assert_safe_response

pytestmark = pytest.mark.django_db

SECRETS = ("SECRET-SUBJECT", "SECRET-BODY", "AB123456", "victim@example.net", "Vic Timothy")


def assert_no_secret(response: Any, foreign: Ticket, typed: str = "") -> None:
    """Nothing of the other case, except what the person typed themselves (forms echo their input)."""
    assert_safe_response(response)
    body = response.content.decode("utf-8", "replace")
    for secret in (*SECRETS, foreign.reference):
        assert secret in typed or secret not in body, secret


def state(ticket: Ticket) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    return (ticket.status, ticket.last_event_seq, list(ticket.messages.values_list("body_text", flat=True)))


@pytest.fixture
def holder(own_case: Ticket, portal_token: Callable[[Ticket], str]) -> tuple[Client, str]:
    """A player's browser that opened case A from its link."""
    client = Client()
    url = f"/help/case/{portal_token(own_case)}/"
    assert client.get(url).status_code == 200
    return client, url


def test_case_page_shows_only_its_own_case(holder: tuple[Client, str], foreign_case: Ticket) -> None:
    client, url = holder
    assert_no_secret(client.get(url), foreign_case)


@pytest.mark.parametrize(
    "extra",
    [
        {"reference": "{ref}"},
        {"ticket": "{pk}", "ticket_id": "{pk}", "case": "{ref}"},
        {"token": "{token}"},
        {"email": "victim@example.net", "requester_email": "victim@example.net"},
    ],
    ids=["reference", "ids", "token", "email"],
)
def test_reply_form_of_a_lands_on_a_whatever_it_names(
    holder: tuple[Client, str],
    own_case: Ticket,
    foreign_case: Ticket,
    portal_token: Callable[[Ticket], str],
    extra: dict[str, str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client, url = holder
    values = {"ref": foreign_case.reference, "pk": str(foreign_case.pk), "token": portal_token(foreign_case)}
    form = {"message": "Where is my money?", **{k: v.format(**values) for k, v in extra.items()}}
    before = state(foreign_case)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form)
    assert response.status_code == 302
    assert state(foreign_case) == before
    assert own_case.messages.filter(body_text="Where is my money?").count() == 1
    assert all(sent.to == ["pat@example.com"] for sent in mail.outbox)
    assert_no_secret(client.get(response["Location"]), foreign_case)


def test_a_session_that_opened_a_grants_nothing_on_b(
    holder: tuple[Client, str], foreign_case: Ticket, portal_token: Callable[[Ticket], str]
) -> None:
    client, url = holder
    token_a = url.split("/")[-2]
    token_b = portal_token(foreign_case)
    before = state(foreign_case)
    # B's token with A's signature, A's token with B's payload, B's reference where the token goes.
    payload_b, _, signature_b = token_b.rpartition(":")
    payload_a, _, signature_a = token_a.rpartition(":")
    for forged in (
        f"{payload_b}:{signature_a}",
        f"{payload_a.split(':')[0]}:{token_b.split(':', 1)[1]}",
        foreign_case.reference,
    ):
        for response in (
            client.get(f"/help/case/{forged}/"),
            client.post(f"/help/case/{forged}/", {"message": "x"}),
        ):
            assert response.status_code == 404
            assert_no_secret(response, foreign_case, typed=forged)
    assert state(foreign_case) == before


def test_follow_up_of_a_closed_case_stays_with_its_player(
    holder: tuple[Client, str],
    own_case: Ticket,
    foreign_case: Ticket,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client, url = holder
    for status in ("open", "solved", "closed"):
        own_case = do_change_status(own_case, status, actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": "It happened again.", "reference": foreign_case.reference})
    assert response.status_code == 302
    follow_up = Ticket.objects.get(linked_from=own_case)
    assert follow_up.requester_email == own_case.requester_email
    assert not Ticket.objects.filter(linked_from=foreign_case).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert follow_up.reference in page.content.decode()
    assert_no_secret(page, foreign_case)


@pytest.mark.parametrize(
    "email",
    [
        "victim@example.net",
        " VICTIM@Example.NET ",
        "attacker@example.org",
        "victim@example.net\r\nBcc: attacker@example.org",
        "victim@example.net,attacker@example.org",
        "attacker@example.org <victim@example.net>",
    ],
)
def test_find_case_mails_only_the_cases_own_address(
    client: Client, foreign_case: Ticket, email: str, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/help/find/", {"reference": foreign_case.reference, "email": email})
    assert response.status_code in (302, 400)
    assert_no_secret(response, foreign_case, typed=f"{foreign_case.reference} {email}")
    for sent in mail.outbox:
        assert sent.to == ["victim@example.net"]
        assert not sent.cc and not sent.bcc
    if "attacker" in email:
        assert mail.outbox == []


# ---------------------------------------------------------------- agents and tokens


@pytest.mark.parametrize(
    "q", ["{ref}", "{ref_lower}", "victim@example.net", "SECRET-SUBJECT", "passport", "Vic"]
)
def test_search_never_finds_another_teams_case(
    agent_client: Client, agent_headers: dict[str, str], own_case: Ticket, foreign_case: Ticket, q: str
) -> None:
    query = q.format(ref=foreign_case.reference, ref_lower=foreign_case.reference.lower())
    for params in ({"q": query}, {"q": query, "tab": "all", "status": "any"}):
        response = agent_client.get("/desk/", params)
        assert response.status_code == 200
        assert list(response.context["rows"]) == []
        assert_no_secret(response, foreign_case, typed=query)
    api = Client().get("/api/v1/tickets", {"q": query}, **agent_headers)
    assert api.status_code == 200
    assert api.json()["items"] == []
    assert_no_secret(api, foreign_case)


def test_console_reply_form_of_a_lands_on_a(
    agent_client: Client, own_case: Ticket, foreign_case: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    before = state(foreign_case)
    form = {
        "body": "Your payout is on its way.",
        "mode": "reply",
        "seen_seq": str(own_case.last_event_seq),
        "reference": foreign_case.reference,
        "ticket": str(foreign_case.pk),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(f"/desk/t/{own_case.reference}/reply/", form)
    assert response.status_code == 302
    assert state(foreign_case) == before
    assert Message.objects.filter(ticket=own_case, body_text="Your payout is on its way.").exists()
    assert [sent.to for sent in mail.outbox] == [["pat@example.com"]]


def test_readonly_token_cannot_write(make_token: Callable[..., str], own_case: Ticket) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {make_token('readonly')}"}
    before = state(own_case)
    for path, body in (
        ("/api/v1/tickets", {"subject": "s", "body": "b", "email": "a@b.co"}),
        (f"/api/v1/tickets/{own_case.reference}/messages", {"body": "b"}),
        (f"/api/v1/tickets/{own_case.reference}/status", {"status": "solved"}),
    ):
        response = Client().post(path, body, content_type="application/json", **headers)
        assert response.status_code == 403
        assert_safe_response(response)
    assert state(own_case) == before
