"""Triage of one message: language, category, priority and team, each with its reasons.

``Config`` holds everything triage needs in memory (compiled rules, the classifier, the team map), so
triaging a message costs no query beyond the configuration version check. ``triage()`` is pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from playerdesk.triage import language as lang
from playerdesk.triage.classifier import NaiveBayes
from playerdesk.triage.features import matchable
from playerdesk.triage.urgent import urgent_reasons

GENERAL = "general"
# Below this confidence, with no rule matched, a message is left in "general" for an agent to sort.
CONFIDENCE_FLOOR = 0.45
DEFAULT_PRIORITY = 3
_AMOUNT = re.compile(
    r"(?:\$\s?(\d{1,3}(?:[ ,.\u00a0\u202f]\d{3})+|\d+)(?:[.,]\d{2})?)"
    r"|(?:\b(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,]\d{2})?\s?(?:\$|dollars?\b|cad\b))"
)


@dataclass(frozen=True)
class CompiledRule:
    category: str
    language: str
    regex: re.Pattern[str]
    weight: float
    label: str


@dataclass(frozen=True)
class PriorityRuleSpec:
    name: str
    kind: str
    regex: re.Pattern[str] | None
    threshold: int
    window_days: int
    category: str
    priority: int


@dataclass(frozen=True)
class EntrySpec:
    language: str
    team_id: int | None
    category: str


@dataclass
class Config:
    model: NaiveBayes
    rules: list[CompiledRule] = field(default_factory=list)
    priority_rules: list[PriorityRuleSpec] = field(default_factory=list)
    team_map: dict[str, int] = field(default_factory=dict)  # category → team id
    team_slugs: dict[int, str] = field(default_factory=dict)
    entry_points: dict[str, EntrySpec] = field(default_factory=dict)  # "address:x" / "widget:y"
    version: str = ""

    @property
    def needs_history(self) -> bool:
        return any(r.kind == "repeat" for r in self.priority_rules)

    def entry(self, key: str) -> EntrySpec | None:
        return self.entry_points.get(key.strip().lower()) if key else None


@dataclass
class TriageResult:
    language: str
    language_confidence: float
    category: str
    category_confidence: float
    priority: int
    team_id: int | None
    reasons: list[str]
    urgent: list[str] = field(default_factory=list)  # keys of built-in P1 rules that matched
    matched_rules: list[str] = field(default_factory=list)
    top_terms: list[str] = field(default_factory=list)
    model_version: str = ""

    @property
    def summary(self) -> str:
        parts = [self.category.replace("_", " "), f"P{self.priority}", self.language]
        if self.urgent:
            parts.append(", ".join(self.urgent).replace("_", " "))
        return " · ".join(parts)

    def as_data(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "language_confidence": round(self.language_confidence, 3),
            "category": self.category,
            "category_confidence": round(self.category_confidence, 3),
            "priority": self.priority,
            "reasons": self.reasons,
        }


def amounts(text: str) -> list[int]:
    found = []
    for match in _AMOUNT.finditer(text):
        digits = re.sub(r"\D", "", match.group(1) or match.group(2) or "")
        if digits and len(digits) <= 9:
            found.append(int(digits))
    return found


def classify_category(
    config: Config, text: str, folded: str, language: str
) -> tuple[str, float, list[str], list[str]]:
    """(category, confidence, matched rule labels, top terms)."""
    boosts: dict[str, float] = {}
    matched: list[str] = []
    for rule in config.rules:
        if rule.language and rule.language != language:
            continue
        match = rule.regex.search(folded)
        if match is not None:
            boosts[rule.category] = boosts.get(rule.category, 0.0) + rule.weight
            matched.append(f"{rule.category}: {match.group(0).strip()}")
    prediction = config.model.predict(text, boosts=boosts)
    category, confidence = prediction.label, prediction.confidence
    if confidence < CONFIDENCE_FLOOR and not matched:
        return GENERAL, confidence, matched, prediction.top_terms
    return category, confidence, [m for m in matched if m.startswith(category + ":")], prediction.top_terms


def triage(
    config: Config,
    *,
    subject: str,
    body: str,
    player_locale: str = "",
    entry_point: str = "",
    language_hint: str = "",
    category_hint: str = "",
    recent_cases: int = 0,
    fixed_language: str | None = None,
    fixed_category: str | None = None,
    fixed_priority: int | None = None,
    fixed_team_id: int | None = None,
) -> TriageResult:
    text = f"{subject}\n{body}" if subject else body
    folded = matchable(text)
    entry = config.entry(entry_point)
    reasons: list[str] = []

    # Language
    if fixed_language:
        language, language_confidence = fixed_language, 1.0
        reasons.append(f"Language {fixed_language}: given when the case was opened.")
    else:
        detected = lang.detect(
            text,
            player_locale=player_locale,
            entry_language=(entry.language if entry and entry.language else "") or language_hint,
        )
        language, language_confidence = detected.language, detected.confidence
        reasons.append(
            f"Language {language} ({language_confidence:.0%}): " + "; ".join(detected.reasons) + "."
        )

    # Category
    category, confidence, matched, terms = classify_category(config, text, folded, language)
    if fixed_category:
        if fixed_category != category:
            reasons.append(
                f"Category {fixed_category}: chosen when the case was opened (triage suggested {category})."
            )
        else:
            reasons.append(f"Category {fixed_category}: chosen when the case was opened, triage agrees.")
        category, confidence = fixed_category, 1.0
    elif category_hint and category_hint != GENERAL and confidence < 0.9 and not matched:
        category, confidence = category_hint, max(confidence, 0.5)
        reasons.append(f"Category {category}: the topic the player chose.")
    elif entry and entry.category and confidence < 0.9 and not matched:
        category, confidence = entry.category, max(confidence, 0.5)
        reasons.append(f"Category {category}: the address or widget it came through.")
    else:
        why = []
        if matched:
            why.append("matched rule " + ", ".join(f"“{m.split(':', 1)[1].strip()}”" for m in matched[:2]))
        if terms:
            why.append("words " + ", ".join(f"“{t}”" for t in terms))
        if category == GENERAL and confidence < CONFIDENCE_FLOOR:
            why.append("no category is likely enough")
        reasons.append(f"Category {category} ({confidence:.0%}): " + ("; ".join(why) or "classifier") + ".")

    # Priority
    urgent = urgent_reasons(folded)
    priority = DEFAULT_PRIORITY
    priority_reason = "no priority rule matched"
    if urgent:
        priority = 1
        priority_reason = "; ".join(f"{label} (“{words}”)" for _key, label, words in urgent)
    else:
        for rule in config.priority_rules:
            if rule.category and rule.category != category:
                continue
            if rule.priority >= priority:
                continue
            hit = ""
            if rule.kind in ("phrase", "pattern") and rule.regex is not None:
                match = rule.regex.search(folded)
                hit = f"“{match.group(0).strip()}”" if match else ""
            elif rule.kind == "amount":
                big = [a for a in amounts(text) if a >= rule.threshold]
                hit = f"${max(big):,}" if big else ""
            elif rule.kind == "repeat" and recent_cases + 1 >= rule.threshold:
                hit = f"{recent_cases + 1} cases in {rule.window_days} days"
            if hit:
                priority, priority_reason = rule.priority, f"{rule.name} ({hit})"
    if fixed_priority:
        if fixed_priority != priority:
            reasons.append(
                f"Priority P{fixed_priority}: given when the case was opened "
                f"(triage: P{priority}, {priority_reason})."
            )
        else:
            reasons.append(f"Priority P{fixed_priority}: given when the case was opened.")
        priority = fixed_priority
    else:
        reasons.append(f"Priority P{priority}: {priority_reason}.")

    # Team
    team_id: int | None
    if fixed_team_id is not None:
        team_id = fixed_team_id
        reasons.append(f"Team {config.team_slugs.get(team_id, team_id)}: given when the case was opened.")
    elif entry and entry.team_id:
        team_id = entry.team_id
        reasons.append(f"Team {config.team_slugs.get(team_id, team_id)}: set for the address or widget.")
    else:
        team_id = config.team_map.get(category)
        if team_id is not None:
            reasons.append(
                f"Team {config.team_slugs.get(team_id, team_id)}: works {category.replace('_', ' ')} cases."
            )
        else:
            reasons.append(f"No team: none is mapped to {category.replace('_', ' ')} cases.")

    return TriageResult(
        language=language,
        language_confidence=language_confidence,
        category=category,
        category_confidence=confidence,
        priority=priority,
        team_id=team_id,
        reasons=reasons,
        urgent=[key for key, _label, _words in urgent],
        matched_rules=matched,
        top_terms=terms,
        model_version=config.model.version,
    )
