from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from unittest import mock
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from playerdesk.core import clock, refs
from playerdesk.mail.models import OutboundEmail
from playerdesk.tickets import actions, links
from playerdesk.tickets.models import Message, MessageKind, Status, Ticket

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Pat Player",
    "email": "pat@example.com",
    "category": "payments",
    "subject": "Withdrawal still pending",
    "message": "I asked for a withdrawal of $200 three days ago and it is still pending.",
    "website": "",
}


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def case_url(ticket: Ticket) -> str:
    return f"/help/case/{links.make_token(ticket)}/"


def submit(client: Client, capture: Any, **overrides: Any) -> Any:
    with capture(execute=True):
        return client.post("/help/new/", {**FORM, **overrides}, follow=True)


# ---------------------------------------------------------------- home and language


def test_root_redirects_to_the_portal(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/help/"


def test_home_speaks_the_browser_language(client: Client, settings: Any) -> None:
    settings.BRAND_NAME = "Maple Casino"
    english = client.get("/help/")
    assert english.status_code == 200
    assert "Open a case" in english.content.decode()
    assert "Maple Casino" in english.content.decode()
    # The visitor's province is unknown: every help line, each one a link to call.
    assert '<a href="tel:+18665312600">ConnexOntario 1-866-531-2600</a>' in english.content.decode()
    assert '<a href="tel:+18004610140">Jeu : aide et référence 1-800-461-0140</a>' in english.content.decode()
    french = Client(HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9").get("/help/")
    body = french.content.decode()
    assert '<html lang="fr">' in body
    assert "Ouvrir un dossier" in body
    assert "Jouez de façon responsable" in body
    assert "Open a case" not in body


def test_language_switch_sets_the_cookie_and_returns_to_the_page() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/help/find/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    response = client.post(
        "/help/lang/", {"language": "fr", "next": "/help/find/", "csrfmiddlewaretoken": token.group(1)}
    )
    assert response.status_code == 302
    assert response["Location"] == "/help/find/"
    assert response.cookies["playerdesk_language"].value == "fr"
    assert "Retrouver mon dossier" in client.get("/help/find/").content.decode()


def test_language_switch_refuses_a_post_without_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/help/lang/", {"language": "fr", "next": "/help/"}).status_code == 403


def test_pages_have_no_inline_script_or_style(client: Client, ticket: Ticket) -> None:
    for url in ["/help/", "/help/new/", "/help/find/", case_url(ticket), "/help/case/forged/"]:
        body = client.get(url).content.decode()
        assert "<script" not in body
        assert "<style" not in body
        assert "style=" not in body
        assert "/static/portal/portal.css" in body


# ---------------------------------------------------------------- open a case


def test_open_a_case_shows_the_reference_and_sends_the_acknowledgement(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    response = submit(client, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.channel == "web"
    assert ticket.language == "en"
    assert ticket.category == "payments"
    assert ticket.requester_email == "pat@example.com"
    assert ticket.requester_name == "Pat Player"
    assert ticket.messages.get().body_text == FORM["message"]
    body = response.content.decode()
    assert ticket.reference in body
    assert "confirmation email" in body
    email = OutboundEmail.objects.get(kind="acknowledgement")
    assert email.ticket == ticket
    assert email.language == "en"
    assert email.status == "sent"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["pat@example.com"]
    assert sent.subject == f"[{ticket.reference}] We received your request"
    assert "/help/case/" in sent.body
    # The private link in the email opens the case.
    link = re.search(r"http://\S+/help/case/\S+/", sent.body)
    assert link is not None
    page = client.get(urlparse(link.group(0)).path)
    assert page.status_code == 200
    assert ticket.reference in page.content.decode()


def test_a_case_opened_in_french_is_french_and_so_is_its_email(
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    response = submit(
        client,
        django_capture_on_commit_callbacks,
        category="verification",
        subject="Vérification de mon compte",
        message="Bonjour, j'ai envoyé ma pièce d'identité hier. Est-ce que mon compte est vérifié?",
    )
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.language == "fr"
    assert ticket.category == "verification"
    assert "Nous avons bien reçu votre demande" in response.content.decode()
    email = OutboundEmail.objects.get(kind="acknowledgement")
    assert email.language == "fr"
    assert mail.outbox[0].subject == f"[{ticket.reference}] Nous avons bien reçu votre demande"
    assert "Bonjour Pat Player," in mail.outbox[0].body


def test_the_page_language_decides_when_the_text_says_little(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The text decides the case language when it is clear (as on every channel); the portal's language
    decides when the text gives no clue."""
    english = submit(Client(HTTP_ACCEPT_LANGUAGE="fr"), django_capture_on_commit_callbacks)
    assert english.status_code == 200
    assert Ticket.objects.get().language == "en"  # a French page, an English message
    Ticket.objects.all().delete()
    terse = submit(
        Client(HTTP_ACCEPT_LANGUAGE="fr"),
        django_capture_on_commit_callbacks,
        email="terse@example.com",
        subject="PD 200 $",
        message="200 $ ???",
    )
    assert terse.status_code == 200
    assert Ticket.objects.get().language == "fr"


def test_the_confirmation_page_needs_a_submitted_case(client: Client) -> None:
    response = client.get("/help/new/done/")
    assert response.status_code == 302
    assert response["Location"] == "/help/"


def test_topic_from_the_home_page_is_preselected(client: Client) -> None:
    body = client.get("/help/new/?topic=bonus").content.decode()
    assert '<option value="bonus" selected>' in body


def test_field_errors_are_inline_and_translated(django_capture_on_commit_callbacks: Any) -> None:
    english = Client().post("/help/new/", {**FORM, "name": "", "email": "not-an-email", "category": ""})
    assert english.status_code == 400
    body = english.content.decode()
    assert "Please enter your name." in body
    assert "Please enter a valid email address" in body
    assert "Please choose the topic closest to your question." in body
    assert 'aria-invalid="true"' in body
    assert 'id="id_name_error"' in body
    french = Client(HTTP_ACCEPT_LANGUAGE="fr").post("/help/new/", {**FORM, "name": "", "email": "x"})
    assert french.status_code == 400
    body = french.content.decode()
    assert "Veuillez entrer votre nom." in body
    assert "Veuillez entrer une adresse courriel valide" in body
    assert not Ticket.objects.exists()


def test_oversized_subject_and_message_are_form_errors(client: Client) -> None:
    response = client.post("/help/new/", {**FORM, "subject": "S" * 256, "message": "x" * 1_048_576})
    assert response.status_code == 400
    body = response.content.decode()
    assert "The subject is too long: 256 characters" in body
    assert "Your message is too long: 1,048,576 characters. Please keep it under 20,000 characters." in body
    assert not Ticket.objects.exists()


def test_a_request_larger_than_the_server_accepts_is_a_clear_413(client: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    response = client.post("/help/new/", {**FORM, "message": "x" * 200_000})
    assert response.status_code == 413
    assert "far too large" in response.content.decode()
    assert not Ticket.objects.exists()


def test_honeypot_rejects_bots(client: Client) -> None:
    response = client.post("/help/new/", {**FORM, "website": "http://spam.example"})
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_new_cases_are_rate_limited_per_email(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    for _ in range(5):
        assert submit(client, django_capture_on_commit_callbacks).status_code == 200
    response = client.post("/help/new/", FORM)
    assert response.status_code == 429
    assert "several requests in a short time" in response.content.decode()
    assert Ticket.objects.count() == 5


def test_new_cases_are_rate_limited_per_address(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    for i in range(10):
        response = submit(client, django_capture_on_commit_callbacks, email=f"p{i}@example.com")
        assert response.status_code == 200
    assert client.post("/help/new/", {**FORM, "email": "new@example.com"}).status_code == 429
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert submit(other, django_capture_on_commit_callbacks, email="new@example.com").status_code == 200


def test_control_characters_and_nul_bytes_are_cleaned(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    response = submit(
        client,
        django_capture_on_commit_callbacks,
        name="Pat\x00 Player",
        subject="Deposit \u202emissing\x07",
        message="Hello\x00 there\r\nsecond line\x1b",
    )
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.requester_name == "Pat Player"
    assert ticket.subject == "Deposit missing"
    assert ticket.messages.get().body_text == "Hello there\nsecond line"


def test_invalid_utf8_is_not_a_server_error(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    raw = (
        b"name=Pat&email=pat%40example.com&category=account&subject=Bad+%FF%FE+bytes"
        b"&message=caf%C3%A9+%C3%28+end&website="
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/help/new/", raw, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.subject == "Bad \ufffd\ufffd bytes"
    assert ticket.messages.get().body_text.startswith("café")


def test_xss_in_every_field_is_escaped(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = submit(
        client,
        django_capture_on_commit_callbacks,
        name=f"Eve {payload}",
        subject=f"Help {payload}",
        message=f"Body {payload}",
    )
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    page = client.get(case_url(ticket)).content.decode()
    for body in (page, mail.outbox[0].alternatives[0][0]):
        assert "<script>alert" not in body
        assert "<img src=x" not in body
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert "Help &lt;script&gt;" in page
    assert "Body &lt;script&gt;" in page


# ---------------------------------------------------------------- find my case


def test_find_my_case_sends_a_link_only_when_reference_and_email_match(
    make_ticket: Callable[..., Ticket], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = make_ticket(email="Pat@Example.com")
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    answers = []
    for reference, email in [
        (ticket.reference.lower().replace("-", ""), "pat@EXAMPLE.com"),  # matches
        (ticket.reference, "someone@example.com"),  # wrong email
        (refs.reference_for_sequence(999_999), "pat@example.com"),  # valid reference, no such case
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/help/find/", {"reference": reference, "email": email}, follow=True)
        assert response.status_code == 200
        assert response.redirect_chain == [("/help/find/sent/", 302)]
        answers.append(CSRF.sub("", response.content.decode()))
    assert answers[0] == answers[1] == answers[2]
    assert "Si ce numéro et cette adresse courriel correspondent à un dossier" in answers[0]
    emails = OutboundEmail.objects.filter(kind="case_link")
    assert emails.count() == 1
    assert emails.get().to == "Pat@example.com"
    assert emails.get().language == "fr"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"[{ticket.reference}] Votre lien privé vers votre dossier"


def test_find_my_case_explains_a_malformed_reference(client: Client) -> None:
    response = client.post("/help/find/", {"reference": "PD-123", "email": "pat@example.com"})
    assert response.status_code == 400
    assert "This does not look like a case reference" in response.content.decode()


def test_find_my_case_is_rate_limited(make_ticket: Callable[..., Ticket]) -> None:
    ticket = make_ticket()
    client = Client()
    for _ in range(5):
        response = client.post("/help/find/", {"reference": ticket.reference, "email": "x@example.com"})
        assert response.status_code == 302
    response = client.post("/help/find/", {"reference": ticket.reference, "email": "player@example.com"})
    assert response.status_code == 429
    assert not OutboundEmail.objects.filter(kind="case_link").exists()


# ---------------------------------------------------------------- the case page


@pytest.fixture
def conversation(ticket: Ticket, agent: User) -> Ticket:
    actions.do_reply(ticket, author=agent, body="Internal: player flagged by risk team", internal=True)
    actions.do_reply(ticket, author=agent, body="We are looking into your withdrawal.")
    actions.do_add_player_message(ticket, body="Thanks, any news?", channel="web")
    ticket.refresh_from_db()
    return ticket


def test_case_page_shows_public_messages_only_oldest_first(
    client: Client, conversation: Ticket, django_assert_max_num_queries: Any
) -> None:
    url = case_url(conversation)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert conversation.reference in body
    assert conversation.subject in body
    assert "Internal: player flagged" not in body
    first = body.index("I asked for a withdrawal")
    second = body.index("We are looking into your withdrawal.")
    third = body.index("Thanks, any news?")
    assert first < second < third
    assert "Alice, PlayerDesk Support" in body
    assert "Pat Player" in body
    assert "In progress" in body  # status "open" after the player's reply
    assert response["Cache-Control"] == "private, no-store"


def test_case_page_times_are_in_toronto(client: Client, make_ticket: Callable[..., Ticket]) -> None:
    import datetime as dt

    with clock.frozen(dt.datetime(2025, 1, 15, 17, 30, tzinfo=dt.UTC)):
        ticket = make_ticket()
    body = client.get(case_url(ticket)).content.decode()
    assert "12:30" in body  # 17:30 UTC is 12:30 in Toronto (EST)
    assert 'datetime="2025-01-15T12:30:00-05:00"' in body


def test_case_page_uses_the_case_language_unless_the_player_switched(
    make_ticket: Callable[..., Ticket],
) -> None:
    ticket = make_ticket(language="fr")
    url = case_url(ticket)
    french = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    assert '<html lang="fr">' in french.content.decode()
    assert "Reçue" in french.content.decode()
    assert french["Content-Language"] == "fr"
    switched = Client()
    switched.cookies["playerdesk_language"] = "en"
    english = switched.get(url).content.decode()
    assert '<html lang="en">' in english
    assert "Received" in english


@pytest.mark.parametrize("token", ["forged", "eyJyIjoiUEQtM.bad:signature", "x" * 2000])
def test_forged_token_is_a_404_that_points_to_find_my_case(client: Client, token: str) -> None:
    response = client.get(f"/help/case/{token}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "This link is not valid anymore" in body
    assert 'href="/help/find/"' in body
    french = Client(HTTP_ACCEPT_LANGUAGE="fr").get(f"/help/case/{token}/")
    assert french.status_code == 404
    assert "Ce lien n’est plus valide" in french.content.decode()


def test_expired_token_is_a_404(client: Client, ticket: Ticket, settings: Any) -> None:
    past = time.time() - (settings.PORTAL_LINK_HOURS + 1) * 3600
    with mock.patch("django.core.signing.time.time", return_value=past):
        token = links.make_token(ticket)
    assert client.get(f"/help/case/{token}/").status_code == 404
    response = client.post(f"/help/case/{token}/", {"message": "still there?"})
    assert response.status_code == 404
    assert ticket.messages.count() == 1


def test_a_token_does_not_open_another_players_case(
    client: Client, make_ticket: Callable[..., Ticket]
) -> None:
    mine = make_ticket(email="me@example.com", subject="My case")
    other = make_ticket(email="other@example.com", subject="Someone else's case")
    token = links.make_token(mine)
    body = client.get(f"/help/case/{token}/").content.decode()
    assert "My case" in body
    assert other.reference not in body


def test_reply_from_the_portal_lands_on_the_case(
    client: Client, conversation: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    url = case_url(conversation)
    client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": "Here is the <b>screenshot</b> you asked for."})
    assert response.status_code == 302
    assert response["Location"] == url + "#latest"
    message = Message.objects.filter(ticket=conversation).latest("id")
    assert message.kind == MessageKind.INBOUND
    assert message.channel == "web"
    assert message.body_text == "Here is the <b>screenshot</b> you asked for."
    page = client.get(url).content.decode()
    assert "Thank you, your message was added to your case." in page
    assert "Here is the &lt;b&gt;screenshot&lt;/b&gt; you asked for." in page


def test_reply_errors_are_shown_on_the_case_page(client: Client, conversation: Ticket) -> None:
    url = case_url(conversation)
    response = client.post(url, {"message": "   "})
    assert response.status_code == 400
    assert "Please write your message." in response.content.decode()
    response = client.post(url, {"message": "y" * 1_048_576})
    assert response.status_code == 400
    assert "Your message is too long" in response.content.decode()
    assert conversation.messages.count() == Message.objects.filter(ticket=conversation).count() == 4


def test_reply_to_a_waiting_case_reopens_it(client: Client, ticket: Ticket, agent: User) -> None:
    actions.do_reply(ticket, author=agent, body="Can you send the date of the deposit?")
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_PLAYER
    client.post(case_url(ticket), {"message": "It was on March 3."})
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_reply_to_a_closed_case_opens_a_linked_follow_up(
    client: Client, ticket: Ticket, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    actions.do_change_status(ticket, Status.SOLVED, actor=agent)
    actions.do_change_status(ticket, Status.CLOSED, actor=agent)
    url = case_url(ticket)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": "The problem is back."}, follow=True)
    assert response.status_code == 200
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert follow_up.linked_from == ticket
    assert follow_up.messages.get().body_text == "The problem is back."
    body = response.content.decode()
    assert f"your message opened a new case: {follow_up.reference}" in body
    assert follow_up.subject in body
    assert ticket.reference in body  # "Follows case"
    ack = OutboundEmail.objects.get(kind="acknowledgement", ticket=follow_up)
    assert ack.to == ticket.requester_email
    assert ticket.messages.count() == 1


def test_reply_is_rate_limited(client: Client, ticket: Ticket) -> None:
    url = case_url(ticket)
    for i in range(20):
        assert client.post(url, {"message": f"message {i}"}).status_code == 302
    assert client.post(url, {"message": "one more"}).status_code == 429
    assert ticket.messages.count() == 21


def test_messages_from_later_agents_and_notes_never_leak(
    client: Client, ticket: Ticket, make_agent: Callable[..., User]
) -> None:
    bob = make_agent("bob")
    actions.do_reply(ticket, author=bob, body="Note: chargeback risk, do not refund", internal=True)
    body = client.get(case_url(ticket)).content.decode()
    assert "chargeback" not in body
    assert "Bob" not in body
