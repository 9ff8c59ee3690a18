"""Hostile and broken input: size caps, broken encodings, control characters, markup. Always a clear
4xx in JSON or safe storage, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from playerdesk.tickets.models import Message, Ticket
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def assert_json_error(response: Any, status: int) -> str:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    return detail


def test_body_over_the_request_cap_is_413(service_api: ApiClient, new_ticket_payload: dict[str, Any]) -> None:
    payload = {**new_ticket_payload, "body": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}
    detail = assert_json_error(service_api.post("/api/v1/tickets", payload), 413)
    assert "too large" in detail
    assert Ticket.objects.count() == 0


def test_oversized_body_is_413_before_anything_is_read(service_api: ApiClient, ticket: Ticket) -> None:
    blob = b"{" + b" " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b"}"
    response = service_api.post(f"/api/v1/tickets/{ticket.reference}/messages", blob)
    assert_json_error(response, 413)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{not json", "The request body is not valid JSON"),
        (b'{"subject": "a", ', "The request body is not valid JSON"),
        (b'{"subject": "caf\xe9"}', "The request body is not valid UTF-8."),
        (b"\xff\xfe{\x00}", "The request body is not valid UTF-8."),
        (b"[1, 2]", "The request body must be a JSON object."),
        (b'"just a string"', "The request body must be a JSON object."),
        (b"null", "The request body must be a JSON object."),
        (b'{"subject": "\\ud800 x"}', "lone surrogate"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a":' * 30 + b"1" + b"}" * 30, "nested too deeply"),
    ],
)
def test_unparseable_body_is_400(service_api: ApiClient, raw: bytes, expected: str) -> None:
    detail = assert_json_error(service_api.post("/api/v1/tickets", raw), 400)
    assert expected in detail
    assert Ticket.objects.count() == 0


def test_missing_body_is_400(service_api: ApiClient) -> None:
    detail = assert_json_error(service_api.post("/api/v1/tickets", b""), 400)
    assert detail == "A JSON object body is required."


def test_one_megabyte_subject_is_422(service_api: ApiClient, new_ticket_payload: dict[str, Any]) -> None:
    response = service_api.post("/api/v1/tickets", {**new_ticket_payload, "subject": "S" * 1_000_000})
    detail = assert_json_error(response, 422)
    assert detail == "Invalid request: subject: String should have at most 255 characters."
    assert response.json()["errors"] == [
        {"field": "subject", "location": "body", "message": "String should have at most 255 characters"}
    ]
    assert len(response.content) < 2000  # the input is not echoed back
    assert Ticket.objects.count() == 0


@override_settings(MAX_BODY_CHARS=1000)
def test_body_over_max_chars_is_400(
    service_api: ApiClient, new_ticket_payload: dict[str, Any], ticket: Ticket
) -> None:
    response = service_api.post("/api/v1/tickets", {**new_ticket_payload, "body": "b" * 1001})
    assert assert_json_error(response, 400) == "The message is too long (at most 1,000 characters)."
    response = service_api.post(f"/api/v1/tickets/{ticket.reference}/messages", {"body": "b" * 1001})
    assert assert_json_error(response, 400) == "The message is too long (at most 1,000 characters)."
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"subject": None}, ["subject"]),
        ({"subject": 42}, ["subject"]),
        ({"email": ["a@example.com"]}, ["email"]),
        ({"language": "de"}, ["language"]),
        ({"channel": "fax"}, ["channel"]),
        ({"category": "casino"}, ["category"]),
        ({"priority": 0}, ["priority"]),
        ({"priority": 5}, ["priority"]),
        ({"priority": "urgent"}, ["priority"]),
        ({"external_id": "e" * 256}, ["external_id"]),
        ({"nickname": "Pat"}, ["nickname"]),
        ({"language": "de", "channel": "fax"}, ["language", "channel"]),
    ],
)
def test_invalid_fields_are_422_with_field_names(
    service_api: ApiClient, new_ticket_payload: dict[str, Any], change: dict[str, Any], fields: list[str]
) -> None:
    response = service_api.post("/api/v1/tickets", {**new_ticket_payload, **change})
    detail = assert_json_error(response, 422)
    assert [e["field"] for e in response.json()["errors"]] == fields
    assert all(field in detail for field in fields)


def test_missing_required_fields_are_named(service_api: ApiClient) -> None:
    response = service_api.post("/api/v1/tickets", {"subject": "Hello"})
    assert_json_error(response, 422)
    assert sorted(e["field"] for e in response.json()["errors"]) == ["body", "email"]
    assert {e["message"] for e in response.json()["errors"]} == {"Field required"}


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "a\x00@example.com", "<script>@example.com"])
def test_invalid_email_is_400(service_api: ApiClient, new_ticket_payload: dict[str, Any], email: str) -> None:
    response = service_api.post("/api/v1/tickets", {**new_ticket_payload, "email": email})
    assert assert_json_error(response, 400) == "A valid email address is required."


def test_control_characters_and_bidi_overrides_are_removed(
    service_api: ApiClient, new_ticket_payload: dict[str, Any]
) -> None:
    payload = {
        **new_ticket_payload,
        "subject": "Refund\x00 for \u202egnp.exe\u202c please",
        "body": "Line one\x00\r\nLine \u2066two\u2069\x07",
        "name": "Pat\x00 \u202eYalp",
        "external_id": "ext\x00-1",
    }
    response = service_api.post("/api/v1/tickets", payload)
    assert response.status_code == 201
    data = response.json()
    assert data["subject"] == "Refund for gnp.exe please"
    assert data["messages"][0]["body"] == "Line one\nLine two"
    assert data["requester"]["name"] == "Pat Yalp"
    message = Message.objects.get()
    assert message.body_text == "Line one\nLine two"
    assert message.external_id == "ext-1"
    # The same (dirty) external id again finds the case it opened.
    assert service_api.post("/api/v1/tickets", payload).status_code == 200


def test_markup_is_stored_and_returned_as_text(
    service_api: ApiClient, new_ticket_payload: dict[str, Any]
) -> None:
    xss = '<script>alert("x")</script><img src=x onerror=alert(1)> & co'
    response = service_api.post(
        "/api/v1/tickets", {**new_ticket_payload, "subject": xss, "body": xss, "name": xss}
    )
    assert response.status_code == 201
    assert b"<script" not in response.content and b"<img" not in response.content  # escaped as \u003c
    data = response.json()
    assert data["subject"] == xss and data["messages"][0]["body"] == xss  # the same text once parsed
    ticket = Ticket.objects.get()
    assert ticket.subject == xss and ticket.messages.get().body_text == xss
    fetched = service_api.get(f"/api/v1/tickets/{ticket.reference}")
    assert b"<script" not in fetched.content and fetched.json()["subject"] == xss


@pytest.mark.parametrize(
    "q", ["\x00", "abc\x00def", "P-1\x00", "\u202e", "'; DROP TABLE tickets_ticket; --", '"*']
)
def test_hostile_search_terms_are_harmless(service_api: ApiClient, ticket: Ticket, q: str) -> None:
    response = service_api.get("/api/v1/tickets", {"q": q})
    assert response.status_code == 200
    items = response.json()["items"]
    # Control characters are dropped first: a query of nothing but them is no query at all.
    assert len(items) == (1 if q in ("\x00", "\u202e") else 0)


def test_nul_in_filters_is_harmless(service_api: ApiClient, ticket: Ticket) -> None:
    for params in ({"team": "pay\x00ments"}, {"assignee": "al\x00ice"}, {"status": "new\x00"}):
        response = service_api.get("/api/v1/tickets", params)
        assert response.status_code == 200, params


def test_nul_in_message_external_id(service_api: ApiClient, ticket: Ticket) -> None:
    path = f"/api/v1/tickets/{ticket.reference}/messages"
    first = service_api.post(path, {"body": "hi", "external_id": "x\x00y"})
    again = service_api.post(path, {"body": "hi", "external_id": "x\x00y"})
    assert (first.status_code, again.status_code) == (201, 200)


def test_unknown_endpoint_is_json_404(service_api: ApiClient) -> None:
    for path in ("/api/v1/nothing", "/api/v1/tickets/PD-1/attachments", "/api/v1/docs"):
        detail = assert_json_error(service_api.get(path), 404)
        assert "No such endpoint" in detail


def test_openapi_document(db: Any) -> None:
    response = ApiClient(None).get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "PlayerDesk API"
    assert {
        "/api/v1/tickets",
        "/api/v1/tickets/{reference}",
        "/api/v1/tickets/{reference}/messages",
        "/api/v1/tickets/{reference}/status",
    } <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/tickets"]) == {"get", "post"}
    schemes = schema["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())
    create = schema["paths"]["/api/v1/tickets"]["post"]
    assert {"200", "201", "401", "422"} <= set(create["responses"])
