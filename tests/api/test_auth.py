"""Bearer tokens, roles and the per-token rate limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from playerdesk.api.actions import do_create_token, do_revoke_token
from playerdesk.core import clock
from playerdesk.core.models import Role, Team
from playerdesk.tickets.actions import do_reply
from playerdesk.tickets.models import Ticket
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_missing_header_is_401_json(ticket: Ticket) -> None:
    response = ApiClient(None).get("/api/v1/tickets")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "Authorization: Bearer" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Token pdk_abc", "bearer   "])
def test_malformed_header_is_401(header: str, db: Any) -> None:
    response = ApiClient(None).get("/api/v1/tickets", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"] == "The Authorization header must be 'Bearer <token>'."


@pytest.mark.parametrize("raw", ["pdk_not-a-real-token", "nonsense", "pdk_" + "x" * 500, "pdk_\x00abc"])
def test_unknown_token_is_401(raw: str, db: Any) -> None:
    response = ApiClient(raw).get("/api/v1/tickets")
    assert response.status_code == 401
    assert response.json()["detail"] == "This token is not valid or has been revoked."


def test_revoked_token_is_401(db: Any) -> None:
    token, row = do_create_token("backend", "service")
    api = ApiClient(token)
    assert api.get("/api/v1/tickets").status_code == 200
    do_revoke_token(row)
    response = api.get("/api/v1/tickets")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_token_of_deactivated_user_is_401(api_for: Callable[..., ApiClient], agent: User) -> None:
    api = api_for("agent", agent)
    agent.is_active = False
    agent.save()
    response = api.get("/api/v1/tickets")
    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]


def test_token_use_is_recorded(db: Any) -> None:
    token, row = do_create_token("backend", "service")
    assert row.last_used_at is None
    ApiClient(token).get("/api/v1/tickets")
    row.refresh_from_db()
    assert row.last_used_at is not None


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_agent_roles_need_a_bound_agent(role: str, api_for: Callable[..., ApiClient]) -> None:
    response = api_for(role).get("/api/v1/tickets")
    assert response.status_code == 403
    assert "bound to an agent" in response.json()["detail"]


def test_readonly_token_reads_but_cannot_write(
    api_for: Callable[..., ApiClient], ticket: Ticket, new_ticket_payload: dict[str, Any]
) -> None:
    api = api_for("readonly")
    assert api.get(f"/api/v1/tickets/{ticket.reference}").status_code == 200
    assert api.get("/api/v1/tickets").status_code == 200
    for path, body in [
        ("/api/v1/tickets", new_ticket_payload),
        (f"/api/v1/tickets/{ticket.reference}/messages", {"body": "hello"}),
        (f"/api/v1/tickets/{ticket.reference}/status", {"status": "open"}),
    ]:
        response = api.post(path, body)
        assert response.status_code == 403, path
        assert response.json()["detail"] == "This token is read-only: it can only make GET requests."
    assert Ticket.objects.count() == 1
    assert ticket.messages.count() == 1


def test_service_token_cannot_reply_note_or_change_status(service_api: ApiClient, ticket: Ticket) -> None:
    for kind in ("reply", "note"):
        response = service_api.post(
            f"/api/v1/tickets/{ticket.reference}/messages", {"body": "x", "kind": kind}
        )
        assert response.status_code == 403
        assert "service" in response.json()["detail"]
    response = service_api.post(f"/api/v1/tickets/{ticket.reference}/status", {"status": "open"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert ticket.message_count == 1


def test_agent_token_cannot_write_player_messages(agent_api: ApiClient, ticket: Ticket) -> None:
    response = agent_api.post(
        f"/api/v1/tickets/{ticket.reference}/messages", {"body": "x", "kind": "inbound"}
    )
    assert response.status_code == 403
    assert "cannot add player messages" in response.json()["detail"]


def test_unbound_admin_token_cannot_reply(api_for: Callable[..., ApiClient], ticket: Ticket) -> None:
    api = api_for("admin")
    response = api.post(f"/api/v1/tickets/{ticket.reference}/messages", {"body": "Hi", "kind": "reply"})
    assert response.status_code == 403
    assert "bound to an agent" in response.json()["detail"]


def test_agent_token_sees_only_their_cases(
    api_for: Callable[..., ApiClient],
    agent: User,
    make_ticket: Callable[..., Ticket],
    team: Team,
    other_team: Team,
) -> None:
    mine = make_ticket("Payments question", team=team)
    theirs = make_ticket("Documents question", team=other_team)
    api = api_for("agent", agent)
    assert api.get(f"/api/v1/tickets/{mine.reference}").status_code == 200
    response = api.get(f"/api/v1/tickets/{theirs.reference}")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such case."}
    for path, body in [
        (f"/api/v1/tickets/{theirs.reference}/messages", {"body": "hello"}),
        (f"/api/v1/tickets/{theirs.reference}/status", {"status": "open"}),
    ]:
        assert api.post(path, body).status_code == 404
    listed = [item["reference"] for item in api.get("/api/v1/tickets").json()["items"]]
    assert listed == [mine.reference]
    assert api.get("/api/v1/tickets", {"q": theirs.reference}).json()["items"] == []
    theirs.refresh_from_db()
    assert theirs.message_count == 1 and theirs.status == "new"


def test_supervisor_token_sees_every_team(
    api_for: Callable[..., ApiClient],
    make_agent: Callable[..., User],
    make_ticket: Callable[..., Ticket],
    other_team: Team,
) -> None:
    theirs = make_ticket(team=other_team)
    api = api_for("supervisor", make_agent("sue", role=Role.SUPERVISOR))
    assert api.get(f"/api/v1/tickets/{theirs.reference}").status_code == 200


def test_internal_notes_only_for_staff_tokens(
    api_for: Callable[..., ApiClient], agent: User, ticket: Ticket
) -> None:
    do_reply(ticket, author=agent, body="Player is a VIP, check limits first.", internal=True)
    do_reply(ticket, author=agent, body="We are looking into it.")
    kinds = {}
    for role, user in [("service", None), ("readonly", None), ("admin", None), ("agent", agent)]:
        data = api_for(role, user).get(f"/api/v1/tickets/{ticket.reference}").json()
        kinds[role] = [m["kind"] for m in data["messages"]]
        bodies = " ".join(m["body"] for m in data["messages"])
        assert ("VIP" in bodies) == (role in ("admin", "agent")), role
    assert kinds["service"] == ["inbound", "outbound"]
    assert kinds["readonly"] == ["inbound", "outbound"]
    assert kinds["agent"] == ["inbound", "note", "outbound"]


def test_post_without_csrf_token_is_fine_for_bearer_clients(
    make_token: Callable[..., str], new_ticket_payload: dict[str, Any]
) -> None:
    api = ApiClient(make_token("service"), enforce_csrf_checks=True)
    assert api.post("/api/v1/tickets", new_ticket_payload).status_code == 201


@override_settings(API_RATE_PER_MINUTE=3)
def test_rate_limit_per_token(make_token: Callable[..., str]) -> None:
    first, second = ApiClient(make_token("service")), ApiClient(make_token("service"))
    start = dt.datetime(2031, 3, 4, 10, 15, 20, tzinfo=dt.UTC)
    with clock.frozen(start):
        assert [first.get("/api/v1/tickets").status_code for _ in range(3)] == [200, 200, 200]
        limited = first.get("/api/v1/tickets")
        assert limited.status_code == 429
        assert limited.json()["detail"] == "Too many requests."
        assert limited["Retry-After"] == "40"
        assert second.get("/api/v1/tickets").status_code == 200  # the limit is per token
    with clock.frozen(start + dt.timedelta(seconds=40)):
        assert first.get("/api/v1/tickets").status_code == 200  # a new window


@override_settings(API_RATE_PER_MINUTE=0)
def test_rate_limit_zero_disables_it(service_api: ApiClient) -> None:
    with clock.frozen(dt.datetime(2031, 3, 4, 10, 15, tzinfo=dt.UTC)):
        assert {service_api.get("/api/v1/tickets").status_code for _ in range(5)} == {200}
