"""Hostile input in every field of the player portal: a clear 4xx, or safe storage and inert display."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils.http import url_has_allowed_host_and_scheme

from playerdesk.tickets import links
from playerdesk.tickets.models import Message, Ticket
from tests.security.hostile import (
    SHORT,
    TEXT,
    assert_mail_safe,
    assert_rows_safe,
    assert_safe_response,
    field_params,
    get_query,
    params,
    post_form,
)
from tests.security.surfaces import ShowEverywhere

pytestmark = pytest.mark.django_db

NEW_CASE = {
    "name": "Pat Player",
    "email": "pat@example.com",
    "category": "payments",
    "subject": "Withdrawal pending",
    "message": "My withdrawal of $200 is still pending.",
    "website": "",
}
MARKUP = {"script", "img-onerror", "attr-breakout", "single-quote-breakout", "textarea-breakout"}


def _shown(payload: Any, stored: str) -> str:
    """The stored text a page must show escaped, for payloads that are markup."""
    if not isinstance(payload, str) or "<" not in payload or "<" not in stored or "\n" in stored:
        return ""
    return stored


@pytest.mark.parametrize(("field", "payload"), field_params(["name", "email", "subject", "message"], TEXT))
def test_new_case_text_fields(
    client: Client,
    field: str,
    payload: Any,
    django_capture_on_commit_callbacks: Any,
    show_everywhere: ShowEverywhere,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(client, "/help/new/", {**NEW_CASE, field: payload})
    assert_safe_response(response)
    assert_rows_safe()
    assert_mail_safe()
    if response.status_code != 302:
        assert response.status_code in (400, 413)
        assert not Ticket.objects.exists()
        return
    ticket = Ticket.objects.get()
    assert_safe_response(client.get(response["Location"]), context="confirmation page")
    stored = {
        "name": ticket.requester_name,
        "email": ticket.requester_email,
        "subject": ticket.subject,
        "message": ticket.messages.get().body_text,
    }[field]
    show_everywhere(ticket, expect=_shown(payload, stored), shown_to_player=field != "email")
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("payload", params(SHORT))
@pytest.mark.parametrize("field", ["category", "website"])
def test_new_case_choice_and_honeypot_fields(client: Client, field: str, payload: Any) -> None:
    response = post_form(client, "/help/new/", {**NEW_CASE, field: payload})
    assert_safe_response(response)
    assert response.status_code in (400, 413)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("payload", params(TEXT))
@pytest.mark.parametrize("field", ["reference", "email"])
def test_find_case_fields(
    client: Client, own_case: Ticket, field: str, payload: Any, django_capture_on_commit_callbacks: Any
) -> None:
    form = {"reference": own_case.reference, "email": "someone-else@example.com", field: payload}
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(client, "/help/find/", form)
    assert_safe_response(response)
    assert response.status_code in (302, 400, 413)
    assert_mail_safe()
    # Whatever was typed, a link only ever goes to the case's own address.
    assert all(sent.to == [own_case.requester_email] for sent in mail.outbox)
    assert "Withdrawal of $200" not in response.content.decode()


@pytest.mark.parametrize("payload", params(TEXT))
def test_reply_message(
    client: Client,
    own_case: Ticket,
    payload: Any,
    django_capture_on_commit_callbacks: Any,
    show_everywhere: ShowEverywhere,
) -> None:
    url = f"/help/case/{links.make_token(own_case)}/"
    before = Message.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(client, url, {"message": payload})
    assert_safe_response(response)
    assert_rows_safe()
    if response.status_code != 302:
        assert response.status_code in (400, 413)
        assert Message.objects.count() == before
        return
    assert Message.objects.count() == before + 1
    stored = Message.objects.latest("id").body_text
    show_everywhere(own_case, expect=_shown(payload, stored))


@pytest.mark.parametrize("payload", params(SHORT))
@pytest.mark.parametrize("field", ["language", "next"])
def test_language_switch(client: Client, field: str, payload: Any) -> None:
    response = post_form(client, "/help/lang/", {"language": "fr", "next": "/help/find/", field: payload})
    assert_safe_response(response)
    location = response.get("Location", "")
    # Never an open redirect or a script URL, whatever ``next`` says.
    assert url_has_allowed_host_and_scheme(location, {"testserver"}), location
    assert not location.lower().startswith(("javascript:", "//", "/\\")), location


REFLECTED = {
    k: TEXT[k]
    for k in (
        "1mb-word",
        "nul",
        "lone-surrogate",
        "invalid-utf8",
        "script",
        "img-onerror",
        "javascript-url",
        "attr-breakout",
        "single-quote-breakout",
        "template",
        "format-string",
        "crlf-header",
    )
}


@pytest.mark.parametrize("payload", params(REFLECTED))
@pytest.mark.parametrize(
    "url", ["/help/", "/help/new/", "/help/find/", "/help/case/forged/", "/", "/healthz"]
)
def test_reflected_query_parameters(client: Client, url: str, payload: Any) -> None:
    """Query strings are echoed into the language switch's ``next``: always escaped."""
    response = get_query(client, url, {"topic": payload, "next": payload, "q": payload})
    assert_safe_response(response)
