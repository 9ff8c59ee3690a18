from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from playerdesk.core.models import Role, Team
from playerdesk.mail.models import OutboundEmail
from playerdesk.tickets import actions
from playerdesk.tickets.models import Macro, Message, MessageKind, Ticket

pytestmark = pytest.mark.django_db


def url(ticket: Ticket, suffix: str = "") -> str:
    return f"/desk/t/{ticket.reference}/{suffix}"


def reply(client: Client, ticket: Ticket, body: str, **extra: Any) -> Any:
    data = {"body": body, "mode": "reply", "seen_seq": ticket.last_event_seq, **extra}
    return client.post(url(ticket, "reply/"), data)


def test_ticket_page_shows_header_and_timeline(
    agent: User, agent_client: Client, make_ticket: Callable[..., Ticket], team: Team, player: Any
) -> None:
    ticket = make_ticket("Withdrawal pending", body="Line one\nLine two", team=team, player=player)
    actions.do_change_priority(ticket, 1, actor=agent)
    actions.do_set_tags(ticket, ["vip", "withdrawal"], actor=agent)
    actions.do_reply(ticket, author=agent, body="Checking with payments.", internal=True)
    response = agent_client.get(url(ticket))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Withdrawal pending" in content
    assert "P-1001" in content  # player external id
    assert "Marie Tremblay" in content
    assert "Line one<br>Line two" in content
    assert "Alice changed priority P3 → P1" in content
    assert "Alice added tags vip, withdrawal" in content
    assert 'class="tl-message tl-note"' in content
    assert "Internal note" in content
    assert f'name="seen_seq" value="{Ticket.objects.get(pk=ticket.pk).last_event_seq}"' in content
    assert "Payments" in content


def test_unknown_forged_and_foreign_references_are_404(
    agent_client: Client, make_ticket: Callable[..., Ticket], other_team: Team, ticket: Ticket
) -> None:
    foreign = make_ticket("Their case", team=other_team)
    for ref in ["PD-00000000", "nope", "PD-0000000Z", "%3Cscript%3E", "1", foreign.reference]:
        assert agent_client.get(f"/desk/t/{ref}/").status_code == 404, ref
    assert (
        agent_client.post(url(foreign, "reply/"), {"body": "x", "mode": "reply", "seen_seq": 0}).status_code
        == 404
    )
    assert agent_client.post(url(foreign, "set/priority/"), {"value": "1"}).status_code == 404
    assert foreign.messages.count() == 1


def test_tolerant_reference_redirects_to_canonical(agent_client: Client, ticket: Ticket) -> None:
    typed = ticket.reference.lower().replace("-", "")
    response = agent_client.get(f"/desk/t/{typed}/")
    assert response.status_code == 302
    assert response["Location"] == url(ticket)


def test_reply_to_player_sends_email_and_redirects(
    agent: User, agent_client: Client, ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = reply(agent_client, ticket, "Your withdrawal was released today.", status="solved")
    assert response.status_code == 302
    message = ticket.messages.get(kind=MessageKind.OUTBOUND)
    assert message.body_text == "Your withdrawal was released today."
    assert message.author == agent
    ticket.refresh_from_db()
    assert ticket.status == "solved"
    assert OutboundEmail.objects.filter(ticket=ticket, kind="reply").exists()
    page = agent_client.get(url(ticket)).content.decode()
    assert "Reply sent to the player." in page


def test_internal_note_is_not_emailed(agent_client: Client, ticket: Ticket) -> None:
    response = reply(agent_client, ticket, "Player is VIP", mode="note")
    assert response.status_code == 302
    assert ticket.messages.filter(kind=MessageKind.NOTE, body_text="Player is VIP").exists()
    assert not OutboundEmail.objects.filter(ticket=ticket).exists()


def test_stale_reply_is_held_with_warning_then_forced(agent_client: Client, ticket: Ticket) -> None:
    seen = ticket.last_event_seq
    actions.do_add_player_message(ticket, body="Any news?? I am waiting.", channel="web")
    response = agent_client.post(
        url(ticket, "reply/"), {"body": "Draft answer", "mode": "reply", "seen_seq": seen}
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "The player wrote while you were typing — review and send again" in content
    assert "Draft answer</textarea>" in content
    assert "Send anyway" in content
    assert re.search(r'class="tl-message tl-inbound is-new"', content)
    assert not ticket.messages.filter(kind=MessageKind.OUTBOUND).exists()
    # Sending anyway (force) with the old position goes through.
    response = agent_client.post(
        url(ticket, "reply/"), {"body": "Draft answer", "mode": "reply", "seen_seq": seen, "force": "on"}
    )
    assert response.status_code == 302
    assert ticket.messages.filter(kind=MessageKind.OUTBOUND, body_text="Draft answer").exists()


def test_reply_after_review_uses_the_new_position(agent_client: Client, ticket: Ticket) -> None:
    seen = ticket.last_event_seq
    actions.do_add_player_message(ticket, body="Hello?", channel="web")
    held = agent_client.post(url(ticket, "reply/"), {"body": "Draft", "mode": "reply", "seen_seq": seen})
    new_seq = re.search(r'name="seen_seq" value="(\d+)"', held.content.decode())
    assert new_seq and int(new_seq.group(1)) > seen
    ok = agent_client.post(
        url(ticket, "reply/"), {"body": "Draft", "mode": "reply", "seen_seq": new_seq.group(1)}
    )
    assert ok.status_code == 302


def test_one_megabyte_reply_is_a_clear_400(agent_client: Client, ticket: Ticket) -> None:
    response = reply(agent_client, ticket, "x" * 1_000_000)
    assert response.status_code == 400
    assert b"The message is too long" in response.content
    assert ticket.messages.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"body": "", "mode": "reply", "seen_seq": "1"},
        {"body": "hi", "mode": "shout", "seen_seq": "1"},
        {"body": "hi", "mode": "reply", "seen_seq": "-4"},
        {"body": "hi", "mode": "reply"},
        {"body": "hi", "mode": "reply", "seen_seq": "1", "status": "exploded"},
        {"body": "   \u202e  ", "mode": "reply", "seen_seq": "99"},
    ],
)
def test_bad_reply_forms_are_400(agent_client: Client, ticket: Ticket, data: dict[str, str]) -> None:
    assert agent_client.post(url(ticket, "reply/"), data).status_code == 400
    assert ticket.messages.count() == 1


def test_reply_status_not_allowed_is_400_with_message(
    agent: User, agent_client: Client, ticket: Ticket
) -> None:
    response = reply(agent_client, ticket, "Done", status="closed")
    assert response.status_code == 400
    assert b"cannot become closed" in response.content


def test_html_in_bodies_is_inert_and_sanitized_html_is_shown(
    agent_client: Client, make_ticket: Callable[..., Ticket], team: Team
) -> None:
    ticket = make_ticket(
        "<script>alert(1)</script>",
        body="<script>alert('body')</script> <img src=x onerror=alert(2)>",
        team=team,
        body_html=(
            '<p>Hello <b>there</b></p><script>alert("html")</script><a href="javascript:alert(3)">x</a>'
        ),
    )
    actions.do_add_player_message(ticket, body='<iframe src="//evil"></iframe>', channel="web")
    content = agent_client.get(url(ticket)).content.decode()
    assert "<script>alert" not in content
    assert "<iframe" not in content
    assert "javascript:" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "&lt;iframe src=&quot;//evil&quot;&gt;&lt;/iframe&gt;" in content
    assert "<p>Hello <b>there</b></p>" in content


@pytest.mark.parametrize(
    ("field", "value", "check"),
    [
        ("status", "open", lambda t: t.status == "open"),
        ("priority", "1", lambda t: t.priority == 1),
        ("category", "bonus", lambda t: t.category == "bonus"),
        ("language", "fr", lambda t: t.language == "fr"),
        ("assignee", "me", lambda t: t.assignee.username == "alice"),
        (
            "tags",
            "VIP, kyc pending",
            lambda t: sorted(t.tags.values_list("name", flat=True)) == ["kyc-pending", "vip"],
        ),
    ],
)
def test_side_panel_changes(
    agent_client: Client, ticket: Ticket, field: str, value: str, check: Callable[[Ticket], bool]
) -> None:
    response = agent_client.post(url(ticket, f"set/{field}/"), {"value": value})
    assert response.status_code == 302
    assert response["Location"] == url(ticket)
    ticket.refresh_from_db()
    assert check(ticket)
    assert ticket.events.filter(kind=field).exists()


def test_change_team_and_assignee_by_id(
    supervisor_client: Client, ticket: Ticket, other_team: Team, make_agent: Callable[..., User]
) -> None:
    bob = make_agent("bob", teams=[other_team])
    assert supervisor_client.post(url(ticket, "set/team/"), {"value": str(other_team.pk)}).status_code == 302
    assert (
        supervisor_client.post(url(ticket, "set/assignee/"), {"value": str(bob.agent.pk)}).status_code == 302
    )
    ticket.refresh_from_db()
    assert ticket.team == other_team and ticket.assignee == bob
    content = supervisor_client.get(url(ticket)).content.decode()
    assert "moved the case from team Payments to Verification" in content
    assert "assigned the case to Bob" in content
    assert supervisor_client.post(url(ticket, "set/assignee/"), {"value": ""}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_moving_a_case_out_of_sight_returns_to_the_queue(
    agent_client: Client, ticket: Ticket, other_team: Team
) -> None:
    response = agent_client.post(url(ticket, "set/team/"), {"value": str(other_team.pk)})
    assert response.status_code == 302
    assert response["Location"] == "/desk/"
    assert agent_client.get(url(ticket)).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "closed"),
        ("status", "weird"),
        ("priority", "7"),
        ("priority", "high"),
        ("category", "casino"),
        ("language", "de"),
        ("team", "999999"),
        ("team", "abc"),
        ("assignee", "999999"),
        ("tags", ",".join(f"t{i}" for i in range(30))),
        ("subject", "x"),
    ],
)
def test_bad_changes_are_400(agent_client: Client, ticket: Ticket, field: str, value: str) -> None:
    before = ticket.last_event_seq
    response = agent_client.post(url(ticket, f"set/{field}/"), {"value": value})
    assert response.status_code == 400
    htmx = agent_client.post(url(ticket, f"set/{field}/"), {"value": value}, headers={"HX-Request": "true"})
    assert htmx.status_code == 400
    assert b'class="alert alert-error"' in htmx.content
    assert b"<html" not in htmx.content
    ticket.refresh_from_db()
    assert ticket.last_event_seq == before


def test_htmx_change_redirects_client(agent_client: Client, ticket: Ticket) -> None:
    response = agent_client.post(url(ticket, "set/priority/"), {"value": "2"}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == url(ticket)


def test_change_views_are_post_only(agent_client: Client, ticket: Ticket) -> None:
    assert agent_client.get(url(ticket, "set/priority/")).status_code == 405
    assert agent_client.get(url(ticket, "reply/")).status_code == 405


# ---------------------------------------------------------------- macros


@pytest.fixture
def macros(team: Team, other_team: Team) -> dict[str, Macro]:
    return {
        "global": Macro.objects.create(
            name="Greeting",
            body_en="Hi {{ first_name }}, about {{ reference }}: {{ agent_name }} here.",
            body_fr="Bonjour {{ first_name }}, au sujet de {{ reference }} : ici {{ agent_name }}.",
        ),
        "team": Macro.objects.create(
            name="Withdrawal released",
            body_en="Your withdrawal was released.",
            body_fr="Votre retrait a été libéré.",
            team=team,
            set_status="solved",
            add_tags=["withdrawal"],
        ),
        "other": Macro.objects.create(name="KYC docs", body_en="Send ID", body_fr="Envoyez", team=other_team),
        "inactive": Macro.objects.create(name="Old", body_en="old", body_fr="vieux", is_active=False),
    }


def test_macro_picker_lists_team_and_global_macros(
    agent_client: Client, ticket: Ticket, macros: dict[str, Macro]
) -> None:
    content = agent_client.get(url(ticket)).content.decode()
    assert "Greeting" in content and "Withdrawal released" in content
    assert "KYC docs" not in content and ">Old<" not in content


def test_macro_insert_renders_in_ticket_language(
    agent_client: Client,
    make_ticket: Callable[..., Ticket],
    team: Team,
    player: Any,
    macros: dict[str, Macro],
) -> None:
    ticket = make_ticket("Retrait", team=team, player=player)  # French player
    response = agent_client.get(url(ticket, f"macros/{macros['global'].pk}/"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == f"Bonjour Marie, au sujet de {ticket.reference} : ici Alice."
    assert agent_client.get(url(ticket, f"macros/{macros['other'].pk}/")).status_code == 404
    assert agent_client.get(url(ticket, f"macros/{macros['inactive'].pk}/")).status_code == 404


def test_macro_apply_sends_and_applies(
    agent_client: Client, ticket: Ticket, macros: dict[str, Macro]
) -> None:
    response = agent_client.post(
        url(ticket, f"macros/{macros['team'].pk}/apply/"), {"seen_seq": ticket.last_event_seq}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "solved"
    assert list(ticket.tags.values_list("name", flat=True)) == ["withdrawal"]
    assert ticket.messages.filter(
        kind=MessageKind.OUTBOUND, body_text="Your withdrawal was released."
    ).exists()


def test_stale_macro_apply_is_held_with_draft(
    agent_client: Client, ticket: Ticket, macros: dict[str, Macro]
) -> None:
    seen = ticket.last_event_seq
    actions.do_add_player_message(ticket, body="Also my bonus is gone", channel="web")
    response = agent_client.post(url(ticket, f"macros/{macros['team'].pk}/apply/"), {"seen_seq": seen})
    assert response.status_code == 409
    content = response.content.decode()
    assert "review and send again" in content
    assert "Your withdrawal was released.</textarea>" in content
    assert not ticket.messages.filter(kind=MessageKind.OUTBOUND).exists()


# ---------------------------------------------------------------- queries and access


def test_ticket_page_query_count_is_bounded(
    agent: User,
    agent_client: Client,
    make_ticket: Callable[..., Ticket],
    team: Team,
    player: Any,
    macros: dict[str, Macro],
    django_assert_max_num_queries: Any,
) -> None:
    ticket = make_ticket("Bounded", team=team, player=player)
    for i in range(4):
        actions.do_add_player_message(ticket, body=f"Message {i}", channel="web")
        actions.do_reply(ticket, author=agent, body=f"Answer {i}", internal=i % 2 == 0)
        actions.do_change_priority(ticket, 1 + i % 4, actor=agent)
    actions.do_set_tags(ticket, ["a", "b"], actor=agent)
    with django_assert_max_num_queries(30):  # the case page plus the panels other apps add (constant each)
        response = agent_client.get(url(ticket))
    assert response.status_code == 200
    assert Message.objects.filter(ticket=ticket).count() == 9


def test_supervisor_sees_every_team(
    supervisor_client: Client, make_ticket: Callable[..., Ticket], other_team: Team
) -> None:
    ticket = make_ticket("Other team", team=other_team)
    assert supervisor_client.get(url(ticket)).status_code == 200


def test_agent_assigned_outside_team_still_sees_case(
    make_agent: Callable[..., User],
    make_ticket: Callable[..., Ticket],
    other_team: Team,
    login: Callable[..., Client],
) -> None:
    outsider = make_agent("olga", role=Role.AGENT)
    ticket = make_ticket("Escalated", team=other_team)
    client = login(outsider)
    assert client.get(url(ticket)).status_code == 404
    actions.do_assign(ticket, outsider, actor=None)
    assert client.get(url(ticket)).status_code == 200


def test_service_clock_events_read_as_plain_lines(
    agent: User, agent_client: Client, make_ticket: Callable[..., Ticket], team: Team
) -> None:
    ticket = make_ticket(channel="email", team=team)
    actions.do_reply(ticket, author=agent, body="We are on it.")
    assert ticket.events.filter(kind="sla").exists()
    page = agent_client.get(url(ticket)).content.decode()
    assert "Service clocks: Acknowledgement met, First response met, Resolution paused" in page
    assert "PlayerDesk: sla" not in page
    french = agent_client.get(url(ticket), HTTP_ACCEPT_LANGUAGE="fr-CA").content.decode()
    assert (
        "Délais de service : Accusé de réception : objectif atteint, Première réponse : objectif atteint, "
        "Résolution : pause"
    ) in french
