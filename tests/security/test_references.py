"""Forged, unknown and hostile references, tokens and ids in every URL that carries one: a 4xx (or the
sign-in page), never a server error, never a word of another team's or another player's case."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail, signing
from django.test import Client, override_settings

from playerdesk.core import refs
from playerdesk.tickets import links
from playerdesk.tickets.actions import do_create_macro
from playerdesk.tickets.attachments import do_add_attachment
from playerdesk.tickets.models import Attachment, Macro, Ticket
from tests.security.hostile import assert_safe_response

pytestmark = pytest.mark.django_db

SECRETS = ("SECRET-SUBJECT", "SECRET-BODY", "AB123456", "victim@example.net", "Vic Timothy")


@dataclass
class World:
    own: Ticket
    foreign: Ticket
    macro: Macro
    foreign_macro: Macro
    own_file: Attachment
    foreign_file: Attachment


@pytest.fixture
def world(own_case: Ticket, foreign_case: Ticket, team: Any, other_team: Any) -> World:
    macro = do_create_macro("Thanks", body_en="Thanks {{ first_name }}.", body_fr="Merci.", team=team)
    foreign_macro = do_create_macro(
        "Passport", body_en="SECRET-BODY macro", body_fr="SECRET-BODY macro", team=other_team
    )
    own_file = do_add_attachment(own_case, filename="receipt.txt", data=b"receipt")
    foreign_file = do_add_attachment(foreign_case, filename="passport.txt", data=b"SECRET-BODY passport scan")
    return World(own_case, foreign_case, macro, foreign_macro, own_file, foreign_file)


def flip_check_symbol(reference: str) -> str:
    check = reference[-1]
    other = next(c for c in refs.CHECK_ALPHABET if c != check and c.isalnum())
    return reference[:-1] + other


# Each: the reference as typed in the URL (from the world), and whether a plain agent could open it.
BAD_REFERENCES: dict[str, Callable[[World], str]] = {
    "unknown-but-valid": lambda w: refs.reference_for_sequence(987_654_321),
    "bad-check-symbol": lambda w: flip_check_symbol(w.own.reference),
    "other-team": lambda w: w.foreign.reference,
    "other-team-lowercase": lambda w: w.foreign.reference.lower(),
    "other-team-no-dash": lambda w: w.foreign.reference.replace("-", ""),
    "other-team-confusables": lambda w: w.foreign.reference.replace("0", "O").replace("1", "l"),
    "traversal": lambda w: "..%2F..%2F..%2Fetc%2Fpasswd",
    "dot-dot": lambda w: "..",
    "encoded-nul": lambda w: f"{w.own.reference}%00",
    "invalid-utf8": lambda w: "PD-%FF%FE%ED%A0%80",
    "sql": lambda w: "PD-1'%20OR%20'1'='1",
    "fullwidth": lambda w: "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in w.foreign.reference),
    "script": lambda w: "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "10kb": lambda w: "A" * 10_240,
    "10kb-references": lambda w: (w.foreign.reference * 1000)[:10_240],
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {ref} is replaced; {macro} is the agent's macro
    data: dict[str, str] | None = None


CONSOLE_ROUTES = {
    "case": Route("GET", "/desk/t/{ref}/"),
    "reply": Route("POST", "/desk/t/{ref}/reply/", {"body": "hi", "mode": "reply", "seen_seq": "0"}),
    "set-status": Route("POST", "/desk/t/{ref}/set/status/", {"value": "solved"}),
    "set-tags": Route("POST", "/desk/t/{ref}/set/tags/", {"value": "pwned"}),
    "macro-preview": Route("GET", "/desk/t/{ref}/macros/{macro}/"),
    "macro-apply": Route("POST", "/desk/t/{ref}/macros/{macro}/apply/", {"seen_seq": "0"}),
}
API_ROUTES = {
    "get": Route("GET", "/api/v1/tickets/{ref}"),
    "messages": Route("POST", "/api/v1/tickets/{ref}/messages", {"body": "hi", "kind": "note"}),
    "status": Route("POST", "/api/v1/tickets/{ref}/status", {"status": "solved"}),
}


ID_VALUES = {
    "unknown": "987654321",
    "zero": "0",
    "huge": "1" + "0" * 30,
    "10kb": "9" * 10_240,
    "negative": "-1",
    "traversal": "..%2F..%2Fsettings.py",
    "superscript": "%C2%B2",
}


def snapshot(ticket: Ticket) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    tags = tuple(ticket.tags.values_list("name", flat=True))
    return (ticket.status, ticket.team_id, ticket.last_event_seq, ticket.messages.count(), tags)


def assert_no_leak(response: Any, world: World, path: str) -> None:
    assert_safe_response(response, context=path)
    body = response.content.decode("utf-8", "replace")
    for secret in SECRETS:
        assert secret not in body, f"{path} shows {secret!r}"
    if world.foreign.reference not in path:
        assert world.foreign.reference not in body, f"{path} names the other case"


def call(client: Client, route: Route, path: str, *, json_api: bool = False, **extra: Any) -> Any:
    if route.method == "GET":
        return client.get(path, **extra)
    if json_api:
        return client.post(path, json.dumps(route.data), content_type="application/json", **extra)
    return client.post(path, route.data or {}, **extra)


@pytest.mark.parametrize("bad", BAD_REFERENCES)
@pytest.mark.parametrize("route", CONSOLE_ROUTES)
def test_console_urls_with_a_bad_reference(agent_client: Client, world: World, route: str, bad: str) -> None:
    spec = CONSOLE_ROUTES[route]
    ref = BAD_REFERENCES[bad](world)
    path = spec.path.format(ref=ref, macro=world.macro.pk)
    before = snapshot(world.foreign)
    response = call(agent_client, spec, path)
    assert response.status_code in (400, 404), (path[:120], response.status_code)
    assert_no_leak(response, world, path)
    assert snapshot(world.foreign) == before


@pytest.mark.parametrize("bad", BAD_REFERENCES)
@pytest.mark.parametrize("route", API_ROUTES)
def test_api_urls_with_a_bad_reference(
    agent_headers: dict[str, str], world: World, route: str, bad: str
) -> None:
    """A token bound to a plain agent sees exactly what that agent sees in the console."""
    spec = API_ROUTES[route]
    path = spec.path.format(ref=BAD_REFERENCES[bad](world))
    before = snapshot(world.foreign)
    response = call(Client(), spec, path, json_api=True, **agent_headers)
    assert response.status_code in (400, 404), (path[:120], response.status_code)
    assert response["Content-Type"].startswith("application/json")
    assert_no_leak(response, world, path)
    assert snapshot(world.foreign) == before


def test_the_agent_can_open_their_own_case_by_every_spelling(agent_client: Client, world: World) -> None:
    """The bad-reference tests mean something only if the good spellings do open a case."""
    ref = world.own.reference
    for spelling in (ref, ref.lower(), ref.replace("-", "")):
        response = agent_client.get(f"/desk/t/{spelling}/", follow=True)
        assert response.status_code == 200
        assert world.own.subject in response.content.decode()


def test_a_macro_of_another_team_is_not_found(agent_client: Client, world: World) -> None:
    base = f"/desk/t/{world.own.reference}/macros/{world.foreign_macro.pk}/"
    before = snapshot(world.own)
    for response in (agent_client.get(base), agent_client.post(base + "apply/", {"seen_seq": "0"})):
        assert response.status_code == 404
        assert_no_leak(response, world, base)
    assert snapshot(world.own) == before


@pytest.mark.parametrize("macro_id", ID_VALUES.values(), ids=ID_VALUES.keys())
def test_unknown_macro_ids(agent_client: Client, world: World, macro_id: str) -> None:
    base = f"/desk/t/{world.own.reference}/macros/{macro_id}/"
    for response in (agent_client.get(base), agent_client.post(base + "apply/", {"seen_seq": "0"})):
        assert response.status_code == 404
        assert_no_leak(response, world, base)


# ---------------------------------------------------------------- files and the mailbox


@pytest.mark.parametrize("value", ID_VALUES.values(), ids=ID_VALUES.keys())
def test_attachment_download_with_bad_ids(agent_client: Client, world: World, value: str) -> None:
    response = agent_client.get(f"/desk/files/{value}/")
    assert response.status_code == 404
    assert_no_leak(response, world, value)


def test_attachment_of_another_team_is_not_found(agent_client: Client, world: World) -> None:
    response = agent_client.get(f"/desk/files/{world.foreign_file.pk}/")
    assert response.status_code == 404
    assert_no_leak(response, world, "")
    own = agent_client.get(f"/desk/files/{world.own_file.pk}/")
    assert own.status_code == 200
    assert own["Content-Disposition"].startswith("attachment")
    assert own["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("who", ["anonymous", "player-session", "user-without-profile"])
def test_attachment_needs_an_agent(
    world: World, who: str, make_ticket: Callable[..., Ticket], portal_token: Callable[[Ticket], str]
) -> None:
    client = Client()
    if who == "player-session":
        client.get(f"/help/case/{portal_token(world.foreign)}/")  # even the case's own player
    elif who == "user-without-profile":
        client.force_login(User.objects.create_user("visitor", "visitor@example.com", "pw"))
    response = client.get(f"/desk/files/{world.foreign_file.pk}/")
    assert response.status_code in (302, 403, 404)
    assert b"SECRET-BODY" not in response.content
    if response.status_code == 302:
        assert response["Location"].startswith("/desk/login/")


@pytest.mark.parametrize("value", ID_VALUES.values(), ids=ID_VALUES.keys())
def test_mailbox_detail_with_bad_ids(supervisor_client: Client, world: World, value: str) -> None:
    response = supervisor_client.get(f"/desk/mailbox/{value}/")
    assert response.status_code == 404
    assert_safe_response(response)


def test_mailbox_is_for_supervisors_only(agent_client: Client, world: World) -> None:
    for path in ("/desk/mailbox/", "/desk/mailbox/1/"):
        response = agent_client.get(path)
        assert response.status_code == 403
        assert_no_leak(response, world, path)


# ---------------------------------------------------------------- portal case links


def _tampered(token: str) -> str:
    """The same token with one character of its signature changed."""
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


TOKENS: dict[str, Callable[[World], str]] = {
    "forged": lambda w: "forged",
    "tampered-signature": lambda w: _tampered(links.make_token(w.foreign)),
    "reference-as-token": lambda w: w.foreign.reference,
    "unsalted": lambda w: signing.dumps(
        {"r": w.foreign.reference, "e": links._email_tag(w.foreign.requester_email)}
    ),
    "other-address": lambda w: signing.dumps(
        {"r": w.foreign.reference, "e": links._email_tag("pat@example.com")}, salt=links.SALT
    ),
    "no-address": lambda w: signing.dumps({"r": w.foreign.reference}, salt=links.SALT),
    "list-payload": lambda w: signing.dumps([w.foreign.reference], salt=links.SALT),
    "dict-reference": lambda w: signing.dumps({"r": {"$ne": ""}, "e": {"$ne": ""}}, salt=links.SALT),
    "other-key": lambda w: _signed_with_other_key(w.foreign),
    "traversal": lambda w: "..%2F..%2Fetc%2Fpasswd",
    "invalid-utf8": lambda w: "%FF%FE%ED%A0%80",
    "nul": lambda w: "abc%00def",
    "10kb": lambda w: "A" * 10_240,
    "10kb-of-valid-token": lambda w: (links.make_token(w.foreign) * 200)[:10_240],
}


def _signed_with_other_key(ticket: Ticket) -> str:
    with override_settings(SECRET_KEY="another-desk-entirely-" + "x" * 40):
        return links.make_token(ticket)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("token", TOKENS)
def test_portal_case_with_a_bad_token(client: Client, world: World, token: str, method: str) -> None:
    path = f"/help/case/{TOKENS[token](world)}/"
    before = snapshot(world.foreign)
    response = client.get(path) if method == "GET" else client.post(path, {"message": "let me in"})
    assert response.status_code in (400, 404)
    assert_no_leak(response, world, path)
    assert snapshot(world.foreign) == before


def test_find_case_never_confirms_a_case_exists(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """Right reference, wrong address (and the other way round): the same answer, no email."""
    answers = []
    for reference, email in (
        (world.foreign.reference, "attacker@example.org"),
        (refs.reference_for_sequence(987_654_321), "victim@example.net"),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/help/find/", {"reference": reference, "email": email}, follow=True)
        assert_no_leak(response, world, "")
        answers.append((response.status_code, response.redirect_chain))
    assert answers[0] == answers[1]
    assert mail.outbox == []
