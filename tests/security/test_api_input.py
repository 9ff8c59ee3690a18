"""Hostile input in every field of the REST API: a JSON 4xx, or safe storage and inert display."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from playerdesk.tickets.models import Message, Ticket
from tests.security.hostile import (
    CHOICE,
    CURSORS,
    SHORT,
    TEXT,
    Payload,
    assert_mail_safe,
    assert_rows_safe,
    assert_safe_response,
    field_params,
    for_query,
    get_query,
    json_with,
    params,
)
from tests.security.surfaces import ShowEverywhere

pytestmark = pytest.mark.django_db

NEW_TICKET = {
    "subject": "Withdrawal pending",
    "body": "My withdrawal of $200 is still pending.",
    "email": "pat@example.com",
    "name": "Pat Player",
    "acknowledge": True,
}
# JSON values of the wrong type (strings are covered by the text payloads).
JSON_TYPES: dict[str, Any] = {
    "null": None,
    "list": ["a", "b"],
    "object": {"$gt": ""},
    "bool": True,
    "huge-number": 10**30,
    "float": 1e308,
    "negative": -1,
}


def post_json(client: Client, url: str, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(url, body, content_type="application/json", **headers)


def assert_json_answer(response: Any, *allowed: int) -> None:
    assert_safe_response(response)
    assert response.status_code in allowed, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        detail = response.json()["detail"]
        assert isinstance(detail, str) and detail
        assert len(response.content) < 20_000  # the input is never echoed back whole


# ---------------------------------------------------------------- open a case

TEXT_FIELDS = ["subject", "body", "email", "name"]
ID_FIELDS = ["player_external_id", "external_id"]


@pytest.mark.parametrize(("field", "payload"), field_params(TEXT_FIELDS, TEXT))
def test_create_text_fields(
    client: Client,
    service_headers: dict[str, str],
    field: str,
    payload: Payload,
    django_capture_on_commit_callbacks: Any,
    show_everywhere: ShowEverywhere,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            client, "/api/v1/tickets", json_with(NEW_TICKET, field, payload), service_headers
        )
    assert_json_answer(response, 201, 400, 413, 422)
    assert_rows_safe()
    assert_mail_safe()
    if response.status_code != 201:
        assert not Ticket.objects.exists()
        return
    ticket = Ticket.objects.get()
    assert response.json()["reference"] == ticket.reference
    assert len(mail.outbox) == 1
    shown = {"subject": ticket.subject, "name": ticket.requester_name, "email": ticket.requester_email}
    stored = shown.get(field, "")
    show_everywhere(ticket, expect=stored if "<" in stored else "", shown_to_player=field != "email")


@pytest.mark.parametrize(
    ("field", "payload"),
    [
        pytest.param(field, value, id=f"{field}-{key}")
        for field, payloads in [
            *[(f, {**SHORT, **JSON_TYPES}) for f in ("priority", "acknowledge", *ID_FIELDS)],
            *[(f, {**CHOICE, **JSON_TYPES}) for f in ("language", "channel", "category")],
        ]
        for key, value in payloads.items()
    ],
)
def test_create_choice_and_id_fields(
    client: Client, service_headers: dict[str, str], field: str, payload: Any
) -> None:
    response = post_json(client, "/api/v1/tickets", json_with(NEW_TICKET, field, payload), service_headers)
    assert_json_answer(response, 201, 400, 413, 422)
    assert_rows_safe()


@pytest.mark.parametrize("payload", params(JSON_TYPES))
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_create_text_fields_of_the_wrong_type(
    client: Client, service_headers: dict[str, str], field: str, payload: Any
) -> None:
    response = post_json(client, "/api/v1/tickets", json_with(NEW_TICKET, field, payload), service_headers)
    assert_json_answer(response, 201, 400, 422)
    assert_rows_safe()


@pytest.mark.parametrize("payload", params(SHORT))
def test_unknown_field_names(client: Client, service_headers: dict[str, str], payload: Payload) -> None:
    key = payload if isinstance(payload, str) else payload.decode("latin-1")
    body = json.dumps({**NEW_TICKET, key[:1000]: "x"}).encode()
    response = post_json(client, "/api/v1/tickets", body, service_headers)
    assert_json_answer(response, 400, 413, 422)


# ---------------------------------------------------------------- messages and status


@pytest.mark.parametrize("payload", params(TEXT))
@pytest.mark.parametrize("who", ["service", "agent"])
def test_message_body(
    client: Client,
    own_case: Ticket,
    service_headers: dict[str, str],
    agent_headers: dict[str, str],
    who: str,
    payload: Payload,
    django_capture_on_commit_callbacks: Any,
    show_everywhere: ShowEverywhere,
) -> None:
    headers = service_headers if who == "service" else agent_headers
    before = Message.objects.count()
    url = f"/api/v1/tickets/{own_case.reference}/messages"
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, url, json_with({"body": "x"}, "body", payload), headers)
    assert_json_answer(response, 201, 400, 413, 422)
    assert_rows_safe()
    assert_mail_safe()
    if response.status_code != 201:
        assert Message.objects.count() == before
        return
    stored = Message.objects.latest("id").body_text
    show_everywhere(own_case, expect=stored if "<" in stored and "\n" not in stored else "")


@pytest.mark.parametrize("payload", params(SHORT) + params(JSON_TYPES))
@pytest.mark.parametrize("field", ["kind", "external_id"])
def test_message_other_fields(
    client: Client, own_case: Ticket, agent_headers: dict[str, str], field: str, payload: Any
) -> None:
    body = json_with({"body": "A message.", "kind": "note"}, field, payload)
    response = post_json(client, f"/api/v1/tickets/{own_case.reference}/messages", body, agent_headers)
    assert_json_answer(response, 201, 400, 403, 413, 422)
    assert_rows_safe()


@pytest.mark.parametrize(
    "payload", params(SHORT) + params(JSON_TYPES) + params({"rtl": TEXT["rtl-override"]})
)
@pytest.mark.parametrize("field", ["status", "reason"])
def test_status_fields(
    client: Client,
    own_case: Ticket,
    agent_headers: dict[str, str],
    field: str,
    payload: Any,
    show_everywhere: ShowEverywhere,
) -> None:
    body = json_with({"status": "open", "reason": "checked"}, field, payload)
    response = post_json(client, f"/api/v1/tickets/{own_case.reference}/status", body, agent_headers)
    assert_json_answer(response, 200, 400, 409, 413, 422)
    assert_rows_safe()
    if response.status_code == 200:
        show_everywhere(own_case)


# ---------------------------------------------------------------- list filters

LIST_FIELDS = ["status", "team", "assignee", "priority", "limit"]


@pytest.mark.parametrize(
    ("who", "field", "payload"),
    [pytest.param("agent", "q", v, id=f"q-{k}") for k, v in for_query(TEXT).items()]
    + [pytest.param("agent", f, v, id=f"{f}-{k}") for f in LIST_FIELDS for k, v in for_query(SHORT).items()]
    + [pytest.param("agent", "category", v, id=f"category-{k}") for k, v in CHOICE.items()]
    + [pytest.param("service", "cursor", v, id=f"cursor-{k}") for k, v in for_query(CURSORS).items()],
)
def test_list_filters(
    client: Client,
    own_case: Ticket,
    foreign_case: Ticket,
    service_headers: dict[str, str],
    agent_headers: dict[str, str],
    who: str,
    field: str,
    payload: Payload,
) -> None:
    headers = service_headers if who == "service" else agent_headers
    response = get_query(client, "/api/v1/tickets", {field: payload}, **headers)
    assert_json_answer(response, 200, 400, 422)
    if who == "agent":
        assert foreign_case.reference not in response.content.decode()


# ---------------------------------------------------------------- path segments


SEGMENTS = ["%00", "a%00b", "%0A", "%1B%5B31m", "%7F"]


def _path_case(path: str, segment: str) -> Any:
    return pytest.param(path.format(x=segment), id=path.format(x=segment))


@pytest.mark.parametrize(
    "url",
    [
        _path_case(path, segment)
        for path in ("/api/v1/tickets/{x}", "/api/v1/tickets/{x}/messages", "/api/v1/players/{x}")
        for segment in SEGMENTS
    ],
)
def test_control_characters_in_path_segments(
    client: Client, service_headers: dict[str, str], url: str
) -> None:
    for response in (
        client.get(url, **service_headers),
        post_json(client, url, b'{"body": "hi"}', service_headers),
    ):
        assert_json_answer(response, 400, 404, 405)
