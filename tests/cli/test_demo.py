"""Demo data: built through the actions, realistic, idempotent, only in demo mode."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from playerdesk.console import demo
from playerdesk.core.models import AgentProfile, Team
from playerdesk.players.models import Player
from playerdesk.tickets.models import Macro, Message, Ticket, TicketEvent
from playerdesk.tickets.timeline import verify_chain


def counts() -> dict[str, int]:
    return {
        "teams": Team.objects.count(),
        "agents": AgentProfile.objects.count(),
        "players": Player.objects.count(),
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "events": TicketEvent.objects.count(),
        "macros": Macro.objects.count(),
    }


@override_settings(DEMO=True)
def test_demo_is_idempotent(db: Any) -> None:
    first = demo.build(20)
    assert first.created_cases == 20
    after_first = counts()
    second = demo.build(20)
    assert second.already_loaded
    assert counts() == after_first
    assert after_first["tickets"] == 20
    assert after_first["teams"] == 6
    assert after_first["agents"] == len(demo.AGENTS)
    assert after_first["macros"] >= 5


@override_settings(DEMO=True)
def test_demo_cases_are_realistic(db: Any) -> None:
    demo.build(60)
    tickets = Ticket.objects.all()
    assert {t.language for t in tickets} == {"en", "fr"}
    assert len({t.category for t in tickets}) >= 5
    assert len({t.status for t in tickets}) >= 4
    assert len({t.priority for t in tickets}) >= 3
    assert Message.objects.filter(kind="outbound").exists()
    assert Ticket.objects.exclude(assignee=None).exists()
    times = sorted(t.received_at for t in tickets)
    assert (times[-1] - times[0]).days >= 7
    french = Player.objects.filter(locale="fr")
    assert french.exists() and french.filter(province="QC").exists()
    for ticket in tickets:
        events = TicketEvent.objects.filter(ticket=ticket).order_by("seq")
        assert verify_chain(ticket.reference, events, ticket.last_event_hash).ok
        stamps = [e.created_at for e in events]
        assert stamps == sorted(stamps)
        assert stamps[0] == ticket.received_at


@override_settings(DEMO=True)
def test_demo_logins_work(db: Any) -> None:
    demo.build(5)
    for username, password, _about in demo.logins():
        assert authenticate(username=username, password=password) is not None
    assert AgentProfile.objects.get(user__username="sam").role == "supervisor"
    assert AgentProfile.objects.get(user__username="admin").role == "admin"
    benoit = AgentProfile.objects.get(user__username="benoit")
    assert "fr" in benoit.languages and benoit.teams.filter(slug="verification").exists()


@override_settings(DEMO=True)
def test_demo_command_twice(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", "--cases", "8")
    assert "Loaded 8 demo cases" in capsys.readouterr().out
    call_command("demo", "--cases", "8")
    out = capsys.readouterr().out
    assert "already loaded (8 cases)" in out and "alice" in out
    assert Ticket.objects.count() == 8


def test_demo_refused_outside_demo_mode(db: Any) -> None:
    with pytest.raises(CommandError, match="only loaded in demo mode"):
        call_command("demo", "--cases", "3")
    assert not Ticket.objects.exists()
    assert not Team.objects.exists()
