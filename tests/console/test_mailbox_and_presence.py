from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from playerdesk.core import clock
from playerdesk.core.actions import do_set_agent_status
from playerdesk.core.errors import ActionError
from playerdesk.core.models import AgentStatus, AuditLog
from playerdesk.mail.models import OutboundEmail
from playerdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def outbound(n: int, **fields: Any) -> OutboundEmail:
    now = clock.now()
    defaults = {
        "kind": "reply",
        "to": f"player{n}@example.com",
        "subject": f"Your case {n}",
        "body_text": f"Hello {n}\nSecond line",
        "body_html": "",
        "message_id": f"<m{n}@playerdesk.test>",
        "next_attempt_at": now,
        "created_at": now,
    }
    defaults.update(fields)
    return OutboundEmail.objects.create(**defaults)


def test_mailbox_is_for_supervisors_only(agent_client: Client, supervisor_client: Client) -> None:
    email = outbound(1)
    assert agent_client.get("/desk/mailbox/").status_code == 403
    assert agent_client.get(f"/desk/mailbox/{email.pk}/").status_code == 403
    response = supervisor_client.get("/desk/mailbox/")
    assert response.status_code == 200
    assert b"player1@example.com" in response.content and b"Your case 1" in response.content


def test_mailbox_detail_shows_text_escaped_and_html_sanitized(supervisor_client: Client) -> None:
    email = outbound(
        2,
        subject="<script>alert('s')</script>",
        body_text="<script>alert('t')</script>\nBye",
        body_html='<p>Hi <a href="https://example.com">link</a></p><script>alert("h")</script>'
        '<img src=x onerror="alert(1)"><iframe src="https://evil"></iframe>',
    )
    content = supervisor_client.get(f"/desk/mailbox/{email.pk}/").content.decode()
    assert "<script>alert" not in content
    assert "onerror" not in content and "<iframe" not in content
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in content
    assert '<p>Hi <a href="https://example.com" rel="noopener noreferrer nofollow">link</a></p>' in content


def test_mailbox_unknown_is_404_and_pagination(supervisor_client: Client, settings: Any) -> None:
    assert supervisor_client.get("/desk/mailbox/999999/").status_code == 404
    settings.QUEUE_PAGE_SIZE = 2
    for i in range(5):
        outbound(10 + i)
    seen: list[str] = []
    url = "/desk/mailbox/"
    while url:
        content = supervisor_client.get(url).content.decode()
        seen += re.findall(r"player(\d+)@example.com", content)
        found = re.search(r'rel="next" href="(\?cursor=[^"]+)"', content)
        url = "/desk/mailbox/" + found.group(1) if found else ""
    assert sorted(seen) == ["10", "11", "12", "13", "14"] and len(seen) == 5
    assert supervisor_client.get("/desk/mailbox/?cursor=%%%").status_code == 400


def test_do_set_agent_status_audits(agent: User) -> None:
    profile = do_set_agent_status(agent.agent, AgentStatus.AWAY)
    assert profile.status == AgentStatus.AWAY and profile.status_changed_at is not None
    log = AuditLog.objects.get(action="agent.status")
    assert log.data == {"from": "offline", "to": "away"}
    assert log.actor == agent
    # Same status again writes nothing; garbage is refused.
    do_set_agent_status(agent.agent, AgentStatus.AWAY)
    assert AuditLog.objects.filter(action="agent.status").count() == 1
    with pytest.raises(ActionError):
        do_set_agent_status(agent.agent, "asleep")


def test_status_selector_and_supervisor_presence_list(
    agent: User, agent_client: Client, supervisor_client: Client, make_agent: Callable[..., User]
) -> None:
    response = agent_client.post("/desk/status/", {"status": "online", "next": "/desk/?tab=all"})
    assert response.status_code == 302 and response["Location"] == "/desk/?tab=all"
    agent.agent.refresh_from_db()
    assert agent.agent.status == "online"
    assert agent_client.post("/desk/status/", {"status": "gone"}).status_code == 400
    evil = agent_client.post("/desk/status/", {"status": "away", "next": "https://evil.example/"})
    assert evil["Location"] == "/desk/"

    page = supervisor_client.get("/desk/").content.decode()
    assert 'class="presence-list"' in page
    assert re.search(r'dot-away" aria-hidden="true"></span> Alice\s*<span class="muted">Away', page)
    assert "Agent presence" in page
    # Plain agents have the selector but not the list.
    assert 'class="presence-list"' not in agent_client.get("/desk/").content.decode()


def test_ticket_page_live_hooks(agent_client: Client, ticket: Ticket) -> None:
    content = agent_client.get(f"/desk/t/{ticket.reference}/").content.decode()
    assert f'data-ticket-id="{ticket.pk}"' in content
    assert 'data-ws-path="/ws/desk/"' in content
    assert 'id="presence"' in content and "is typing" in content
    assert "This case was updated — reload" in content
