"""Show a case on every screen that displays it and check each answer is inert. (Lists, which show many
cases at once, are checked once with every hostile case in them: test_lists.py.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils.html import escape

from playerdesk.mail.models import OutboundEmail
from playerdesk.tickets import links
from playerdesk.tickets.models import Ticket
from tests.security.hostile import assert_safe_response

ShowEverywhere = Callable[..., None]


def shows_escaped(html: str, text: str) -> bool:
    return escape(text) in html


@pytest.fixture
def show_everywhere(
    db: Any, make_agent: Callable[..., User], make_token: Callable[..., str]
) -> ShowEverywhere:
    """Render ``ticket`` in the portal, the console (case page, its mail) and the API; with ``expect``,
    check that text appears escaped where a person reads it (the portal does not show the player their
    own address: ``shown_to_player=False``)."""
    supervisor = make_agent("security-supervisor", role="supervisor")
    desk = Client()
    desk.force_login(supervisor)
    api_headers = {"HTTP_AUTHORIZATION": f"Bearer {make_token('service')}"}

    def show(ticket: Ticket, expect: str = "", shown_to_player: bool = True) -> None:
        ticket.refresh_from_db()
        player_page = Client().get(f"/help/case/{links.make_token(ticket)}/")
        assert player_page.status_code == 200
        assert_safe_response(player_page, context="portal case page")
        case_page = desk.get(f"/desk/t/{ticket.reference}/")
        assert case_page.status_code == 200
        assert_safe_response(case_page, context="console case page")
        for email in OutboundEmail.objects.filter(ticket=ticket):
            detail = desk.get(f"/desk/mailbox/{email.pk}/")
            assert detail.status_code == 200
            assert_safe_response(detail, context="console mailbox")
        api = Client().get(f"/api/v1/tickets/{ticket.reference}", **api_headers)
        assert api.status_code == 200
        assert_safe_response(api, context="API case")
        if expect:
            pages = [(player_page, "portal")] if shown_to_player else []
            for page, name in [*pages, (case_page, "console")]:
                assert shows_escaped(page.content.decode(), expect), (
                    f"{name} does not show {expect!r} escaped"
                )

    return show
