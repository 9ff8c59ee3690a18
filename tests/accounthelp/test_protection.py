"""Responsible gambling on the case page: promotional macros are refused for a self-excluded player, and
the flag shows at the top of every case of theirs, even to an agent whose requester is not verified."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from playerdesk.accounthelp.models import MacroPolicy
from playerdesk.core.errors import ActionError
from playerdesk.core.models import Team
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket
from tests.players.conftest import client_for, push_player


def test_promotional_macro_blocked_and_flag_on_top(
    make_ticket: Callable[..., Ticket], rg_team: Team, make_agent: Callable[..., User]
) -> None:
    emma = make_agent("emma", teams=[rg_team])
    promo = actions.do_create_macro(
        "Weekend bonus", body_en="Enjoy 50 free spins this weekend!", body_fr="Profitez de 50 tours gratuits!"
    )
    MacroPolicy.objects.create(macro=promo, promotional=True)
    player = push_player(status="self_excluded")
    ticket = make_ticket(email="jordan@example.com", player=player)
    with pytest.raises(ActionError, match="self-excluded"):
        actions.do_apply_macro(ticket, promo, author=emma)
    client = client_for(emma)
    response = client.post(
        reverse("console:macro_apply", args=[ticket.reference, promo.pk]), {"seen_seq": ticket.last_event_seq}
    )
    assert response.status_code == 400
    assert not ticket.messages.filter(kind="outbound").exists()
    page = client.get(reverse("console:ticket", args=[ticket.reference])).content.decode()
    head = page.split('id="player-flags"')[1].split("</header>")[0]
    assert "Self-excluded player" in head

    other = make_ticket(email="someone@example.com")
    actions.do_apply_macro(other, promo, author=emma)  # allowed for everyone else
    assert other.messages.filter(kind="outbound").exists()


def test_flag_shown_even_to_unverified_requester(
    make_ticket: Callable[..., Ticket], rg_team: Team, make_agent: Callable[..., User]
) -> None:
    emma = make_agent("emma", teams=[rg_team])
    player = push_player(status="self_excluded")
    ticket = make_ticket(channel="chat", email="guest@example.com", player=player)
    page = client_for(emma).get(reverse("console:ticket", args=[ticket.reference])).content.decode()
    assert "Self-excluded player" in page
    assert "1,250.40" not in page
