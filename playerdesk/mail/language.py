"""English or French? py3langid restricted to the two languages of the desk (about 0.05 ms a message)."""

from __future__ import annotations

import functools
from typing import Any

MIN_CONFIDENCE = 0.9
MIN_LETTERS = 12


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(["en", "fr"])
    return identifier


def detect(text: str) -> str | None:
    """ "en" or "fr" when the text says so with confidence, else None."""
    sample = text[:2000]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    language, confidence = _identifier().classify(sample)
    return str(language) if confidence >= MIN_CONFIDENCE else None
