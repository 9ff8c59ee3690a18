"""A player opens a case in the portal, an agent answers it in the console, the player reads the answer."""

from __future__ import annotations

import re
from typing import Any

import pytest

from playerdesk.intake.actions import do_intake
from playerdesk.intake.contact import Contact, Overrides
from playerdesk.mail.models import OutboundEmail
from playerdesk.tickets import actions
from playerdesk.tickets.models import Message, MessageKind, Ticket

pytestmark = pytest.mark.django_db(transaction=True)

XSS_SUBJECT = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
XSS_BODY = "<svg onload=window.__pwned=3></svg> javascript:window.__pwned=4 {{7*7}}"


@pytest.fixture
def site(live_server: Any, settings: Any) -> str:
    settings.SITE_URL = live_server.url
    return str(live_server.url)


def agent_login(page: Any, site: str, username: str, password: str) -> None:
    page.goto(f"{site}/desk/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/desk/(\?.*)?$"))


def test_agent_reply_reaches_player_in_portal(browser: Any, site: str, make_agent: Any, team: Any) -> None:
    make_agent("alice", teams=[team], languages=["en", "fr"])

    # The player opens a case in French from the portal.
    player = browser.new_context(locale="fr-CA")
    player_page = player.new_page()
    player_page.goto(f"{site}/help/new/")
    player_page.fill("#id_name", "Marie Tremblay")
    player_page.fill("#id_email", "marie@example.ca")
    player_page.select_option("#id_category", "payments")
    player_page.fill("#id_subject", "Retrait en attente")
    player_page.fill("#id_message", "Mon retrait de 200 $ est en attente depuis lundi.")
    assert player_page.locator("html").get_attribute("lang") == "fr"
    player_page.click("form.form button[type=submit]")
    reference = player_page.locator(".reference").inner_text().strip()
    assert reference.startswith("PD-")
    ticket = Ticket.objects.get(reference=reference)
    assert ticket.language == "fr" and ticket.channel == "web"

    # The agent finds it in the console and answers.
    agent = browser.new_context()
    agent_page = agent.new_page()
    agent_login(agent_page, site, "alice", "correct-horse-battery")
    agent_page.goto(f"{site}/desk/?tab=unassigned")
    agent_page.click(f"text={reference}")
    agent_page.wait_for_url(re.compile(rf".*/desk/t/{re.escape(reference)}/"))
    agent_page.fill("#reply-body", "Bonjour Marie, votre retrait a été approuvé aujourd'hui.")
    agent_page.click("#reply-form button.btn-primary")
    agent_page.wait_for_selector("text=votre retrait a été approuvé")
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND).count() == 1

    # The reply email carries the private link; the player opens it and reads the answer.
    email = OutboundEmail.objects.get(ticket=ticket, kind="reply")
    assert email.language == "fr" and email.status == "sent"
    link = re.search(r"https?://\S+/help/case/\S+/", email.body_text)
    assert link, email.body_text
    player_page.goto(link.group(0))
    assert player_page.locator(".msg--support").filter(has_text="votre retrait a été approuvé").count() == 1

    # The player answers back from the portal and the agent's case shows it.
    player_page.fill("textarea", "Merci beaucoup!")
    player_page.click("form.form button[type=submit]")
    player_page.wait_for_selector("text=Merci beaucoup!")
    agent_page.reload()
    assert agent_page.locator("text=Merci beaucoup!").count() >= 1
    player.close()
    agent.close()


def test_script_in_subject_and_body_is_inert_everywhere(
    browser: Any, page: Any, site: str, make_agent: Any, team: Any
) -> None:
    make_agent("alice", teams=[team])
    ticket = do_intake(
        Contact(
            channel="web",
            requester=actions.Requester("evil@example.com", '<b onmouseover="alert(1)">Eve</b>'),
            subject=XSS_SUBJECT,
            body=XSS_BODY,
            overrides=Overrides(team=team),
        )
    ).ticket
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    agent_login(page, site, "alice", "correct-horse-battery")
    for url in (f"{site}/desk/?tab=all", f"{site}/desk/?q=onerror", f"{site}/desk/t/{ticket.reference}/"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__pwned === undefined"), url
        assert page.locator("text=<script>window.__pwned=2</script>").count() >= 1 or "?q=" in url
    # "{{7*7}}" stays text: no template evaluated it (a standalone 49 would say it was).
    assert re.search(r"(?<!\w)49(?!\w)", page.locator("main").inner_text()) is None

    from playerdesk.tickets.links import case_link

    page.goto(case_link(ticket))
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("text=<svg onload=window.__pwned=3></svg>").count() == 1
    assert dialogs == []
