"""Hostile input in every form and filter of the agent console: a clear 4xx, or safe storage and inert
display (in the console and wherever the player reads the same text)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme

from playerdesk.tickets import links
from playerdesk.tickets.actions import do_create_macro
from playerdesk.tickets.models import Macro, Message, Ticket
from tests.security.hostile import (
    CHOICE,
    CURSORS,
    SHORT,
    TEXT,
    Payload,
    assert_mail_safe,
    assert_rows_safe,
    assert_safe_response,
    for_query,
    get_query,
    post_form,
)
from tests.security.surfaces import ShowEverywhere

pytestmark = pytest.mark.django_db


def cases(test: str, fields: list[str], payloads: Mapping[str, Payload]) -> list[Any]:
    out = []
    for field in fields:
        for key, value in payloads.items():
            out.append(pytest.param(field, value, id=f"{field}-{key}"))
    return out


def assert_redirect_is_local(response: Any) -> None:
    location = response.get("Location", "")
    assert url_has_allowed_host_and_scheme(location, {"testserver"}), location
    assert not location.lower().startswith(("javascript:", "//", "/\\")), location


# ---------------------------------------------------------------- sign-in


@pytest.mark.parametrize(("field", "payload"), cases("login", ["username", "password", "next"], SHORT))
def test_login_fields(agent: User, field: str, payload: Payload) -> None:
    client = Client()
    form = {"username": "alice", "password": "wrong-password", "next": "/desk/", field: payload}
    response = post_form(client, "/desk/login/", form)
    assert_safe_response(response)
    assert response.status_code in (200, 400, 413)
    assert "_auth_user_id" not in client.session
    assert_rows_safe()


@pytest.mark.parametrize("payload", [pytest.param(v, id=k) for k, v in SHORT.items()])
def test_login_next_never_leaves_the_site(agent: User, payload: Payload) -> None:
    response = post_form(
        Client(), "/desk/login/", {"username": "alice", "password": "correct-horse-battery", "next": payload}
    )
    assert_safe_response(response)
    assert response.status_code == 302
    assert_redirect_is_local(response)


# ---------------------------------------------------------------- queue and search

QUEUE_CHOICES = ["tab", "status", "category", "channel", "language"]


@pytest.mark.parametrize(
    ("field", "payload"),
    cases("queue", ["q"], for_query(TEXT))
    + cases("queue", ["priority", "team"], for_query(SHORT))
    + cases("queue", QUEUE_CHOICES, CHOICE),
)
def test_queue_filters(
    agent_client: Client, own_case: Ticket, foreign_case: Ticket, field: str, payload: Payload
) -> None:
    # An unknown parameter rides along: the page copies the query into its links.
    response = get_query(agent_client, "/desk/", {field: payload, "extra": payload})
    assert_safe_response(response)
    assert response.status_code in (200, 400)
    assert foreign_case.reference not in response.content.decode()


@pytest.mark.parametrize(("field", "payload"), cases("queue", ["cursor"], for_query(CURSORS)))
def test_queue_cursor(agent_client: Client, own_case: Ticket, field: str, payload: Payload) -> None:
    response = get_query(agent_client, "/desk/", {"tab": "all", field: payload})
    assert_safe_response(response)
    assert response.status_code in (200, 400)


@pytest.mark.parametrize(("field", "payload"), cases("mailbox", ["cursor"], for_query(CURSORS)))
def test_mailbox_cursor(supervisor_client: Client, field: str, payload: Payload) -> None:
    response = get_query(supervisor_client, "/desk/mailbox/", {field: payload})
    assert_safe_response(response)
    assert response.status_code in (200, 400)


# ---------------------------------------------------------------- reply and note


NOTE_KEYS = ("script", "img-onerror", "attr-breakout", "template", "crlf-body", "nul", "1mb-word")


@pytest.mark.parametrize(
    ("mode", "field", "payload"),
    [pytest.param("reply", *p.values, id=f"reply-{p.id}") for p in cases("reply", ["body"], TEXT)]
    + [pytest.param("note", "body", TEXT[k], id=f"note-body-{k}") for k in NOTE_KEYS],
)
def test_reply_body(
    agent_client: Client,
    own_case: Ticket,
    mode: str,
    field: str,
    payload: Payload,
    django_capture_on_commit_callbacks: Any,
    show_everywhere: ShowEverywhere,
) -> None:
    before = Message.objects.count()
    form = {"body": payload, "mode": mode, "status": "", "seen_seq": str(own_case.last_event_seq)}
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(agent_client, f"/desk/t/{own_case.reference}/reply/", form)
    assert_safe_response(response)
    assert_rows_safe()
    assert_mail_safe()
    if response.status_code != 302:
        assert response.status_code in (400, 413)
        assert Message.objects.count() == before
        return
    assert Message.objects.count() == before + 1
    assert len(mail.outbox) == (1 if mode == "reply" else 0)
    stored = Message.objects.latest("id").body_text
    expect = stored if "<" in stored and "\n" not in stored else ""
    show_everywhere(own_case, expect=expect if mode == "reply" else "")
    if mode == "note":
        # A note never reaches the player, hostile or not.
        player_page = Client().get(f"/help/case/{links.make_token(own_case)}/").content.decode()
        longest = max(stored.splitlines(), key=len)
        assert len(longest) < 6 or escape(longest) not in player_page


@pytest.mark.parametrize(
    ("field", "payload"),
    cases("reply", ["seen_seq", "force"], SHORT) + cases("reply", ["mode", "status"], CHOICE),
)
def test_reply_other_fields(
    agent_client: Client,
    own_case: Ticket,
    field: str,
    payload: Payload,
    django_capture_on_commit_callbacks: Any,
) -> None:
    form = {
        "body": "Thanks, it is on its way.",
        "mode": "reply",
        "status": "",
        "seen_seq": "0",
        field: payload,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(agent_client, f"/desk/t/{own_case.reference}/reply/", form)
    assert_safe_response(response)
    assert response.status_code in (302, 400, 409, 413)
    assert_rows_safe()
    assert_mail_safe()


# ---------------------------------------------------------------- case properties

CHANGE_FIELDS = ["status", "priority", "category", "team", "assignee", "language", "tags", "unknown-field"]


HTMX_KEYS = ("superscript-digit", "script", "invalid-utf8", "1mb-word")


@pytest.mark.parametrize(
    ("field", "payload"),
    cases("change", ["priority", "team", "assignee", "tags"], SHORT)
    + cases("change", ["status", "category", "language", "unknown-field"], CHOICE)
    + [
        pytest.param(*p.values, id=f"htmx-{p.id}", marks=p.marks)
        for p in cases("change", CHANGE_FIELDS, {k: SHORT[k] for k in HTMX_KEYS})
    ],
)
def test_change_property(
    agent_client: Client, own_case: Ticket, field: str, payload: Payload, request: pytest.FixtureRequest
) -> None:
    extra = {"HTTP_HX_REQUEST": "true"} if "htmx-" in request.node.name else {}
    response = post_form(
        agent_client, f"/desk/t/{own_case.reference}/set/{field}/", {"value": payload}, **extra
    )
    assert_safe_response(response)
    assert response.status_code in (204, 302, 400, 404, 413)
    assert_rows_safe()
    if response.status_code in (204, 302):
        assert_safe_response(agent_client.get(f"/desk/t/{own_case.reference}/"))


@pytest.mark.parametrize(("field", "payload"), cases("tags", ["tags"], TEXT))
def test_tags_are_stored_as_slugs_and_shown_inert(
    agent_client: Client, own_case: Ticket, field: str, payload: Payload, show_everywhere: ShowEverywhere
) -> None:
    response = post_form(agent_client, f"/desk/t/{own_case.reference}/set/{field}/", {"value": payload})
    assert_safe_response(response)
    assert response.status_code in (302, 400, 413)
    assert_rows_safe()
    for name in own_case.tags.values_list("name", flat=True):
        assert not set(name) & set("<>\"'&{}%\\/"), name
    show_everywhere(own_case)


@pytest.mark.parametrize(("field", "payload"), cases("set_status", ["status", "next"], SHORT))
def test_agent_status(agent_client: Client, field: str, payload: Payload) -> None:
    response = post_form(agent_client, "/desk/status/", {"status": "away", "next": "/desk/", field: payload})
    assert_safe_response(response)
    assert response.status_code in (302, 400, 413)
    if response.status_code == 302:
        assert_redirect_is_local(response)
    assert_rows_safe()


# ---------------------------------------------------------------- macros


@pytest.fixture
def macro(team: Any) -> Macro:
    return do_create_macro(
        "Payout sent",
        body_en="Hello {{ first_name }}, about “{{ subject }}” ({{ reference }}): {{ unknown }} {0} %s",
        body_fr="Bonjour {{ first_name }}, au sujet de « {{ subject }} » ({{ reference }}).",
        team=team,
        set_status="waiting_player",
    )


@pytest.mark.parametrize(("field", "payload"), cases("macro", ["seen_seq", "force"], SHORT))
def test_macro_apply_fields(
    agent_client: Client,
    own_case: Ticket,
    macro: Macro,
    field: str,
    payload: Payload,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = f"/desk/t/{own_case.reference}/macros/{macro.pk}/apply/"
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(agent_client, url, {"seen_seq": str(own_case.last_event_seq), field: payload})
    assert_safe_response(response)
    assert response.status_code in (302, 400, 409, 413)
    assert_rows_safe()
    assert_mail_safe()


@pytest.mark.parametrize(
    "payload", [pytest.param(TEXT[k], id=k) for k in ("script", "attr-breakout", "template", "format-string")]
)
def test_macro_with_a_hostile_subject_and_name(
    agent_client: Client,
    make_ticket: Any,
    team: Any,
    macro: Macro,
    payload: str,
    django_capture_on_commit_callbacks: Any,
    show_everywhere: ShowEverywhere,
) -> None:
    """Placeholders copy the player's own text into the reply: still plain text everywhere."""
    case = make_ticket(subject=f"Help {payload}", name=f"{payload} Pat", team=team)
    preview = agent_client.get(f"/desk/t/{case.reference}/macros/{macro.pk}/")
    assert preview.status_code == 200
    assert preview["Content-Type"].startswith("text/plain")
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert "pd49pd" not in preview.content.decode()
    url = f"/desk/t/{case.reference}/macros/{macro.pk}/apply/"
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(agent_client, url, {"seen_seq": str(case.last_event_seq)})
    assert response.status_code == 302
    reply = Message.objects.filter(ticket=case).latest("id")
    assert case.subject in reply.body_text
    assert_rows_safe()
    assert_mail_safe()
    assert len(mail.outbox) == 1
    show_everywhere(case, expect=case.subject if "<" in case.subject else "")
