"""Triage quality on the project's own held-out set (written apart from the seed training set)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from playerdesk.triage import config, evaluate
from playerdesk.triage.features import matchable

HELD_OUT = Path(__file__).parent / "data" / "heldout.jsonl"


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_sets_are_large_bilingual_and_separate() -> None:
    seed, held = _rows(config.SEED_FILE), _rows(HELD_OUT)
    assert len(seed) >= 600 and len(held) >= 300
    for rows in (seed, held):
        french = sum(1 for r in rows if r["lang"] == "fr")
        assert abs(french - len(rows) / 2) <= len(rows) * 0.05
        assert {r["category"] for r in rows} == {
            "account",
            "payments",
            "verification",
            "bonus",
            "technical",
            "responsible_gambling",
            "general",
        }
        assert any(r["urgent"] for r in rows)
    seed_texts = {matchable(r["text"]).strip() for r in seed}
    assert not [r["text"] for r in held if matchable(r["text"]).strip() in seed_texts]


@pytest.mark.django_db
def test_held_out_accuracy_meets_the_targets() -> None:
    report = evaluate.evaluate(config.load_config(), evaluate.load(HELD_OUT))
    assert report.total >= 300
    assert report.language_accuracy >= 0.99, evaluate.render(report)
    assert report.category_accuracy >= 0.90, evaluate.render(report)
    assert report.urgent_recall >= 0.95, evaluate.render(report)
    assert report.urgent_precision >= 0.80, evaluate.render(report)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("subject", "text", "language", "category", "priority"),
    [
        ("", "chu pu capable de rentrer dans mon compte", "fr", "account", 3),
        ("", "mon depot est pas rentre pis ma banque dit que c'est passe", "fr", "payments", 3),
        ("", "ok merci", "fr", "general", 3),
        (
            "Hacked",
            "Someone logged into my account and changed my password, it was not me",
            "en",
            "account",
            1,
        ),
        ("", "J'ai été débité deux fois pour mon dépôt de 50 $", "fr", "payments", 1),
        ("", "I must stop gambling now, please exclude me", "en", "responsible_gambling", 1),
        ("Free spins", "my 20 free spins never showed up after the deposit", "en", "bonus", 3),
    ],
)
def test_examples(subject: str, text: str, language: str, category: str, priority: int) -> None:
    from playerdesk.triage.actions import triage_text

    result = triage_text(subject, text)
    assert (result.language, result.category, result.priority) == (language, category, priority), (
        result.reasons
    )
    assert result.reasons and all(isinstance(r, str) and r for r in result.reasons)


@pytest.mark.django_db
def test_player_locale_and_entry_point_weigh_in() -> None:
    from playerdesk.triage.actions import triage_text

    assert triage_text("", "ok", player_locale="fr").language == "fr"
    assert triage_text("", "Withdrawal pending since Monday", player_locale="fr").language == "fr"
    clear_french = "Bonjour, mon retrait est toujours en attente depuis lundi, pouvez-vous vérifier?"
    assert triage_text("", clear_french).language == "fr"
    assert triage_text("", "hi", entry_point="").language == "en"


@pytest.mark.django_db
def test_admin_priority_rules_amount_regulator_and_repeat(make_ticket: Any) -> None:
    from playerdesk.triage.actions import triage_text

    big = triage_text("Withdrawal", "My withdrawal of $2,500 is still pending since Monday.")
    assert big.priority == 2 and any("$2,500" in r for r in big.reasons)
    assert triage_text("", "Mon retrait de 1 500 $ est en attente depuis lundi.").priority == 2
    assert triage_text("", "My withdrawal of $200 is pending.").priority == 3
    assert triage_text("", "If this is not fixed I will contact my lawyer about the bonus.").priority == 2
    for _ in range(2):
        make_ticket("Bonus", "Where are my free spins?", email="again@x.ca")
    third = triage_text("Bonus", "Still no free spins.", email="again@x.ca")
    assert third.priority == 2 and any("3 cases in 7 days" in r for r in third.reasons)
