"""The `playerdesk` administration commands, called through the real entry point."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from playerdesk.api.actions import token_for
from playerdesk.api.models import ApiToken
from playerdesk.cli import main
from playerdesk.core.models import AgentProfile, AuditLog, Team
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket, TicketEvent

# ---------------------------------------------------------------- token


def test_token_create_prints_only_a_working_token(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "create", "--role", "service", "--name", "operator backend"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    token = out.strip()
    row = token_for(token)
    assert row is not None
    assert row.role == "service"
    assert row.name == "operator backend"
    assert token not in str(list(ApiToken.objects.values_list("token_hash", "prefix")))


def test_token_create_for_a_user_and_unknown_role(
    db: Any, agent: User, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "create", "--role", "agent", "--user", "alice"]) == 0
    row = token_for(capsys.readouterr().out.strip())
    assert row is not None and row.user == agent
    assert main(["token", "create", "--role", "root"]) == 1
    assert "invalid choice" in capsys.readouterr().err
    assert main(["token", "create", "--role", "agent", "--user", "nobody"]) == 1
    assert "No user 'nobody'" in capsys.readouterr().err


def test_token_list_and_revoke(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    main(["token", "create", "--role", "readonly", "--name", "reports"])
    token = capsys.readouterr().out.strip()
    prefix = token[:10]
    assert main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    assert prefix in listing and "reports" in listing and "never used" in listing
    assert token not in listing
    assert main(["token", "revoke", prefix]) == 0
    assert "Revoked" in capsys.readouterr().out
    assert token_for(token) is None
    assert main(["token", "revoke", prefix]) == 1
    assert "No live token" in capsys.readouterr().err
    assert main(["token", "revoke", "abc"]) == 1


# ---------------------------------------------------------------- verify-timeline


@pytest.fixture
def worked_ticket(ticket: Ticket, agent: User) -> Ticket:
    actions.do_assign(ticket, agent, actor=agent)
    actions.do_reply(ticket, author=agent, body="Checking with the payments team.", internal=True)
    actions.do_set_tags(ticket, ["withdrawal"], actor=agent)
    return Ticket.objects.get(pk=ticket.pk)


def test_verify_timeline_ok(worked_ticket: Ticket, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify-timeline", worked_ticket.reference.lower()]) == 0
    out = capsys.readouterr().out
    assert f"{worked_ticket.reference} OK ({worked_ticket.last_event_seq} events)" in out


def test_verify_timeline_detects_an_edited_event(
    worked_ticket: Ticket, make_ticket: Callable[..., Ticket], capsys: pytest.CaptureFixture[str]
) -> None:
    other = make_ticket(subject="Deposit missing")
    TicketEvent.objects.filter(ticket=worked_ticket, seq=2).update(data={"message": 1, "kind": "outbound"})
    assert main(["verify-timeline", worked_ticket.reference, other.reference]) == 1
    out = capsys.readouterr().out
    assert f"{worked_ticket.reference} BROKEN at event 2: event content was changed" in out
    assert f"{other.reference} OK" in out


def test_verify_timeline_detects_edited_fields_and_removed_events(
    worked_ticket: Ticket, capsys: pytest.CaptureFixture[str]
) -> None:
    last = worked_ticket.last_event_seq
    TicketEvent.objects.filter(ticket=worked_ticket, seq=last).delete()
    assert main(["verify-timeline", worked_ticket.reference]) == 1
    assert f"BROKEN at event {last}: events were removed from the end" in capsys.readouterr().out

    TicketEvent.objects.filter(ticket=worked_ticket, seq=1).update(actor_label="Someone else")
    assert main(["verify-timeline", worked_ticket.reference]) == 1
    assert "BROKEN at event 1: event content was changed" in capsys.readouterr().out


def test_verify_timeline_detects_a_removed_middle_event(
    worked_ticket: Ticket, capsys: pytest.CaptureFixture[str]
) -> None:
    TicketEvent.objects.filter(ticket=worked_ticket, seq=2).delete()
    with pytest.raises(CommandError):
        call_command("verify_timeline", worked_ticket.reference)
    assert "BROKEN at event 3: event 2 is missing" in capsys.readouterr().out


def test_verify_timeline_all_and_unknown_references(
    worked_ticket: Ticket, make_ticket: Callable[..., Ticket], capsys: pytest.CaptureFixture[str]
) -> None:
    make_ticket(subject="Second")
    assert main(["verify-timeline", "--all"]) == 0
    assert "2 case(s) verified: all OK." in capsys.readouterr().out
    TicketEvent.objects.filter(ticket=worked_ticket, seq=1).update(public=False)
    assert main(["verify-timeline", "--all"]) == 1
    out = capsys.readouterr().out
    assert f"{worked_ticket.reference} BROKEN at event 1" in out and "1 broken." in out
    assert main(["verify-timeline", "PD-NOTAREF"]) == 1
    assert "NOT FOUND" in capsys.readouterr().out
    assert main(["verify-timeline"]) == 1
    assert "--all" in capsys.readouterr().err


# ---------------------------------------------------------------- createuser


def test_createuser_with_teams_and_languages(
    db: Any, team: Team, other_team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["createuser", "benoit", "--email", "benoit@desk.example", "--role", "supervisor"]
    argv += ["--team", "payments", "--team", "verification", "--languages", "fr,en", "--name", "Benoît G."]
    argv += ["--password", "a-long-unusual-passphrase"]
    assert main(argv) == 0
    assert "Created supervisor benoit" in capsys.readouterr().out
    user = User.objects.get(username="benoit")
    assert user.check_password("a-long-unusual-passphrase")
    profile = AgentProfile.objects.get(user=user)
    assert profile.role == "supervisor"
    assert profile.languages == ["fr", "en"]
    assert profile.display_name == "Benoît G."
    assert set(profile.teams.values_list("slug", flat=True)) == {"payments", "verification"}
    assert AuditLog.objects.filter(action="agent.create", object_id=str(user.pk)).exists()
    # The same username twice is refused.
    assert main(argv) == 1
    assert "already exists" in capsys.readouterr().err


def test_createuser_refuses_bad_input(
    db: Any, team: Team, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ["createuser", "dana", "--email", "dana@desk.example"]
    assert main([*base, "--password", "password"]) == 1
    assert "This password is too common." in capsys.readouterr().err
    assert main([*base, "--password", "a-long-unusual-passphrase", "--team", "nope"]) == 1
    assert "Unknown team nope" in capsys.readouterr().err
    assert main([*base, "--password", "a-long-unusual-passphrase", "--languages", "de"]) == 1
    assert "Unknown language" in capsys.readouterr().err
    assert main(["createuser", "dana", "--email", "not-an-email", "--password", "x" * 20]) == 1
    monkeypatch.delenv("PLAYERDESK_NEW_USER_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(base) == 1
    assert "PLAYERDESK_NEW_USER_PASSWORD" in capsys.readouterr().err
    assert not User.objects.filter(username="dana").exists()
    monkeypatch.setenv("PLAYERDESK_NEW_USER_PASSWORD", "another-long-passphrase")
    assert main(base) == 0
    assert User.objects.get(username="dana").check_password("another-long-passphrase")


# ---------------------------------------------------------------- check


def test_check_prints_a_table(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    for name in (
        "secret key",
        "database",
        "migrations",
        "data directory",
        "redis",
        "outbound mail",
        "staff sign-in",
    ):
        assert name in out
    assert "ERROR" not in out


@override_settings(SMTP_RELAY="127.0.0.1:9", EMAIL_HOST="127.0.0.1", EMAIL_PORT=9)
def test_check_fails_on_an_unreachable_relay(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 1
    captured = capsys.readouterr()
    assert "relay 127.0.0.1:9 not reachable" in captured.out
    assert "1 problem(s)" in captured.err


def test_check_fails_on_an_unwritable_data_dir(
    db: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with override_settings(DATA_DIR=blocker / "data"):
        assert main(["check"]) == 1
    assert "not writable" in capsys.readouterr().out


def test_unknown_and_empty_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "verify-timeline" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["frobnicate"])


@override_settings(TESTING=False, DEMO=False)
def test_check_refuses_the_demo_key_outside_demo_mode(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 1
    assert "the demo key is set outside demo mode" in capsys.readouterr().out


@override_settings(TESTING=False, DEMO=False, STAFF_2FA_REQUIRED=False)
def test_check_warns_when_production_leaves_two_step_sign_in_optional(
    db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["check"])
    assert (
        "two-step sign-in left to each agent: set PLAYERDESK_STAFF_2FA_REQUIRED=1" in capsys.readouterr().out
    )
    with override_settings(STAFF_2FA_REQUIRED=True):
        main(["check"])
    assert "two-step sign-in required" in capsys.readouterr().out


def test_reset_2fa_is_a_subcommand(agent: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reset-2fa", "alice", "--reason", "PD-12345678"]) == 0
    assert "alice has no two-step sign-in" in capsys.readouterr().out
