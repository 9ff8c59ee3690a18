"""Lists show many cases at once: the queue, search results, the mailbox and the API list, each rendered
once with a case for every hostile payload in its subject, requester name and first message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils.html import escape

from playerdesk.core.errors import ActionError
from playerdesk.tickets.actions import do_reply
from playerdesk.tickets.models import Ticket
from tests.security.hostile import TEXT, assert_mail_safe, assert_rows_safe, assert_safe_response

pytestmark = pytest.mark.django_db


@pytest.fixture
def hostile_cases(
    make_ticket: Callable[..., Ticket], supervisor: User, django_capture_on_commit_callbacks: Any
) -> list[Ticket]:
    cases = []
    with django_capture_on_commit_callbacks(execute=True):
        for key, payload in TEXT.items():
            text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            text = text.encode("utf-8", "replace").decode("utf-8")  # no lone surrogates past a parser
            try:
                case = make_ticket(f"{key} {text[:200]}", f"{text[:5000]} ({key})", name=text[:100] or key)
            except ActionError:
                continue
            do_reply(case, author=supervisor, body=f"About {text[:2000]}")
            cases.append(case)
    assert len(cases) >= len(TEXT) - 2
    return cases


def test_queue_search_mailbox_and_api_lists_are_inert(
    hostile_cases: list[Ticket], supervisor_client: Client, service_headers: dict[str, str]
) -> None:
    assert_rows_safe()
    assert_mail_safe()
    pages = {
        "queue": supervisor_client.get("/desk/", {"tab": "all", "status": "any"}),
        "search": supervisor_client.get("/desk/", {"q": "alert", "status": "any"}),
        "mailbox": supervisor_client.get("/desk/mailbox/"),
        "api list": Client().get("/api/v1/tickets", {"limit": 200}, **service_headers),
        "api search": Client().get("/api/v1/tickets", {"q": "alert"}, **service_headers),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert_safe_response(response, context=name)
    queue = pages["queue"].content.decode()
    for case in hostile_cases:
        assert case.reference in queue
        if "<" in case.subject:
            assert escape(case.subject) in queue
    assert len(pages["api list"].json()["items"]) == len(hostile_cases)
