"""Every player-facing string of the portal and of the case emails exists in English and French, and every
catalogue (the console's too) is complete and compiled."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polib
import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.utils import translation

from playerdesk.mail.actions import queue_acknowledgement, queue_case_link, queue_reply_notification
from playerdesk.portal import labels
from playerdesk.tickets import actions
from playerdesk.tickets.links import case_link
from playerdesk.tickets.models import Category, Status, Ticket

PACKAGE = Path(__file__).resolve().parents[2] / "playerdesk"
PO_FILES = sorted(
    [*PACKAGE.glob("*/locale/fr/LC_MESSAGES/django.po"), PACKAGE / "locale/fr/LC_MESSAGES/django.po"]
)
TEMPLATES = ["acknowledgement", "case_link", "reply"]


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(PACKAGE)) for p in paths]


def test_the_apps_players_see_have_french_catalogs() -> None:
    apps = {p.relative_to(PACKAGE).parts[0] for p in PO_FILES}
    assert {"portal", "mail", "tickets"} <= apps


@pytest.mark.parametrize("po_path", PO_FILES, ids=_ids(PO_FILES))
def test_every_message_is_translated(po_path: Path) -> None:
    po = polib.pofile(str(po_path))
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        elif entry.msgid_plural:
            if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                problems.append(f"untranslated plural: {entry.msgid!r}")
        elif not entry.msgstr:
            problems.append(f"untranslated: {entry.msgid!r}")
    assert not problems, "\n".join(problems)
    assert po.percent_translated() == 100


def _catalog(entries: polib._BaseFile) -> dict[tuple[str | None, str], object]:
    result: dict[tuple[str | None, str], object] = {}
    for entry in entries:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
            continue
        value = dict(entry.msgstr_plural) if entry.msgid_plural else entry.msgstr
        result[(entry.msgctxt or None, entry.msgid)] = value
    return result


@pytest.mark.parametrize("po_path", PO_FILES, ids=_ids(PO_FILES))
def test_compiled_catalog_is_up_to_date(po_path: Path) -> None:
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"run compilemessages for {po_path}"
    compiled = _catalog(polib.mofile(str(mo_path)))
    source = _catalog(polib.pofile(str(po_path)))
    assert compiled == source, f"{mo_path} is stale: run compilemessages"


def test_status_and_category_labels_are_french() -> None:
    with translation.override("fr"):
        assert str(labels.status_label(Status.WAITING_PLAYER)) == "En attente de votre réponse"
        assert (
            str(labels.category_label(Category.VERIFICATION)) == "Vérification d’identité (pièces d’identité)"
        )
        assert str(Status.SOLVED.label) == "Résolu"
        assert str(Category.PAYMENTS.label) == "Paiements"
    with translation.override("fr"):
        french = {str(labels.status_label(s)) for s in Status.values}
    with translation.override("en"):
        english = {str(labels.status_label(s)) for s in Status.values}
    assert not french & english


# ---------------------------------------------------------------- the case emails

PHRASES = {
    "acknowledgement": ("We received your request", "Nous avons bien reçu votre demande"),
    "case_link": ("Your private link to your case", "Votre lien privé vers votre dossier"),
    "reply": ("answered your case", "a répondu à votre dossier"),
}


@pytest.fixture
def answered(make_ticket: Callable[..., Ticket], agent: User) -> Ticket:
    ticket = make_ticket(name="Léa & <Co>", subject="Dépôt manquant <b>")
    actions.do_reply(ticket, author=agent, body="Nous vérifions votre dépôt.\nMerci de patienter.")
    ticket.refresh_from_db()
    return ticket


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_email_template_renders_in_both_languages(name: str, answered: Ticket) -> None:
    message = answered.messages.filter(kind="outbound").get()
    context = {
        "ticket": answered,
        "message": message,
        "link": case_link(answered),
        "hours": 72,
        "find_link": "http://testserver/help/find/",
        "brand": "Maple Casino",
        "support_email": "support@maple.example",
    }
    english_phrase, french_phrase = PHRASES[name]
    rendered: dict[str, dict[str, str]] = {}
    for language in ("en", "fr"):
        with translation.override(language):
            rendered[language] = {
                part: render_to_string(f"mail/{name}.{part}", context)
                for part in ("subject.txt", "txt", "html")
            }
    for part, text in rendered["en"].items():
        assert answered.reference in text, part
        assert "Hello" in text or part == "subject.txt"
        assert "Bonjour" not in text
    for part, text in rendered["fr"].items():
        assert answered.reference in text, part
        assert english_phrase not in text, part
        assert "Hello" not in text and "Please" not in text and "support team" not in text, part
        if part != "subject.txt":
            assert "Bonjour Léa" in text, part
            assert "Jouez de façon responsable" in text, part
    assert english_phrase in rendered["en"]["txt"] + rendered["en"]["subject.txt"]
    assert french_phrase in rendered["fr"]["txt"] + rendered["fr"]["subject.txt"]
    assert '<html lang="fr">' in rendered["fr"]["html"]
    assert '<html lang="en">' in rendered["en"]["html"]
    assert rendered["fr"]["subject.txt"].strip().startswith(f"[{answered.reference}] ")
    # User text is escaped in HTML and left as typed in plain text.
    assert "Léa &amp; &lt;Co&gt;" in rendered["fr"]["html"]
    assert "Léa & <Co>" in rendered["fr"]["txt"]
    if name == "reply":
        assert "Nous vérifions votre dépôt.<br>Merci de patienter." in rendered["fr"]["html"]
        assert "Nous vérifions votre dépôt.\nMerci de patienter." in rendered["fr"]["txt"]
        assert context["link"] in rendered["fr"]["txt"]
        assert "Dépôt manquant <b>" in rendered["fr"]["subject.txt"]


def test_queued_emails_follow_the_language(answered: Ticket) -> None:
    ack = queue_acknowledgement(answered)
    assert ack.subject == f"[{answered.reference}] We received your request"
    french_link = queue_case_link(answered, "fr")
    assert french_link.subject == f"[{answered.reference}] Votre lien privé vers votre dossier"
    assert "72 heures" in french_link.body_text
    actions.do_change_language(answered, "fr", actor=None)
    answered.refresh_from_db()
    reply = queue_reply_notification(answered, answered.messages.filter(kind="outbound").get())
    assert reply.language == "fr"
    assert reply.subject == f"[{answered.reference}] Nouvelle réponse : Dépôt manquant <b>"
    assert "Alice a répondu à votre dossier" in reply.body_text
    assert "/help/case/" in reply.body_text
    assert "&lt;b&gt;" in reply.body_html and "<b>" not in reply.body_html
