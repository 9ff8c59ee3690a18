"""Methods and cross-site requests: POST-only views refuse GET, read-only views refuse POST, and no
state-changing form of the console or the portal works without its CSRF token."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from playerdesk.tickets.actions import do_create_macro
from playerdesk.tickets.attachments import do_add_attachment
from playerdesk.tickets.models import Ticket
from tests.security.hostile import assert_safe_response

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def ids(own_case: Ticket, team: Any) -> dict[str, Any]:
    macro = do_create_macro("Thanks", body_en="Thanks.", body_fr="Merci.", team=team)
    attachment = do_add_attachment(own_case, filename="receipt.txt", data=b"receipt")
    own_case.refresh_from_db()
    return {"ref": own_case.reference, "macro": macro.pk, "file": attachment.pk}


POST_ONLY = [
    "/desk/status/",
    "/desk/logout/",
    "/desk/t/{ref}/reply/",
    "/desk/t/{ref}/set/status/",
    "/desk/t/{ref}/set/tags/",
    "/desk/t/{ref}/macros/{macro}/apply/",
]
GET_ONLY = [
    "/desk/",
    "/desk/t/{ref}/",
    "/desk/t/{ref}/macros/{macro}/",
    "/desk/mailbox/",
    "/desk/files/{file}/",
    "/healthz",
]


@pytest.mark.parametrize("path", POST_ONLY)
def test_post_only_views_refuse_get(supervisor_client: Client, ids: dict[str, Any], path: str) -> None:
    response = supervisor_client.get(path.format(**ids))
    assert response.status_code == 405
    assert "POST" in response["Allow"]


@pytest.mark.parametrize("path", GET_ONLY)
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_read_only_views_refuse_writes(
    supervisor_client: Client, ids: dict[str, Any], path: str, method: str, own_case: Ticket
) -> None:
    seq = own_case.last_event_seq
    response = getattr(supervisor_client, method)(path.format(**ids), {"value": "solved"})
    if path == "/healthz":
        assert response.status_code in (200, 405)  # answering is harmless: it changes nothing
    else:
        assert response.status_code == 405
    own_case.refresh_from_db()
    assert own_case.last_event_seq == seq


@pytest.mark.parametrize("path", ["/help/new/", "/help/find/", "/help/case/{token}/"])
@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_portal_forms_refuse_other_methods(
    client: Client, own_case: Ticket, portal_token: Callable[[Ticket], str], path: str, method: str
) -> None:
    response = getattr(client, method)(path.format(token=portal_token(own_case)), "message=hello")
    assert response.status_code == 405
    assert own_case.messages.count() == 1


def test_language_switch_by_get_changes_nothing(client: Client) -> None:
    response = client.get("/help/lang/", {"language": "fr", "next": "/help/"})
    assert response.status_code < 500
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/tickets/{ref}/messages"),
        ("get", "/api/v1/tickets/{ref}/status"),
        ("delete", "/api/v1/tickets/{ref}"),
        ("put", "/api/v1/tickets/{ref}"),
        ("patch", "/api/v1/tickets"),
    ],
)
def test_api_wrong_methods_are_json_4xx(
    service_headers: dict[str, str], own_case: Ticket, method: str, path: str
) -> None:
    response = getattr(Client(), method)(path.format(ref=own_case.reference), **service_headers)
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith(f"Method {method.upper()} is not allowed here; use ")
    assert response["Allow"]
    assert_safe_response(response)


# ---------------------------------------------------------------- CSRF


def csrf_client(user: User | None = None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


CONSOLE_POSTS = {
    "status": ("/desk/status/", {"status": "away"}),
    "logout": ("/desk/logout/", {}),
    "reply": ("/desk/t/{ref}/reply/", {"body": "Hello", "mode": "reply", "seen_seq": "0"}),
    "note": ("/desk/t/{ref}/reply/", {"body": "Hello", "mode": "note", "seen_seq": "0"}),
    "set-status": ("/desk/t/{ref}/set/status/", {"value": "open"}),
    "set-priority": ("/desk/t/{ref}/set/priority/", {"value": "1"}),
    "set-assignee": ("/desk/t/{ref}/set/assignee/", {"value": "me"}),
    "set-tags": ("/desk/t/{ref}/set/tags/", {"value": "vip"}),
    "macro-apply": ("/desk/t/{ref}/macros/{macro}/apply/", {"seen_seq": "0", "force": "on"}),
}


@pytest.mark.parametrize("forged", ["missing", "wrong"])
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("name", CONSOLE_POSTS)
def test_console_posts_need_the_csrf_token(
    supervisor: User, ids: dict[str, Any], own_case: Ticket, name: str, htmx: bool, forged: str
) -> None:
    client = csrf_client(supervisor)
    path, data = CONSOLE_POSTS[name]
    form = dict(data)
    extra: dict[str, str] = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    if forged == "wrong":
        client.cookies["csrftoken"] = "a" * 32
        form["csrfmiddlewaretoken"] = "b" * 32
        extra["HTTP_X_CSRFTOKEN"] = "b" * 32
    seq = own_case.last_event_seq
    response = client.post(path.format(**ids), form, **extra)
    assert response.status_code == 403
    own_case.refresh_from_db()
    assert own_case.last_event_seq == seq
    assert "_auth_user_id" in client.session  # a forged logout does not sign anyone out


def test_console_post_with_the_csrf_token_works(supervisor: User, own_case: Ticket) -> None:
    """The refusals above are about the token: the same request with it goes through."""
    client = csrf_client(supervisor)
    page = client.get(f"/desk/t/{own_case.reference}/")
    token = CSRF_INPUT.search(page.content.decode())
    assert token is not None
    response = client.post(
        f"/desk/t/{own_case.reference}/set/priority/", {"value": "1", "csrfmiddlewaretoken": token.group(1)}
    )
    assert response.status_code == 302
    own_case.refresh_from_db()
    assert own_case.priority == 1


def test_login_needs_the_csrf_token(agent: User) -> None:
    client = csrf_client()
    response = client.post("/desk/login/", {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("name", ["new", "find", "reply", "lang"])
def test_portal_posts_need_the_csrf_token(
    own_case: Ticket, portal_token: Callable[[Ticket], str], name: str
) -> None:
    client = csrf_client()
    path, data = {
        "new": (
            "/help/new/",
            {
                "name": "Pat",
                "email": "pat@example.com",
                "category": "payments",
                "subject": "S",
                "message": "M",
            },
        ),
        "find": ("/help/find/", {"reference": own_case.reference, "email": own_case.requester_email}),
        "reply": (f"/help/case/{portal_token(own_case)}/", {"message": "Hello"}),
        "lang": ("/help/lang/", {"language": "fr", "next": "/help/"}),
    }[name]
    tickets, messages = Ticket.objects.count(), own_case.messages.count()
    response = client.post(path, data)
    assert response.status_code == 403
    assert (Ticket.objects.count(), own_case.messages.count()) == (tickets, messages)


def test_api_takes_bearer_tokens_not_the_console_session(agent: User, own_case: Ticket) -> None:
    """The API is exempt from CSRF because a browser's cookies never authenticate it."""
    client = csrf_client(agent)
    response = client.post(
        f"/api/v1/tickets/{own_case.reference}/messages", {"body": "hi"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert client.get(f"/api/v1/tickets/{own_case.reference}").status_code == 401
    assert own_case.messages.count() == 1
