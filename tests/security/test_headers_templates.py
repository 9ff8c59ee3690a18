"""Browser-side defences: a strict content security policy and the other security headers on every
page, HttpOnly session cookies, and templates that never need inline script, style or handlers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from playerdesk.mail.models import OutboundEmail
from playerdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db

PACKAGE = Path(__file__).resolve().parents[2] / "playerdesk"
ALL_TEMPLATES = sorted(PACKAGE.glob("*/templates/**/*.html"))


def is_email(template: Path) -> bool:
    """Email templates live in a ``mail/`` template folder (``mail/…``, ``<app>/mail/…``), whichever app
    ships them."""
    return "mail" in template.relative_to(PACKAGE).parts[2:-1]


WEB_TEMPLATES = [p for p in ALL_TEMPLATES if not is_email(p)]
MAIL_TEMPLATES = [p for p in ALL_TEMPLATES if is_email(p)]
OWN_SCRIPTS = sorted(PACKAGE.glob("*/static/**/*.js"))
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
STYLE_TAG = re.compile(r"<style\b", re.I)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)
HANDLER_ATTR = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)
SCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)
DOM_SINKS = re.compile(
    r"\b(?:eval\s*\(|new\s+Function\s*\(|document\.write|innerHTML|outerHTML|insertAdjacentHTML)"
)


def csp_directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = [w.lower() for w in words[1:]]
    return out


def assert_security_headers(response: Any, where: str) -> None:
    csp = response.get("Content-Security-Policy", "")
    assert csp, f"{where}: no Content-Security-Policy"
    directives = csp_directives(csp)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts is not None, f"{where}: no script-src or default-src"
    for weak in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        assert weak not in scripts, f"{where}: script-src allows {weak}"
    assert directives.get("object-src") == ["'none'"], where
    assert directives.get("base-uri") in (["'none'"], ["'self'"]), where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert "'unsafe-inline'" not in directives.get("style-src", []), where
    assert response.get("X-Frame-Options") == "DENY", where
    assert response.get("X-Content-Type-Options") == "nosniff", where
    assert response.get("Referrer-Policy"), where


@pytest.fixture
def pages(
    own_case: Ticket,
    agent: User,
    supervisor: User,
    portal_token: Callable[[Ticket], str],
    django_capture_on_commit_callbacks: Any,
) -> list[tuple[str, Client, str]]:
    anonymous = Client()
    desk = Client()
    desk.force_login(supervisor)
    stranger = Client()
    stranger.force_login(User.objects.create_user("visitor", "visitor@example.com", "pw"))
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(f"/desk/t/{own_case.reference}/reply/", {"body": "Hello", "mode": "reply", "seen_seq": "9"})
    email_id = OutboundEmail.objects.values_list("pk", flat=True).first()
    assert email_id is not None and mail.outbox
    return [
        ("/help/", anonymous, "portal home"),
        ("/help/new/", anonymous, "new case form"),
        ("/help/find/", anonymous, "find my case"),
        (f"/help/case/{portal_token(own_case)}/", anonymous, "case page"),
        ("/help/case/forged/", anonymous, "case link not valid (404)"),
        ("/desk/login/", anonymous, "sign-in"),
        ("/desk/", desk, "queue"),
        ("/desk/?team=nonsense", desk, "bad filter (400)"),
        (f"/desk/t/{own_case.reference}/", desk, "case in the console"),
        ("/desk/mailbox/", desk, "mailbox"),
        (f"/desk/mailbox/{email_id}/", desk, "mail shown in the mailbox"),
        ("/desk/", stranger, "no console access (403)"),
        ("/no/such/page/", anonymous, "not found (404)"),
    ]


def test_every_html_page_sends_the_security_headers(pages: list[tuple[str, Client, str]]) -> None:
    for path, client, name in pages:
        response = client.get(path)
        assert response["Content-Type"].startswith("text/html"), name
        assert_security_headers(response, f"{name} {path}")


@pytest.mark.parametrize(
    ("path", "auth"),
    [
        ("/healthz", False),
        ("/api/v1/tickets", True),
        ("/api/v1/openapi.json", False),
        ("/api/v1/nope", False),
    ],
)
def test_json_answers_are_not_sniffable(path: str, auth: bool, service_headers: dict[str, str]) -> None:
    response = Client().get(path, **(service_headers if auth else {}))
    assert response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.get("Content-Security-Policy")


def test_console_session_cookie_is_httponly(agent: User) -> None:
    client = Client()
    response = client.post("/desk/login/", {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() in ("lax", "strict")


def test_portal_session_cookie_is_httponly(client: Client) -> None:
    response = client.post(
        "/help/new/",
        {"name": "Pat", "email": "pat@example.com", "category": "payments", "subject": "S", "message": "M"},
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() in ("lax", "strict")


def test_htmx_never_evaluates_or_runs_swapped_scripts(agent_client: Client) -> None:
    page = agent_client.get("/desk/").content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page)
    assert config is not None
    assert '"allowEval": false' in config.group(1)
    assert '"allowScriptTags": false' in config.group(1)


# ---------------------------------------------------------------- templates and scripts


def test_there_are_templates_to_scan() -> None:
    names = {p.name for p in WEB_TEMPLATES}
    assert {"base.html", "case.html", "ticket.html", "queue.html"} <= names
    assert MAIL_TEMPLATES


@pytest.mark.parametrize("template", WEB_TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_web_templates_work_under_the_strict_policy(template: Path) -> None:
    text = template.read_text()
    inline = [
        m.group(0)
        for m in SCRIPT_TAG.finditer(text)
        if not re.search(r"\ssrc\s*=|type=[\"']application/json[\"']", m.group(1))
    ]
    assert not inline, f"inline <script>: {inline}"
    assert not STYLE_TAG.search(text), "inline <style>"
    assert not STYLE_ATTR.search(text), "style= attribute"
    assert not HANDLER_ATTR.search(text), "inline event handler (on…=)"
    assert not SCRIPT_URL.search(text), "javascript: URL"


@pytest.mark.parametrize("template", MAIL_TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_mail_templates_have_no_script(template: Path) -> None:
    """Inline styles are how email is styled; script and handlers have no place there either."""
    text = template.read_text()
    assert not SCRIPT_TAG.search(text)
    assert not HANDLER_ATTR.search(text)
    assert not SCRIPT_URL.search(text)


@pytest.mark.parametrize("script", OWN_SCRIPTS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_own_scripts_never_build_markup_from_strings(script: Path) -> None:
    """Text from the server (names, subjects, live events) reaches the page as text, never as HTML."""
    found = DOM_SINKS.findall(script.read_text())
    assert not found, f"{script.name} uses {sorted(set(found))}"
