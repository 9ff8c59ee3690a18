"""Screens: public page (EN/FR), queue column and order, case panel, supervisors' settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from playerdesk.core import clock
from playerdesk.sla.models import Calendar, EscalationRule, Policy, TicketSla, UpdateTemplate
from playerdesk.sla.sweep import sweep
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket
from tests.sla.conftest import utc


def test_public_page_in_english_and_french(client: Client, db: Any) -> None:
    page = client.get("/help/service-standards/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Our service standards" in text
    assert "within 3 min, any time, 24/7" in text
    assert "within 1 business day (business hours)" in text
    assert "within 5 business days (business hours)" in text
    assert "09:00-17:00" in text
    client.cookies["playerdesk_language"] = "fr"
    text = client.get("/help/service-standards/").content.decode()
    assert "Nos normes de service" in text
    assert "1 jour ouvrable" in text and "24 h sur 24" in text


def test_portal_home_shows_response_times(client: Client, db: Any) -> None:
    text = client.get("/help/").content.decode()
    assert "Our response times" in text and "/help/service-standards/" in text


def test_acknowledgement_email_states_the_case_promise(make_ticket: Callable[..., Ticket], at: Any) -> None:
    from playerdesk.mail.actions import queue_acknowledgement

    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email", language="fr")
        email = queue_acknowledgement(ticket)
    assert "une première réponse d'un agent dans un délai de 1 jour ouvrable" in email.body_text
    assert "/help/service-standards/" in email.body_text and "/help/service-standards/" in email.body_html


def test_queue_shows_time_left_and_sorts_by_it(
    agent_client: Client, make_ticket: Callable[..., Ticket], team: Any, at: Any
) -> None:
    with at(2026, 3, 2, 10, 0):
        late = make_ticket(subject="Email case", channel="email", team=team, priority=2)
        soon = make_ticket(subject="Chat case", channel="chat", team=team, priority=4)
    with clock.frozen(utc(2026, 3, 2, 10, 1)):
        page = agent_client.get("/desk/?tab=all")
        text = page.content.decode()
        assert "Time left" in text and "2 min" in text
        ordered = agent_client.get("/desk/?tab=all&sort=due").content.decode()
    assert ordered.index(soon.reference) < ordered.index(late.reference)
    assert text.index(late.reference) < text.index(soon.reference)  # default: priority first
    with clock.frozen(utc(2026, 3, 2, 10, 10)):
        assert "overdue 7 min" in agent_client.get("/desk/?tab=all").content.decode()


def test_due_order_pages_walk_every_case_once(
    agent_client: Client, make_ticket: Callable[..., Ticket], team: Any, settings: Any, at: Any
) -> None:
    settings.QUEUE_PAGE_SIZE = 3
    refs = []
    for n in range(4):
        with at(2026, 3, 2, 10, n):
            refs.append(make_ticket(subject=f"Chat {n}", channel="chat", team=team).reference)
    for n in range(3):
        with at(2026, 3, 2, 11, n):
            refs.append(make_ticket(subject=f"Mail {n}", channel="email", team=team).reference)
    ticket = Ticket.objects.get(reference=refs[0])
    actions.do_change_status(ticket, "solved", actor=None)  # no running clock: not in open queue
    seen: list[str] = []
    url = "/desk/?tab=all&sort=due"
    while url:
        response = agent_client.get(url)
        assert response.status_code == 200
        rows = response.context["rows"]
        seen += [r.reference for r in rows]
        url = response.context["next_url"] and "/desk/" + response.context["next_url"]
    assert seen == refs[1:]
    assert agent_client.get("/desk/?tab=all&sort=due&cursor=WyJkdWUiLDEsMl0").status_code == 400


def test_queue_query_count_stays_constant_with_clocks(
    agent_client: Client, make_ticket: Callable[..., Ticket], team: Any
) -> None:
    make_ticket(team=team, channel="email")
    with CaptureQueriesContext(connection) as small:
        agent_client.get("/desk/?tab=all&sort=due")
    for n in range(8):
        make_ticket(subject=f"More {n}", team=team, channel="chat" if n % 2 else "email")
    with CaptureQueriesContext(connection) as large:
        agent_client.get("/desk/?tab=all&sort=due")
    assert len(large) == len(small)


def test_case_page_shows_clocks_and_history(
    agent_client: Client, make_ticket: Callable[..., Ticket], team: Any, agent: User, at: Any
) -> None:
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(team=team, channel="email")
    with at(2026, 3, 2, 11, 0):
        actions.do_reply(ticket, author=agent, body="Send a document please.", status="waiting_player")
    with clock.frozen(utc(2026, 3, 2, 12, 0)):
        text = agent_client.get(f"/desk/t/{ticket.reference}/").content.decode()
    assert "Service standards" in text and "Policy: Email and web form (version 1)" in text
    assert "First response" in text and "Met Mon 2 Mar, 15:00" in text or "Met" in text
    assert "Paused, 39 h left" in text
    assert "Clock history" in text and "paused" in text


def test_settings_pages_are_for_supervisors(agent_client: Client, supervisor: User) -> None:
    assert agent_client.get("/desk/admin/sla/").status_code == 403
    assert agent_client.get("/desk/reports/sla/").status_code == 403
    client = Client()
    client.force_login(supervisor)
    page = client.get("/desk/admin/sla/")
    assert page.status_code == 200
    assert "Email and web form" in page.content.decode()
    for url in (
        "/desk/admin/sla/policies/written/",
        "/desk/admin/sla/policies/new/",
        f"/desk/admin/sla/calendars/{Calendar.objects.get(slug='business-hours').pk}/",
        "/desk/admin/sla/calendars/new/",
        "/desk/admin/sla/rules/new/",
        f"/desk/admin/sla/rules/{EscalationRule.objects.first().pk}/",  # type: ignore[union-attr]
        "/desk/admin/sla/templates/overdue/fr/",
        "/desk/reports/sla/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/desk/admin/sla/templates/nope/fr/").status_code == 400
    assert client.get("/desk/reports/sla/?start=2026-02-01&end=2025-01-01").status_code == 400


def test_supervisor_edits_policy_calendar_rule_and_template(supervisor: User, team: Any) -> None:
    client = Client()
    client.force_login(supervisor)
    response = client.post(
        "/desk/admin/sla/policies/written/",
        {
            "name": "Email and web form",
            "rank": 30,
            "channels": ["email", "web"],
            "first_response_minutes": 240,
            "resolution_minutes": 2400,
            "warn_percent": 75,
            "published": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    current = Policy.objects.get(key="written", is_current=True)
    assert current.version == 2 and current.first_response_minutes == 240 and current.warn_percent == 75
    bad = client.post("/desk/admin/sla/policies/written/", {"name": "", "rank": 1, "warn_percent": 80})
    assert bad.status_code == 400
    response = client.post(
        "/desk/admin/sla/calendars/new/",
        {
            "name": "Payments team",
            "slug": "payments",
            "time_zone": "America/Toronto",
            "province": "QC",
            "observe_holidays": "on",
            "team": team.pk,
            "day0": "08:00-12:00, 13:00-18:00",
            "day1": "08:00-18:00",
        },
    )
    assert response.status_code == 302
    calendar = Calendar.objects.get(slug="payments")
    assert calendar.team == team and calendar.intervals.count() == 3
    assert (
        client.post(
            "/desk/admin/sla/calendars/new/",
            {"name": "Broken", "slug": "broken", "time_zone": "Mars/Olympus", "day0": "09:00-17:00"},
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/desk/admin/sla/calendars/{calendar.pk}/closures/",
            {"date": "2026-12-24", "name": "Christmas Eve"},
        ).status_code
        == 302
    )
    assert calendar.closures.get().name == "Christmas Eve"
    response = client.post(
        "/desk/admin/sla/rules/new/",
        {
            "name": "P1 breach to payments",
            "rank": 1,
            "trigger": "breach",
            "targets": ["resolution"],
            "priorities": [1],
            "move_to_team": team.pk,
            "notify": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert EscalationRule.objects.get(name="P1 breach to payments").move_to_team == team
    response = client.post(
        "/desk/admin/sla/templates/overdue/en/",
        {"subject": "Still on it: {{ reference }}", "body": "Hi {{ first_name }}"},
    )
    assert response.status_code == 302
    assert UpdateTemplate.objects.get(kind="overdue", language="en").subject == "Still on it: {{ reference }}"


def test_edited_template_is_used_for_updates(
    make_ticket: Callable[..., Ticket], supervisor: User, at: Any
) -> None:
    from playerdesk.mail.models import OutboundEmail
    from playerdesk.sla.actions import do_save_update_template

    do_save_update_template(
        "overdue",
        "en",
        subject="Still on it: {{ reference }}",
        body="Hi {{ first_name }}, soon.",
        actor=supervisor,
    )
    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email", name="Pat Player")
    with clock.frozen(utc(2026, 3, 3, 10, 1)):
        sweep()
    sent = OutboundEmail.objects.get(kind="sla_update")
    assert sent.subject == f"[{ticket.reference}] Still on it: {ticket.reference}"
    assert "Hi Pat, soon." in sent.body_text and "Hi Pat, soon." in sent.body_html


def test_demo_setup_is_idempotent(make_ticket: Callable[..., Ticket], at: Any) -> None:
    from django.core import mail

    from playerdesk.sla.actions import setup_demo

    with at(2026, 3, 2, 10, 0):
        ticket = make_ticket(channel="email")
    TicketSla.objects.filter(ticket=ticket).delete()
    ticket.sla_clocks.all().delete()
    mail.outbox.clear()
    with clock.frozen(utc(2026, 3, 20, 10, 0)):
        assert setup_demo() == 1
        assert setup_demo() == 0
    sla = TicketSla.objects.get(ticket=ticket)
    assert ticket.sla_clocks.count() == 3
    # The generated history went overdue: recorded quietly, no escalation and no email to the player.
    assert sla.breached and sla.next_due_at == utc(2026, 3, 3, 10, 0)
    ticket.refresh_from_db()
    assert ticket.priority == 3 and not mail.outbox
    assert ticket.events.filter(kind="sla_breach").count() == 3
