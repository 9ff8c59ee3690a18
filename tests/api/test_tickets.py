"""The ticket endpoints: create (idempotent), read, list with keyset pages, messages, status."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from playerdesk.core import clock
from playerdesk.core.models import Team
from playerdesk.mail.models import OutboundEmail
from playerdesk.players.models import Player
from playerdesk.tickets.actions import do_assign, do_change_status, do_reply, do_set_tags
from playerdesk.tickets.models import Message, Ticket, TicketEvent
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

TICKET_FIELDS = {
    "reference", "subject", "status", "channel", "language", "category", "priority", "team", "assignee",
    "requester", "created_at", "updated_at", "first_response_at", "solved_at", "tags", "linked_from",
    "message_count",
}  # fmt: skip


# ---------------------------------------------------------------- create


def test_create_ticket(service_api: ApiClient, new_ticket_payload: dict[str, Any]) -> None:
    response = service_api.post(
        "/api/v1/tickets", {**new_ticket_payload, "category": "payments", "priority": 2}
    )
    assert response.status_code == 201
    data = response.json()
    assert set(data) == TICKET_FIELDS | {"messages"}
    ticket = Ticket.objects.get()
    assert data["reference"] == ticket.reference
    assert data["subject"] == "Withdrawal still pending"
    assert (data["status"], data["channel"], data["language"]) == ("new", "api", "en")
    assert (data["category"], data["priority"]) == ("payments", 2)
    assert data["team"] is None and data["assignee"] is None
    assert data["requester"] == {"email": "pat@example.com", "name": "Pat Player", "player_external_id": None}
    assert data["created_at"] and data["first_response_at"] is None and data["solved_at"] is None
    assert data["tags"] == [] and data["linked_from"] is None and data["message_count"] == 1
    [message] = data["messages"]
    assert message["kind"] == "inbound" and message["channel"] == "api"
    assert message["body"] == new_ticket_payload["body"]
    assert message["author"] == "Pat Player"
    assert ticket.messages.get().body_text == new_ticket_payload["body"]
    assert TicketEvent.objects.filter(ticket=ticket, kind="created").exists()
    assert OutboundEmail.objects.count() == 0  # no acknowledgement unless asked


def test_create_ticket_left_to_triage(service_api: ApiClient, new_ticket_payload: dict[str, Any]) -> None:
    payload = {
        **new_ticket_payload,
        "subject": "Someone changed my password",
        "body": "I did not change my password and someone logged into my account last night.",
    }
    response = service_api.post("/api/v1/tickets", payload)
    assert response.status_code == 201
    data = response.json()
    assert (data["category"], data["priority"]) == ("account", 1)
    assert Ticket.objects.get(reference=data["reference"]).events.get(kind="created").data["triage"]


def test_create_ticket_options(
    service_api: ApiClient, new_ticket_payload: dict[str, Any], player: Player
) -> None:
    payload = {**new_ticket_payload, "player_external_id": "P-1001", "channel": "chat", "name": ""}
    response = service_api.post("/api/v1/tickets", payload)
    assert response.status_code == 201
    data = response.json()
    assert data["language"] == "fr"  # the player's locale
    assert data["channel"] == "chat"
    assert data["requester"] == {
        "email": "pat@example.com",
        "name": "Marie Tremblay",
        "player_external_id": "P-1001",
    }
    assert Ticket.objects.get().player == player
    english = service_api.post("/api/v1/tickets", {**payload, "language": "en"}).json()
    assert english["language"] == "en"


def test_create_ticket_unknown_player_is_refused(
    service_api: ApiClient, new_ticket_payload: dict[str, Any]
) -> None:
    response = service_api.post("/api/v1/tickets", {**new_ticket_payload, "player_external_id": "P-404"})
    assert response.status_code == 422
    assert "player_external_id" in response.json()["detail"]
    assert Ticket.objects.count() == 0


def test_create_ticket_with_acknowledgement(
    service_api: ApiClient, new_ticket_payload: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = service_api.post("/api/v1/tickets", {**new_ticket_payload, "acknowledge": True})
    assert response.status_code == 201
    email = OutboundEmail.objects.get()
    assert email.to == "pat@example.com"
    assert email.kind == "acknowledgement"
    assert any(response.json()["reference"] in m.subject + m.body for m in mail.outbox)


def test_create_is_idempotent_with_external_id(
    service_api: ApiClient, new_ticket_payload: dict[str, Any]
) -> None:
    payload = {**new_ticket_payload, "external_id": "evt-42"}
    first = service_api.post("/api/v1/tickets", payload)
    again = service_api.post("/api/v1/tickets", {**payload, "email": "pat@EXAMPLE.com"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1
    assert Message.objects.get().external_id == "evt-42"
    # The same client id from another requester is another message.
    other = service_api.post("/api/v1/tickets", {**payload, "email": "other@example.com"})
    assert other.status_code == 201
    assert Ticket.objects.count() == 2
    # Without an external id, every request opens a case.
    assert service_api.post("/api/v1/tickets", new_ticket_payload).status_code == 201
    assert service_api.post("/api/v1/tickets", new_ticket_payload).status_code == 201
    assert Ticket.objects.count() == 4


def test_agent_token_can_open_a_case(
    agent_api: ApiClient, agent: User, new_ticket_payload: dict[str, Any]
) -> None:
    response = agent_api.post("/api/v1/tickets", {**new_ticket_payload, "channel": "phone"})
    assert response.status_code == 201
    event = TicketEvent.objects.get(ticket__reference=response.json()["reference"], kind="created")
    assert event.actor == agent


# ---------------------------------------------------------------- read


def test_get_ticket(service_api: ApiClient, ticket: Ticket, agent: User, team: Team) -> None:
    do_assign(ticket, agent, actor=agent)
    do_set_tags(ticket, ["withdrawal", "vip"], actor=agent)
    do_reply(ticket, author=agent, body="We are checking with the payments team.")
    response = service_api.get(f"/api/v1/tickets/{ticket.reference}")
    assert response.status_code == 200
    data = response.json()
    assert data["team"] == "payments"
    assert data["assignee"] == "Alice"
    assert data["status"] == "open"  # assigned, then answered
    assert data["tags"] == ["vip", "withdrawal"]
    assert data["first_response_at"] is not None
    assert [m["kind"] for m in data["messages"]] == ["inbound", "outbound"]
    assert data["messages"][1]["author"] == "Alice"
    assert data["messages"][1]["body"] == "We are checking with the payments team."


def test_reference_lookup_is_tolerant(service_api: ApiClient, ticket: Ticket) -> None:
    body = ticket.reference[3:]
    typed = [ticket.reference.lower(), "PD" + body, "pd " + body.lower()]
    typed.append("PD-" + body.replace("0", "O").replace("1", "l"))
    for reference in typed:
        response = service_api.get(f"/api/v1/tickets/{reference}")
        assert response.status_code == 200, reference
        assert response.json()["reference"] == ticket.reference


@pytest.mark.parametrize(
    "reference", ["PD-0000000", "nothing", "PD-ZZZZZZZZ", "12345", "%00", "PD-1234567%3C"]
)
def test_unknown_or_invalid_reference_is_404(service_api: ApiClient, ticket: Ticket, reference: str) -> None:
    response = service_api.get(f"/api/v1/tickets/{reference}")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such case."}


def test_well_formed_reference_of_no_case_is_404(service_api: ApiClient, ticket: Ticket) -> None:
    from playerdesk.core.refs import reference_for_sequence

    response = service_api.get(f"/api/v1/tickets/{reference_for_sequence(999_999)}")
    assert response.status_code == 404


# ---------------------------------------------------------------- list


def test_list_and_filters(
    service_api: ApiClient, make_ticket: Callable[..., Ticket], team: Team, other_team: Team, agent: User
) -> None:
    pay = make_ticket("Withdrawal pending", team=team, category="payments", priority=2)
    kyc = make_ticket("Passport upload", team=other_team, category="verification", priority=1)
    loose = make_ticket("Bonus not credited", category="bonus", email="lou@example.com")
    do_assign(pay, agent, actor=agent)
    do_change_status(kyc, "solved", actor=agent)

    def refs(**params: Any) -> list[str]:
        response = service_api.get("/api/v1/tickets", params)
        assert response.status_code == 200, response.content
        return [item["reference"] for item in response.json()["items"]]

    assert refs() == [kyc.reference, pay.reference, loose.reference]  # priority, then oldest
    assert refs(status="solved") == [kyc.reference]
    assert refs(status="new,open") == [pay.reference, loose.reference]
    assert refs(team="payments") == [pay.reference]
    assert refs(team="none") == [loose.reference]
    assert refs(category="bonus") == [loose.reference]
    assert refs(priority=1) == [kyc.reference]
    assert refs(assignee="alice") == [pay.reference]
    assert refs(assignee="none") == [kyc.reference, loose.reference]
    assert refs(q="passport") == [kyc.reference]
    assert refs(q="lou@example.com") == [loose.reference]
    assert refs(q=pay.reference.lower()) == [pay.reference]
    item = service_api.get("/api/v1/tickets", {"q": "passport"}).json()["items"][0]
    assert set(item) == TICKET_FIELDS  # no messages in lists


def test_list_assignee_me(agent_api: ApiClient, service_api: ApiClient, ticket: Ticket, agent: User) -> None:
    assert agent_api.get("/api/v1/tickets", {"assignee": "me"}).json()["items"] == []
    do_assign(ticket, agent, actor=agent)
    assert [i["reference"] for i in agent_api.get("/api/v1/tickets", {"assignee": "me"}).json()["items"]] == [
        ticket.reference
    ]
    response = service_api.get("/api/v1/tickets", {"assignee": "me"})
    assert response.status_code == 400
    assert "bound to an agent" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "pending"}, None),
        ({"category": "casino"}, "category"),
        ({"priority": "7"}, "priority"),
        ({"priority": "high"}, "priority"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_list_rejects_bad_filters(service_api: ApiClient, params: dict[str, str], field: str | None) -> None:
    response = service_api.get("/api/v1/tickets", params)
    data = response.json()
    if field is None:
        assert response.status_code == 400
        assert "Unknown status 'pending'" in data["detail"]
    else:
        assert response.status_code == 422
        assert [e["field"] for e in data["errors"]] == [field]
        assert data["errors"][0]["location"] == "query"
        assert data["detail"].startswith(f"Invalid request: {field}: ")


def make_many(make_ticket: Callable[..., Ticket], count: int) -> list[Ticket]:
    """``count`` cases over 4 priorities, many sharing a received time (the id breaks ties)."""
    start = dt.datetime(2031, 1, 5, 9, 0, tzinfo=dt.UTC)
    tickets = []
    for n in range(count):
        with clock.frozen(start + dt.timedelta(minutes=n // 7)):
            tickets.append(make_ticket(f"Case {n}", email=f"p{n}@example.com", priority=(n * 7) % 4 + 1))
    return tickets


def walk(api: ApiClient, limit: int, **params: Any) -> tuple[list[str], int]:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = api.get("/api/v1/tickets", query)
        assert response.status_code == 200, response.content
        data = response.json()
        pages += 1
        seen += [item["reference"] for item in data["items"]]
        cursor = data["next_cursor"]
        if cursor is None:
            return seen, pages
        assert len(data["items"]) == limit
        assert pages < 100


def test_cursor_pagination_walks_every_case_once(
    service_api: ApiClient, make_ticket: Callable[..., Ticket]
) -> None:
    tickets = make_many(make_ticket, 120)
    ordered = sorted(tickets, key=lambda t: (t.priority, t.received_at, t.pk))
    expected = [t.reference for t in ordered]
    seen, pages = walk(service_api, 7)
    assert seen == expected  # every case, once, in queue order
    assert pages == 18
    assert walk(service_api, 200) == (expected, 1)
    assert walk(service_api, 60) == (expected, 2)
    # Filters hold across pages.
    urgent, _ = walk(service_api, 4, priority=1)
    assert urgent == [t.reference for t in ordered if t.priority == 1]
    assert len(urgent) == 30


def test_empty_list(service_api: ApiClient) -> None:
    assert service_api.get("/api/v1/tickets").json() == {"items": [], "next_cursor": None}


def _encode(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "%%%",
        _encode(b"\xff\xfe"),
        _encode(b"not json"),
        _encode([1, 2, 3]),
        _encode({"p": 1, "r": "2031-01-01T00:00:00+00:00"}),
        _encode({"p": "1", "r": "2031-01-01T00:00:00+00:00", "i": 3}),
        _encode({"p": 9, "r": "2031-01-01T00:00:00+00:00", "i": 3}),
        _encode({"p": 1, "r": "yesterday", "i": 3}),
        _encode({"p": 1, "r": "2031-01-01T00:00:00", "i": 3}),
        _encode({"p": 1, "r": "2031-01-01T00:00:00+00:00", "i": -3}),
        _encode({"p": 1, "r": "2031-01-01T00:00:00+00:00", "i": 10**30}),
    ],
)
def test_garbage_cursor_is_400(service_api: ApiClient, ticket: Ticket, cursor: str) -> None:
    response = service_api.get("/api/v1/tickets", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Invalid cursor")


@pytest.mark.parametrize("role", ["service", "agent"])
def test_list_issues_a_constant_number_of_queries(
    role: str,
    api_for: Callable[..., ApiClient],
    agent: User,
    make_ticket: Callable[..., Ticket],
    team: Team,
    django_assert_max_num_queries: Any,
) -> None:
    api = api_for(role, agent if role == "agent" else None)
    api.get("/api/v1/tickets")  # records the token's first use
    counts = []
    for total in (5, 120):
        for ticket in make_many(make_ticket, total - Ticket.objects.count()):
            do_assign(ticket, agent, actor=agent)
            do_set_tags(ticket, ["a", "b"], actor=agent)
        with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(5):
            response = api.get("/api/v1/tickets", {"limit": 50, "q": "case"})
        assert response.status_code == 200
        assert len(response.json()["items"]) == min(total, 50)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# ---------------------------------------------------------------- messages


def test_service_adds_player_message(service_api: ApiClient, ticket: Ticket, agent: User) -> None:
    do_reply(ticket, author=agent, body="Could you send a screenshot?")
    response = service_api.post(f"/api/v1/tickets/{ticket.reference}/messages", {"body": "Here it is."})
    assert response.status_code == 201
    data = response.json()
    assert data["reference"] == ticket.reference and data["follow_up_of"] is None
    assert data["kind"] == "inbound" and data["body"] == "Here it is." and data["author"] == "Pat Player"
    ticket.refresh_from_db()
    assert ticket.status == "open"  # the player answered
    assert ticket.messages.last().body_text == "Here it is."


def test_player_message_is_idempotent_with_external_id(service_api: ApiClient, ticket: Ticket) -> None:
    path = f"/api/v1/tickets/{ticket.reference}/messages"
    first = service_api.post(path, {"body": "Any news?", "external_id": "chat-7"})
    again = service_api.post(path, {"body": "Any news?", "external_id": "chat-7"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert ticket.messages.count() == 2


def test_player_message_on_closed_case_opens_a_linked_case(
    service_api: ApiClient, ticket: Ticket, agent: User
) -> None:
    do_change_status(ticket, "solved", actor=agent)
    do_change_status(ticket, "closed", actor=agent)
    path = f"/api/v1/tickets/{ticket.reference}/messages"
    response = service_api.post(path, {"body": "It happened again.", "external_id": "m-9"})
    assert response.status_code == 201
    data = response.json()
    assert data["follow_up_of"] == ticket.reference
    follow_up = Ticket.objects.get(reference=data["reference"])
    assert follow_up.linked_from == ticket and follow_up.status == "new"
    again = service_api.post(path, {"body": "It happened again.", "external_id": "m-9"})
    assert again.status_code == 200
    assert again.json()["reference"] == follow_up.reference
    assert Ticket.objects.count() == 2
    linked = service_api.get(f"/api/v1/tickets/{follow_up.reference}").json()
    assert linked["linked_from"] == ticket.reference


def test_agent_replies_and_notes(
    agent_api: ApiClient, ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    path = f"/api/v1/tickets/{ticket.reference}/messages"
    with django_capture_on_commit_callbacks(execute=True):
        reply = agent_api.post(path, {"body": "Your withdrawal was sent today."})
    assert reply.status_code == 201
    assert reply.json()["kind"] == "outbound" and reply.json()["author"] == "Alice"
    assert OutboundEmail.objects.filter(kind="reply", to=ticket.requester_email).count() == 1
    note = agent_api.post(path, {"body": "Checked with the bank.", "kind": "note"})
    assert note.status_code == 201 and note.json()["kind"] == "note"
    assert OutboundEmail.objects.count() == 1  # notes never reach the player
    ticket.refresh_from_db()
    assert ticket.status == "waiting_player" and ticket.first_response_at is not None
    response = agent_api.post(path, {"body": "x", "kind": "reply", "external_id": "a"})
    assert response.status_code == 400


def test_reply_on_closed_case_is_409(agent_api: ApiClient, ticket: Ticket, agent: User) -> None:
    do_change_status(ticket, "solved", actor=agent)
    do_change_status(ticket, "closed", actor=agent)
    response = agent_api.post(f"/api/v1/tickets/{ticket.reference}/messages", {"body": "Hello again"})
    assert response.status_code == 409
    assert "closed" in response.json()["detail"]


@pytest.mark.parametrize("body", ["", "   ", "\x00\u202e"])
def test_empty_message_is_400(service_api: ApiClient, ticket: Ticket, body: str) -> None:
    response = service_api.post(f"/api/v1/tickets/{ticket.reference}/messages", {"body": body})
    assert response.status_code == 400
    assert response.json()["detail"] == "The message is empty."


# ---------------------------------------------------------------- status


def test_change_status(agent_api: ApiClient, ticket: Ticket, agent: User) -> None:
    path = f"/api/v1/tickets/{ticket.reference}/status"
    response = agent_api.post(path, {"status": "waiting_third_party", "reason": "Asked the bank"})
    assert response.status_code == 200
    assert response.json()["status"] == "waiting_third_party"
    event = TicketEvent.objects.filter(ticket=ticket, kind="status").get()
    assert event.actor == agent and event.data["reason"] == "Asked the bank"
    solved = agent_api.post(path, {"status": "solved"}).json()
    assert solved["status"] == "solved" and solved["solved_at"] is not None


def test_invalid_transition_is_409(agent_api: ApiClient, ticket: Ticket, agent: User) -> None:
    response = agent_api.post(f"/api/v1/tickets/{ticket.reference}/status", {"status": "closed"})
    assert response.status_code == 409
    assert response.json()["detail"] == "A new case cannot become closed."
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_unknown_status_is_422(agent_api: ApiClient, ticket: Ticket) -> None:
    response = agent_api.post(f"/api/v1/tickets/{ticket.reference}/status", {"status": "done"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


def test_admin_token_changes_status(api_for: Callable[..., ApiClient], ticket: Ticket) -> None:
    response = api_for("admin").post(f"/api/v1/tickets/{ticket.reference}/status", {"status": "open"})
    assert response.status_code == 200
    assert response.json()["status"] == "open"


def test_get_ticket_issues_a_constant_number_of_queries(
    agent_api: ApiClient, ticket: Ticket, agent: User, django_assert_max_num_queries: Any
) -> None:
    agent_api.get(f"/api/v1/tickets/{ticket.reference}")  # records the token's first use
    counts = []
    for _ in range(2):
        for n in range(10):
            do_reply(ticket, author=agent, body=f"Update {n}", internal=n % 2 == 0)
        with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(5):
            response = agent_api.get(f"/api/v1/tickets/{ticket.reference}")
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert len(response.json()["messages"]) == 21
