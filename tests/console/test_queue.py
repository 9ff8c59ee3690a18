from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from playerdesk.core.models import Role, Team
from playerdesk.intake.actions import do_intake
from playerdesk.intake.contact import Contact, Overrides
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
REF = re.compile(r'class="row-link">(PD-[^<]+)</a>')


def refs_in(response: Any) -> list[str]:
    return REF.findall(response.content.decode())


def test_queue_sorted_by_priority_then_received_then_id(
    agent_client: Client, make_ticket: Callable[..., Ticket], team: Team
) -> None:
    late_p1 = make_ticket("late p1", priority=1, team=team, received_at=T0 + dt.timedelta(hours=5))
    early_p3 = make_ticket("early p3", priority=3, team=team, received_at=T0)
    early_p1 = make_ticket("early p1", priority=1, team=team, received_at=T0 + dt.timedelta(hours=1))
    same_time_p3 = make_ticket("same p3", priority=3, team=team, received_at=T0)
    p4 = make_ticket("p4", priority=4, team=team, received_at=T0 - dt.timedelta(days=3))
    response = agent_client.get("/desk/?tab=teams")
    assert response.status_code == 200
    assert refs_in(response) == [
        early_p1.reference,
        late_p1.reference,
        early_p3.reference,
        same_time_p3.reference,
        p4.reference,
    ]


def test_tabs(
    agent: User,
    agent_client: Client,
    make_agent: Callable[..., User],
    make_ticket: Callable[..., Ticket],
    team: Team,
    other_team: Team,
) -> None:
    bob = make_agent("bob", teams=[team])
    mine = make_ticket("mine", team=team)
    actions.do_assign(mine, agent, actor=agent)
    bobs = make_ticket("bobs", team=team)
    actions.do_assign(bobs, bob, actor=bob)
    unrouted = make_ticket("no team yet")
    elsewhere = make_ticket("other team", team=other_team)
    solved = make_ticket("solved", team=team)
    actions.do_change_status(solved, "solved", actor=agent)

    assert refs_in(agent_client.get("/desk/?tab=mine")) == [mine.reference]
    assert set(refs_in(agent_client.get("/desk/?tab=teams"))) == {mine.reference, bobs.reference}
    assert set(refs_in(agent_client.get("/desk/?tab=unassigned"))) == {unrouted.reference}
    everything = set(refs_in(agent_client.get("/desk/?tab=all")))
    assert everything == {mine.reference, bobs.reference, unrouted.reference}
    assert elsewhere.reference not in everything
    # Default tab for an agent with teams: "My teams".
    default = agent_client.get("/desk/")
    assert set(refs_in(default)) == {mine.reference, bobs.reference}
    # Solved cases show with the "any" status filter.
    assert solved.reference in refs_in(agent_client.get("/desk/?tab=teams&status=any"))
    assert refs_in(agent_client.get("/desk/?tab=teams&status=solved")) == [solved.reference]

    sup = make_agent("sue", role=Role.SUPERVISOR)
    client = Client()
    client.force_login(sup)
    assert elsewhere.reference in refs_in(client.get("/desk/?tab=all"))


def test_nav_counts(agent_client: Client, make_ticket: Callable[..., Ticket], team: Team) -> None:
    for i in range(3):
        make_ticket(f"case {i}", team=team)
    make_ticket("unrouted")
    content = agent_client.get("/desk/").content.decode()
    counts = dict(re.findall(r'\?tab=(\w+)" class="tab[^"]*"[^>]*>[^<]*<span class="count">(\d+)', content))
    assert counts == {"mine": "0", "teams": "3", "unassigned": "4", "all": "4"}


def test_filters(agent_client: Client, make_ticket: Callable[..., Ticket], team: Team, player: Any) -> None:
    a = make_ticket("a", team=team, priority=1, category="payments", channel="email", language="fr")
    b = make_ticket("b", team=team, priority=2, category="bonus", channel="chat", language="en")
    c = make_ticket("c", priority=2, category="bonus", channel="chat", language="en")
    assert refs_in(agent_client.get("/desk/?tab=all&priority=1")) == [a.reference]
    assert refs_in(agent_client.get("/desk/?tab=all&category=bonus")) == [b.reference, c.reference]
    assert refs_in(agent_client.get("/desk/?tab=all&channel=email")) == [a.reference]
    assert refs_in(agent_client.get("/desk/?tab=all&language=fr")) == [a.reference]
    assert refs_in(agent_client.get(f"/desk/?tab=all&team={team.pk}")) == [a.reference, b.reference]
    assert refs_in(agent_client.get("/desk/?tab=all&team=none")) == [c.reference]
    assert refs_in(agent_client.get("/desk/?tab=all&status=new&priority=2")) == [b.reference, c.reference]


@pytest.mark.parametrize(
    "query",
    ["tab=nope", "priority=9", "priority=abc", "status=lost", "team=x", "category=<script>", "language=de"],
)
def test_bad_filters_are_400(agent_client: Client, query: str) -> None:
    response = agent_client.get(f"/desk/?{query}")
    assert response.status_code == 400


def test_keyset_pagination_walks_every_case_once(
    agent_client: Client, make_ticket: Callable[..., Ticket], team: Team, settings: Any
) -> None:
    settings.QUEUE_PAGE_SIZE = 3
    created = [
        make_ticket(f"case {i}", team=team, priority=1 + i % 3, received_at=T0 + dt.timedelta(minutes=i % 4))
        for i in range(10)
    ]
    expected = [t.reference for t in sorted(created, key=lambda t: (t.priority, t.received_at, t.pk))]
    seen: list[str] = []
    url = "/desk/?tab=teams"
    pages = 0
    while url:
        response = agent_client.get(url)
        assert response.status_code == 200
        seen += refs_in(response)
        found = re.search(r'href="(\?[^"]*cursor=[^"]+)" rel="next"', response.content.decode())
        url = "/desk/" + found.group(1).replace("&amp;", "&") if found else ""
        pages += 1
    assert seen == expected
    assert pages == 4


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        base64.urlsafe_b64encode(b'[9, "2026-01-01T00:00:00+00:00", 1]').decode(),
        base64.urlsafe_b64encode(b'[1, "yesterday", 1]').decode(),
        base64.urlsafe_b64encode(b'[1, "2026-01-01T00:00:00", 1]').decode(),
        base64.urlsafe_b64encode(b'[1, "2026-01-01T00:00:00+00:00", "1 OR 1=1"]').decode(),
        "A" * 500,
    ],
)
def test_garbage_cursor_is_400(agent_client: Client, cursor: str) -> None:
    response = agent_client.get("/desk/", {"cursor": cursor})
    assert response.status_code == 400
    assert b"page link is not valid" in response.content


def _make_many(n: int, team: Team, other_team: Team, agent: User) -> None:
    for i in range(n):
        ticket = do_intake(
            Contact(
                channel="email" if i % 2 else "chat",
                requester=actions.Requester(f"p{i}@example.com", f"Player {i}"),
                subject=f"Case number {i}",
                body="Body",
                overrides=Overrides(team=team if i % 3 else other_team, priority=1 + i % 4),
            )
        ).ticket
        if i % 5 == 0:
            actions.do_assign(ticket, agent, actor=agent)


@pytest.mark.parametrize("tab", ["mine", "teams", "unassigned", "all"])
def test_queue_query_count_is_constant(
    tab: str,
    agent: User,
    agent_client: Client,
    team: Team,
    other_team: Team,
    player: Any,
    django_assert_max_num_queries: Any,
) -> None:
    _make_many(10, team, other_team, agent)
    with CaptureQueriesContext(connection) as small, django_assert_max_num_queries(15):
        assert agent_client.get(f"/desk/?tab={tab}").status_code == 200
    _make_many(190, team, other_team, agent)
    with CaptureQueriesContext(connection) as large, django_assert_max_num_queries(15):
        response = agent_client.get(f"/desk/?tab={tab}")
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(refs_in(response)) > 10


def test_supervisor_queue_query_count(
    supervisor: User, agent: User, team: Team, other_team: Team, django_assert_max_num_queries: Any
) -> None:
    _make_many(200, team, other_team, agent)
    client = Client()
    client.force_login(supervisor)
    with django_assert_max_num_queries(15):
        response = client.get("/desk/?tab=all&q=number")
    assert response.status_code == 200
    assert len(refs_in(response)) == 50


def test_htmx_refresh_returns_only_the_results(agent_client: Client, ticket: Ticket) -> None:
    response = agent_client.get(
        "/desk/?tab=teams", headers={"HX-Request": "true", "HX-Target": "queue-results"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert ticket.reference in content
    assert "<html" not in content


def test_queue_page_polls_and_has_keyboard_help(agent_client: Client, ticket: Ticket) -> None:
    content = agent_client.get("/desk/").content.decode()
    assert 'hx-trigger="every 30s, desk:refresh"' in content
    assert "django_htmx/htmx-2.min.js" in content
    assert "console/console.js" in content
    assert 'id="kbd-help"' in content
    assert "<script>" not in content and "style=" not in content and " onclick=" not in content


def test_script_in_subject_and_name_is_inert(
    agent_client: Client, make_ticket: Callable[..., Ticket], team: Team
) -> None:
    make_ticket(
        '<script>alert("x")</script><img src=x onerror=alert(1)>',
        name='<b onmouseover="alert(2)">Eve</b>',
        team=team,
    )
    content = agent_client.get("/desk/?tab=teams").content.decode()
    assert "<script>alert" not in content
    assert "<img src=x" not in content
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content
    assert "&lt;b onmouseover=" in content


# ---------------------------------------------------------------- search


def test_search_folds_accents_and_case(
    agent_client: Client, make_ticket: Callable[..., Ticket], team: Team
) -> None:
    depot = make_ticket("Dépôt non crédité", body="Mon dépôt de 50 $ n'apparaît pas.", team=team)
    retrait = make_ticket("Urgent", body="RETRAIT BLOQUÉ DEPUIS LUNDI", team=team)
    make_ticket("Login problem", body="Cannot sign in", team=team)
    assert refs_in(agent_client.get("/desk/", {"q": "depot"})) == [depot.reference]
    assert refs_in(agent_client.get("/desk/", {"q": "retrait"})) == [retrait.reference]
    assert refs_in(agent_client.get("/desk/", {"q": "bloque lundi"})) == [retrait.reference]


def test_search_by_reference_email_and_player_id(
    agent_client: Client, make_ticket: Callable[..., Ticket], team: Team, player: Any
) -> None:
    target = make_ticket("Where is my money", email="Jo@Example.com", team=team, player=player)
    make_ticket("Other", email="someone@example.com", team=team)
    body = target.reference[3:]
    typed = "pd " + body.lower().replace("0", "o").replace("1", "l")
    for q in (typed, target.reference.replace("-", "")):
        assert agent_client.get("/desk/", {"q": q})["Location"] == f"/desk/t/{target.reference}/"
        # The live refresh of the list (htmx) lists the case instead of navigating.
        assert refs_in(agent_client.get("/desk/", {"q": q}, HTTP_HX_REQUEST="true")) == [target.reference]
    assert refs_in(agent_client.get("/desk/", {"q": "jo@example.com"})) == [target.reference]
    assert refs_in(agent_client.get("/desk/", {"q": "P-1001"})) == [target.reference]


def test_search_finds_solved_cases_and_respects_visibility(
    agent: User, agent_client: Client, make_ticket: Callable[..., Ticket], team: Team, other_team: Team
) -> None:
    solved = make_ticket("Casino bonus question", team=team)
    actions.do_change_status(solved, "solved", actor=agent)
    hidden = make_ticket("Casino bonus elsewhere", team=other_team)
    found = refs_in(agent_client.get("/desk/", {"q": "casino bonus", "tab": "all"}))
    assert found == [solved.reference]
    assert hidden.reference not in found


def test_search_with_query_syntax_is_harmless(agent_client: Client, ticket: Ticket) -> None:
    for q in ['"', "NEAR(a b)", "a OR b AND", "*", "' ; DROP TABLE x; --", "é" * 300]:
        assert agent_client.get("/desk/", {"q": q}).status_code in (200, 400)


def test_searching_a_reference_opens_the_case_from_any_tab(
    agent_client: Any, make_ticket: Any, team: Any
) -> None:
    ticket = make_ticket(team=team)
    typed = ticket.reference.lower().replace("-", " ")
    response = agent_client.get("/desk/", {"q": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/desk/t/{ticket.reference}/"
    listed = agent_client.get("/desk/", {"q": "withdrawal"})
    assert ticket.reference in listed.content.decode()
