"""English or French: py3langid restricted to the two languages, a small lexicon for short chat lines,
and the hints the desk already has (the player's stored locale, the address or widget language).

All evidence is in log-odds of French over English. The text counts up to ±6 (less for short text); a
known player's stored locale counts 7, so it decides unless the text and the entry point both disagree;
an address, widget or page language counts 2.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

from playerdesk.triage.features import raw_words

TEXT_CAP = 6.0
PLAYER_WEIGHT = 7.0
ENTRY_WEIGHT = 2.0
LEXICON_WEIGHT = 1.2


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


FRENCH_WORDS = _word_set(
    """
    je j jai j ai moi mon ma mes le la les des une un du et est sont pas plus pu ne que qui quoi
    pour avec dans sur svp merci bonjour bonsoir allo salut oui non vous votre vos nous notre ca cest c
    quand pourquoi comment chu pis depuis toujours encore aussi mais ou tres fait faire peux veux
    dois compte retrait depot argent jeu jeux solde courriel aide arrive recu voudrais aimerais
    avez etes suis ai y quelqu quelquun tout toute rien jamais bien mal ete semaine hier aujourd hui
    """
)
ENGLISH_WORDS = _word_set(
    """
    i i m im my the an and is are was were not no to of for with in on at it its it s this that
    please pls thanks thank hi hello hey can cant can t could would should yes you your we our when why
    how what where did didn t don t dont doesn have has had been get got still just since account
    withdrawal deposit money game games balance email help need want there they them from
    """
)


@dataclass
class LanguageResult:
    language: str
    confidence: float
    reasons: list[str] = field(default_factory=list)
    text_language: str = ""
    text_confidence: float = 0.0


_identifier: Any = None
_lock = threading.Lock()


def _langid() -> Any:
    """The py3langid model, loaded once per process (read-only afterwards)."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                identifier.set_languages(["en", "fr"])
                _identifier = identifier
    return _identifier


def text_log_odds(text: str) -> float:
    """Evidence of French over English in the text alone (positive: French)."""
    words = raw_words(text)
    if not words:
        return 0.0
    label, probability = _langid().classify(text)
    probability = min(max(float(probability), 1e-6), 1 - 1e-6)
    odds = math.log(probability / (1 - probability))
    if label != "fr":
        odds = -odds
    letters = sum(len(w) for w in words)
    odds *= min(1.0, letters / 40)  # short lines: the model is unsure, the lexicon matters more
    fr = sum(1 for w in words if w in FRENCH_WORDS)
    en = sum(1 for w in words if w in ENGLISH_WORDS)
    odds += LEXICON_WEIGHT * (fr - en)
    return max(-TEXT_CAP, min(TEXT_CAP, odds))


def detect(text: str, *, player_locale: str = "", entry_language: str = "") -> LanguageResult:
    """The case language and why."""
    from_text = text_log_odds(text)
    total = from_text
    reasons: list[str] = []
    text_language = "fr" if from_text > 0 else "en"
    text_confidence = 1 / (1 + math.exp(-abs(from_text)))
    reasons.append(
        f"text looks {'French' if text_language == 'fr' else 'English'} ({text_confidence:.0%})"
        if from_text != 0
        else "text gives no clue"
    )
    if player_locale in ("en", "fr"):
        total += PLAYER_WEIGHT if player_locale == "fr" else -PLAYER_WEIGHT
        reasons.append(f"player's profile language is {player_locale}")
    if entry_language in ("en", "fr"):
        total += ENTRY_WEIGHT if entry_language == "fr" else -ENTRY_WEIGHT
        reasons.append(f"came in through a {entry_language} address, widget or page")
    language = "fr" if total > 0 else "en"
    confidence = 1 / (1 + math.exp(-abs(total)))
    return LanguageResult(language, confidence, reasons, text_language, text_confidence)
