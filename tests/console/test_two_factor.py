"""Two-step sign-in for staff: codes (RFC 6238), setting it up, signing in with it, the desk's rule that
requires it, turning it off, and the administrator's reset."""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from playerdesk.core import clock, totp
from playerdesk.core.models import AgentProfile, AgentStatus, AuditLog
from tests.conftest import signed_in_with_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
SECURITY = "/desk/account/security/"
RECOVERY_CODE = re.compile(r"<code>([A-Z2-7]{5}-[A-Z2-7]{5})</code>")
T0 = dt.datetime(2026, 11, 26, 20, 0, 0, tzinfo=dt.UTC)


def code(secret: str, moment: dt.datetime) -> str:
    return totp.code_at(secret, totp.step_of(moment.timestamp()))


def set_up(user: User, moment: dt.datetime = T0) -> tuple[str, list[str]]:
    """Set up two-step sign-in for ``user`` through the page, as the agent does; returns the key and the
    recovery codes the page showed."""
    client = Client()
    client.force_login(user)
    with clock.frozen(moment):
        client.get(SECURITY)
        secret = client.session["console:2fa-key"]
        response = client.post(SECURITY, {"action": "enable", "code": code(secret, moment)})
        assert response.status_code == 302
        shown = client.get(response["Location"]).content.decode()
    return secret, RECOVERY_CODE.findall(shown)


def turned_on(user: User, moment: dt.datetime = T0) -> str:
    return set_up(user, moment)[0]


def password_step(client: Client, moment: dt.datetime, next_url: str = "") -> Any:
    url = "/desk/login/" + (f"?next={next_url}" if next_url else "")
    with clock.frozen(moment):
        return client.post(url, {"username": "alice", "password": PASSWORD, "next": next_url})


# ---------------------------------------------------------------- codes


def test_codes_follow_rfc_6238_and_accept_one_step_of_drift() -> None:
    secret = base64.b32encode(b"12345678901234567890").decode()
    vectors = {59: "287082", 1111111109: "081804", 1234567890: "005924", 2000000000: "279037"}
    for timestamp, expected in vectors.items():
        assert totp.code_at(secret, totp.step_of(timestamp)) == expected
    now = 1234567890.0
    step = totp.step_of(now)
    assert totp.matching_step(secret, "005 924", now) == step  # as apps show it
    assert totp.matching_step(secret, totp.code_at(secret, step - 1), now) == step - 1
    assert totp.matching_step(secret, totp.code_at(secret, step + 1), now) == step + 1
    assert totp.matching_step(secret, totp.code_at(secret, step - 2), now) is None
    assert totp.matching_step(secret, "005924", now, after_step=step) is None  # already used
    for bad in ["", "00592", "0059245", "abcdef", "٠٠٥٩٢٤", "005924\x00"]:
        assert totp.matching_step(secret, bad, now) is None
    assert len(totp.new_secret()) == 32 and totp.new_secret() != totp.new_secret()
    key = totp.new_secret()
    sealed = totp.seal(key)
    assert key not in sealed and totp.unseal(sealed) == key
    assert totp.unseal("gAAAA-not-a-token") == "" and totp.unseal("") == ""  # no code matches then
    uri = totp.provisioning_uri(secret, "alice", "PlayerDesk")
    assert uri.startswith("otpauth://totp/PlayerDesk:alice?secret=" + secret)
    assert "issuer=PlayerDesk" in uri and "period=30" in uri and "digits=6" in uri


# ---------------------------------------------------------------- setting it up


def test_an_agent_sets_it_up_with_the_qr_code_and_a_code_from_the_app(agent: User) -> None:
    client = Client()
    client.force_login(agent)
    with clock.frozen(T0):
        page = client.get("/desk/account/security/")
    assert page.status_code == 200
    secret = client.session["console:2fa-key"]
    assert 'src="data:image/svg+xml' in page.content.decode()
    assert totp.grouped(secret) in page.content.decode()
    assert totp.grouped(secret) in client.get("/desk/account/security/").content.decode()  # same on reload
    with clock.frozen(T0):
        wrong = client.post("/desk/account/security/", {"action": "enable", "code": "000000"})
    assert wrong.status_code == 400
    assert "does not match" in wrong.content.decode()
    assert not AgentProfile.objects.get(user=agent).two_factor_on
    with clock.frozen(T0):
        response = client.post(
            SECURITY, {"action": "enable", "code": code(secret, T0), "next": "/desk/mailbox/"}
        )
    assert response.status_code == 302 and response["Location"] == f"{SECURITY}?next=%2Fdesk%2Fmailbox%2F"
    shown = client.get(response["Location"]).content.decode()
    codes = RECOVERY_CODE.findall(shown)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "Save your recovery codes" in shown and 'href="/desk/mailbox/">I saved them' in shown
    assert not RECOVERY_CODE.findall(client.get(SECURITY).content.decode())  # shown once
    profile = AgentProfile.objects.get(user=agent)
    assert len(profile.totp_recovery) == 10 and not set(codes) & set(profile.totp_recovery)
    assert profile.two_factor_on and totp.unseal(profile.totp_secret) == secret
    with connection.cursor() as cursor:  # the key is stored encrypted
        cursor.execute("SELECT totp_secret FROM core_agentprofile WHERE id = %s", [profile.pk])
        assert secret not in cursor.fetchone()[0]
    assert AuditLog.objects.filter(action="agent.2fa_enabled", object_id=str(profile.pk)).count() == 1
    assert "console:2fa-key" not in client.session
    assert "On since" in client.get("/desk/account/security/").content.decode()


def test_the_console_links_to_the_page_from_the_agents_name(agent_client: Client) -> None:
    assert 'href="/desk/account/security/"' in agent_client.get("/desk/").content.decode()


# ---------------------------------------------------------------- signing in


def test_sign_in_asks_for_the_code_after_the_password(agent: User) -> None:
    secret = turned_on(agent)
    later = T0 + dt.timedelta(minutes=5)
    client = Client()
    response = password_step(client, later)
    assert response.status_code == 302 and response["Location"] == "/desk/login/code/"
    assert client.get("/desk/").status_code == 302  # not signed in yet
    with clock.frozen(later):
        page = client.get("/desk/login/code/")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()
    with clock.frozen(later):
        done = client.post("/desk/login/code/", {"code": code(secret, later)})
    assert done.status_code == 302 and done["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200
    assert AgentProfile.objects.get(user=agent).status == AgentStatus.ONLINE
    signed_in = AuditLog.objects.get(action="agent.signed_in", actor=agent)
    assert signed_in.data == {"second_step": True} and signed_in.ip == "127.0.0.1"
    # The same code cannot sign in a second time, even within its 30 seconds.
    other = Client()
    password_step(other, later)
    with clock.frozen(later):
        replay = other.post("/desk/login/code/", {"code": code(secret, later)})
    assert replay.status_code == 400
    assert "already used" in replay.content.decode()
    assert other.get("/desk/").status_code == 302


def test_the_page_asked_for_before_sign_in_is_opened_after_the_code(agent: User) -> None:
    secret = turned_on(agent)
    later = T0 + dt.timedelta(minutes=1)
    client = Client()
    password_step(client, later, next_url="/desk/mailbox/")
    with clock.frozen(later):
        assert client.post("/desk/login/code/", {"code": code(secret, later)})["Location"] == "/desk/mailbox/"
    client = Client()
    password_step(client, later + dt.timedelta(minutes=1), next_url="https://evil.example/")
    moment = later + dt.timedelta(minutes=1)
    with clock.frozen(moment):
        assert client.post("/desk/login/code/", {"code": code(secret, moment)})["Location"] == "/desk/"


def test_wrong_codes_count_against_the_sign_in_throttle_and_a_password_does_not_reset_it(agent: User) -> None:
    secret = turned_on(agent)
    later = T0 + dt.timedelta(minutes=2)
    client = Client()
    password_step(client, later)
    for _ in range(4):
        with clock.frozen(later):
            response = client.post("/desk/login/code/", {"code": "123456"})
        assert response.status_code == 400
    profile = AgentProfile.objects.get(user=agent)
    assert AuditLog.objects.filter(action="agent.2fa_failed", object_id=str(profile.pk)).count() == 4
    with clock.frozen(later):
        not_digits = client.post("/desk/login/code/", {"code": "<script>x</script>" * 50})
    assert not_digits.status_code == 400 and "six digits" in not_digits.content.decode()
    # Five failures: even the right code is refused now, and the password again does not help.
    with clock.frozen(later):
        refused = client.post("/desk/login/code/", {"code": code(secret, later)})
    assert refused.status_code == 302 and refused["Location"] == "/desk/login/"
    assert "Too many failed" in client.get("/desk/login/").content.decode()
    again = password_step(client, later)
    assert again.status_code == 200 and "Too many failed" in again.content.decode()
    assert client.get("/desk/").status_code == 302


def test_the_code_step_times_out_and_follows_a_password_change(agent: User) -> None:
    secret = turned_on(agent)
    later = T0 + dt.timedelta(minutes=3)
    client = Client()
    password_step(client, later)
    much_later = later + dt.timedelta(minutes=6)
    with clock.frozen(much_later):
        expired = client.post("/desk/login/code/", {"code": code(secret, much_later)})
    assert expired.status_code == 302 and expired["Location"] == "/desk/login/"
    assert "timed out" in client.get("/desk/login/").content.decode()
    password_step(client, later)
    agent.set_password("another long passphrase")
    agent.save()
    with clock.frozen(later):
        changed = client.post("/desk/login/code/", {"code": code(secret, later)})
    assert changed.status_code == 302 and changed["Location"] == "/desk/login/"
    assert client.get("/desk/").status_code == 302
    assert Client().get("/desk/login/code/")["Location"] == "/desk/login/"  # nobody pending


def test_agents_without_it_sign_in_with_the_password_alone_when_the_desk_allows(agent: User) -> None:
    client = Client()
    response = client.post("/desk/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200
    assert AuditLog.objects.get(action="agent.signed_in", actor=agent).data == {"second_step": False}


# ---------------------------------------------------------------- the desk's rule


def test_when_required_an_agent_without_it_reaches_only_the_set_up_page(
    settings: Any, agent_client: Client, agent: User, ticket: Any
) -> None:
    settings.STAFF_2FA_REQUIRED = True
    for url in ["/desk/", f"/desk/t/{ticket.reference}/", "/desk/chats/", "/desk/players/", "/desk/files/1/"]:
        response = agent_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/desk/account/security/?next="), url
    assert unquote(agent_client.get("/desk/mailbox/")["Location"]).endswith("next=/desk/mailbox/")
    htmx = agent_client.get("/desk/", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx["HX-Redirect"] == "/desk/account/security/"
    posted = agent_client.post(f"/desk/t/{ticket.reference}/reply/", {"body": "hello"})
    assert posted.status_code == 302 and posted["Location"] == "/desk/account/security/"
    page = agent_client.get("/desk/account/security/?next=/desk/mailbox/")
    assert page.status_code == 200 and "requires two-step sign-in" in page.content.decode()
    secret = agent_client.session["console:2fa-key"]
    with clock.frozen(T0):
        done = agent_client.post(
            SECURITY, {"action": "enable", "code": code(secret, T0), "next": "/desk/mailbox/"}
        )
    assert done["Location"] == f"{SECURITY}?next=%2Fdesk%2Fmailbox%2F"
    assert 'href="/desk/mailbox/">I saved them' in agent_client.get(done["Location"]).content.decode()
    assert agent_client.get("/desk/").status_code == 200
    # Once on, it cannot be turned off while the desk requires it.
    moment = T0 + dt.timedelta(minutes=1)
    with clock.frozen(moment):
        off = agent_client.post(SECURITY, {"action": "disable", "code": code(secret, moment)})
    assert off.status_code == 400 and "cannot be turned off" in off.content.decode()
    assert AgentProfile.objects.get(user=agent).two_factor_on


def test_when_required_signing_in_without_it_lands_on_the_set_up_page(settings: Any, agent: User) -> None:
    settings.STAFF_2FA_REQUIRED = True
    client = Client()
    client.post("/desk/login/", {"username": "alice", "password": PASSWORD})
    response = client.get("/desk/")
    assert response.status_code == 302 and response["Location"].startswith("/desk/account/security/")
    assert client.post("/desk/logout/").status_code == 302  # signing out stays open


# ---------------------------------------------------------------- turning it off


def test_an_agent_turns_it_off_with_a_current_code(agent: User) -> None:
    secret = turned_on(agent)
    client = signed_in_with_code(agent)
    moment = T0 + dt.timedelta(minutes=1)
    with clock.frozen(moment):
        wrong = client.post("/desk/account/security/", {"action": "disable", "code": "111111"})
    assert wrong.status_code == 400 and AgentProfile.objects.get(user=agent).two_factor_on
    with clock.frozen(moment):
        off = client.post("/desk/account/security/", {"action": "disable", "code": code(secret, moment)})
    assert off.status_code == 302
    profile = AgentProfile.objects.get(user=agent)
    assert not profile.two_factor_on and profile.totp_secret == ""
    assert AuditLog.objects.filter(action="agent.2fa_disabled", actor=agent).count() == 1
    stale = client.post("/desk/account/security/", {"action": "disable", "code": "111111"})
    assert stale.status_code == 400 and "changed since you opened it" in stale.content.decode()
    # Signing in is back to the password alone.
    fresh = Client()
    assert fresh.post("/desk/login/", {"username": "alice", "password": PASSWORD})["Location"] == "/desk/"


def test_an_administrator_resets_it_for_a_lost_phone(agent: User, capsys: Any) -> None:
    turned_on(agent)
    with pytest.raises(CommandError, match="reason"):
        call_command("reset_2fa", "alice", reason="  ")
    with pytest.raises(CommandError, match="No agent"):
        call_command("reset_2fa", "nobody", reason="PD-12345678")
    call_command("reset_2fa", "alice", reason="Lost phone, PD-12345678")
    assert "reset for alice" in capsys.readouterr().out
    profile = AgentProfile.objects.get(user=agent)
    assert not profile.two_factor_on
    row = AuditLog.objects.get(action="agent.2fa_disabled", object_id=str(profile.pk))
    assert row.actor is None and row.actor_label == "administrator (command line)"
    assert row.data == {"reason": "Lost phone, PD-12345678"}
    call_command("reset_2fa", "alice", reason="again")
    assert "nothing to reset" in capsys.readouterr().out


def test_the_desks_rule_costs_no_query_on_a_console_page(settings: Any, agent: User, ticket: Any) -> None:
    turned_on(agent)
    agent_client = signed_in_with_code(agent)
    with CaptureQueriesContext(connection) as optional:
        assert agent_client.get(f"/desk/t/{ticket.reference}/").status_code == 200
    settings.STAFF_2FA_REQUIRED = True
    with CaptureQueriesContext(connection) as required:
        assert agent_client.get(f"/desk/t/{ticket.reference}/").status_code == 200
    assert len(required) == len(optional)


# ---------------------------------------------------------------- recovery codes


def test_a_recovery_code_signs_in_once_without_the_phone(agent: User) -> None:
    secret, codes = set_up(agent)
    later = T0 + dt.timedelta(minutes=4)
    client = Client()
    password_step(client, later)
    with clock.frozen(later):
        done = client.post("/desk/login/code/", {"code": codes[3].lower().replace("-", " ")})
    assert done.status_code == 302 and done["Location"] == "/desk/"
    profile = AgentProfile.objects.get(user=agent)
    assert len(profile.totp_recovery) == 9
    used = AuditLog.objects.get(action="agent.2fa_recovery_used", object_id=str(profile.pk))
    assert used.data == {"left": 9}
    assert "9 recovery codes left." in client.get(SECURITY).content.decode()
    # The same code never works again; a made-up one neither.
    for attempt in [codes[3], "AAAAA-BBBBB"]:
        other = Client()
        password_step(other, later)
        with clock.frozen(later):
            refused = other.post("/desk/login/code/", {"code": attempt})
        assert refused.status_code == 400 and "already used" in refused.content.decode()
    # A recovery code cannot turn the second step off or make new codes: that takes the phone.
    with clock.frozen(later):
        off = client.post(SECURITY, {"action": "disable", "code": codes[4]})
    assert off.status_code == 400 and AgentProfile.objects.get(user=agent).two_factor_on


def test_new_recovery_codes_replace_the_old_ones(agent: User) -> None:
    secret, old_codes = set_up(agent)
    client = signed_in_with_code(agent)
    moment = T0 + dt.timedelta(minutes=2)
    with clock.frozen(moment):
        made = client.post(SECURITY, {"action": "recovery", "code": code(secret, moment)})
    assert made.status_code == 302
    new_codes = RECOVERY_CODE.findall(client.get(made["Location"]).content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert AuditLog.objects.filter(action="agent.2fa_recovery_renewed").count() == 1
    later = moment + dt.timedelta(minutes=1)
    stale = Client()
    password_step(stale, later)
    with clock.frozen(later):
        assert stale.post("/desk/login/code/", {"code": old_codes[0]}).status_code == 400
        assert stale.post("/desk/login/code/", {"code": new_codes[0]})["Location"] == "/desk/"


def test_a_session_from_before_the_second_step_was_turned_on_is_signed_out(agent: User, ticket: Any) -> None:
    older = Client()
    older.force_login(agent)  # signed in with the password alone
    assert older.get("/desk/").status_code == 200
    turned_on(agent)  # from another session
    response = older.get(f"/desk/t/{ticket.reference}/")
    assert response.status_code == 302
    assert response["Location"] == f"/desk/login/?next=%2Fdesk%2Ft%2F{ticket.reference}%2F"
    assert "Sign in again with your code" in older.get("/desk/login/").content.decode()
    assert older.get("/desk/").status_code == 302  # signed out, not only turned away
    htmx = Client()
    htmx.force_login(agent)
    answer = htmx.get("/desk/", headers={"HX-Request": "true"})
    assert answer.status_code == 401 and answer["HX-Redirect"] == "/desk/login/"
    # After a reset and a new set-up, sessions that passed the old one are signed out too.
    verified = signed_in_with_code(agent)
    assert verified.get("/desk/").status_code == 200
    call_command("reset_2fa", "alice", reason="New phone")
    turned_on(agent, T0 + dt.timedelta(minutes=10))
    assert verified.get("/desk/")["Location"].startswith("/desk/login/")
