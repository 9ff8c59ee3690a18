"""Loading triage configuration: rules and team map from the database, compiled once per process and
rebuilt when an admin changes something (``TriageSettings.version``) or a new model is trained."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from playerdesk.core.models import Team
from playerdesk.triage.classifier import NaiveBayes
from playerdesk.triage.defaults import CATEGORY_RULES
from playerdesk.triage.engine import CompiledRule, Config, EntrySpec, PriorityRuleSpec
from playerdesk.triage.features import matchable
from playerdesk.triage.models import (
    CategoryRule,
    EntryPoint,
    PriorityRule,
    TeamRoute,
    TrainedModel,
    TriageSettings,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED_FILE = DATA_DIR / "seed.jsonl"
MAX_PATTERN = 300


class BadPattern(ValueError):
    pass


def compile_pattern(kind: str, pattern: str) -> re.Pattern[str]:
    """A phrase matches whole words of the folded text; a pattern is a regular expression on it."""
    pattern = (pattern or "").strip()
    if not pattern or len(pattern) > MAX_PATTERN:
        raise BadPattern("A rule needs a phrase or pattern of at most 300 characters.")
    if kind == "phrase":
        words = matchable(pattern).strip()
        if not words:
            raise BadPattern("This phrase has no words.")
        return re.compile(r"(?<= )" + re.escape(words) + r"(?= )")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise BadPattern(f"This pattern is not a valid regular expression: {exc}.") from exc


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def example_text(row: dict[str, Any]) -> str:
    subject = str(row.get("subject") or "")
    text = str(row.get("text") or "")
    return f"{subject}\n{text}" if subject else text


@lru_cache(maxsize=1)
def seed_model() -> NaiveBayes:
    """The classifier trained on the bilingual seed set shipped with PlayerDesk, in use until a desk
    trains its own."""
    return NaiveBayes.train(((example_text(r), r["category"]) for r in read_jsonl(SEED_FILE)), version="seed")


def default_rules() -> list[CompiledRule]:
    return [
        CompiledRule(category, language, compile_pattern(kind, pattern), weight, f"{category}: {pattern}")
        for category, language, kind, pattern, weight in CATEGORY_RULES
    ]


# ---------------------------------------------------------------- from the database

_cache: dict[str, tuple[str, Config]] = {}
_cache_lock = threading.Lock()


def current_version() -> str:
    row = TriageSettings.objects.filter(pk=1).values_list("version", "model_id").first()
    return f"{row[0]}:{row[1]}" if row else "none"


def load_config() -> Config:
    """The configuration in force (one query when nothing changed since the last call)."""
    from django.db import connection

    version = current_version()
    cached = _cache.get(connection.alias)
    if cached is not None and cached[0] == version:
        return cached[1]
    config = build_config(version)
    with _cache_lock:
        _cache[connection.alias] = (version, config)
    return config


def build_config(version: str) -> Config:
    settings_row = TriageSettings.objects.filter(pk=1).first()
    model = seed_model()
    if settings_row is not None and settings_row.model_id:
        trained = TrainedModel.objects.filter(pk=settings_row.model_id).first()
        if trained is not None:
            model = NaiveBayes.from_json(trained.params)
    rules = []
    for rule in CategoryRule.objects.filter(is_active=True):
        try:
            regex = compile_pattern(rule.kind, rule.pattern)
        except BadPattern:
            continue
        rules.append(
            CompiledRule(rule.category, rule.language, regex, rule.weight, f"{rule.category}: {rule.pattern}")
        )
    priority_rules = []
    for prule in PriorityRule.objects.filter(is_active=True):
        prule_regex: re.Pattern[str] | None = None
        if prule.kind in ("phrase", "pattern"):
            try:
                prule_regex = compile_pattern(prule.kind, prule.pattern)
            except BadPattern:
                continue
        priority_rules.append(
            PriorityRuleSpec(
                prule.name,
                prule.kind,
                prule_regex,
                prule.threshold,
                prule.window_days,
                prule.category,
                prule.priority,
            )
        )
    team_map = dict(TeamRoute.objects.values_list("category", "team_id"))
    slugs = dict(Team.objects.values_list("id", "slug"))
    entries = {
        f"{e.kind}:{e.key.lower()}": EntrySpec(e.language, e.team_id, e.category)
        for e in EntryPoint.objects.all()
    }
    return Config(
        model=model,
        rules=rules,
        priority_rules=priority_rules,
        team_map=team_map,
        team_slugs=slugs,
        entry_points=entries,
        version=version,
    )
