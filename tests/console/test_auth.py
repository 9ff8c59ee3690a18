from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from playerdesk.core.models import AgentStatus, AuditLog

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def test_every_console_page_requires_login(ticket: Any) -> None:
    client = Client()
    for url in ["/desk/", f"/desk/t/{ticket.reference}/", "/desk/mailbox/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/desk/login/?next=")


def test_htmx_request_without_session_is_sent_to_login() -> None:
    response = Client().get("/desk/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response["HX-Redirect"] == "/desk/login/"


def test_login_page_and_successful_login_sets_agent_online(agent: User) -> None:
    client = Client()
    page = client.get("/desk/login/")
    assert page.status_code == 200
    assert b'name="username"' in page.content
    response = client.post("/desk/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/desk/"
    agent.agent.refresh_from_db()
    assert agent.agent.status == AgentStatus.ONLINE
    assert AuditLog.objects.filter(action="agent.status", object_id=str(agent.agent.pk)).exists()
    assert client.get("/desk/").status_code == 200


def test_wrong_password_is_refused_with_a_message(agent: User) -> None:
    response = Client().post("/desk/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content


def test_user_without_agent_profile_cannot_log_in_or_use_the_console(plain_user: User) -> None:
    response = Client().post("/desk/login/", {"username": "visitor", "password": PASSWORD})
    assert response.status_code == 200
    assert b"no access to the agent console" in response.content
    client = Client()
    client.force_login(plain_user)
    assert client.get("/desk/").status_code == 403
    assert client.get("/desk/mailbox/").status_code == 403


def test_login_is_throttled_after_five_failures(agent: User) -> None:
    client = Client()
    for _ in range(5):
        response = client.post("/desk/login/", {"username": "alice", "password": "wrong"})
        assert b"Too many failed" not in response.content
    # Even the right password is refused while the account is throttled (any spelling of the name).
    response = client.post("/desk/login/", {"username": "ALICE", "password": PASSWORD})
    assert response.status_code == 200
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session
    # Another account is not affected.
    other = User.objects.create_user("bob", "bob@example.com", PASSWORD)
    assert other.pk
    response = client.post("/desk/login/", {"username": "bob", "password": "wrong"})
    assert b"Too many failed" not in response.content


def test_a_success_resets_the_failure_count(agent: User) -> None:
    client = Client()
    for _ in range(4):
        client.post("/desk/login/", {"username": "alice", "password": "wrong"})
    assert client.post("/desk/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    client = Client()
    for _ in range(4):
        client.post("/desk/login/", {"username": "alice", "password": "wrong"})
    assert client.post("/desk/login/", {"username": "alice", "password": PASSWORD}).status_code == 302


def test_logout_is_post_only_and_sets_agent_offline(agent: User, agent_client: Client) -> None:
    assert agent_client.get("/desk/logout/").status_code == 405
    agent.agent.status = AgentStatus.ONLINE
    agent.agent.save()
    response = agent_client.post("/desk/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/desk/login/"
    agent.agent.refresh_from_db()
    assert agent.agent.status == AgentStatus.OFFLINE
    assert agent_client.get("/desk/").status_code == 302


def test_csrf_is_enforced_on_console_forms(agent: User, ticket: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    url = f"/desk/t/{ticket.reference}/reply/"
    response = client.post(url, {"body": "Hello", "mode": "reply", "seen_seq": ticket.last_event_seq})
    assert response.status_code == 403
    assert ticket.messages.count() == 1
    page = client.get(f"/desk/t/{ticket.reference}/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        url,
        {"body": "Hello", "mode": "reply", "seen_seq": ticket.last_event_seq},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 302
    assert ticket.messages.count() == 2
