"""``playerdesk triage evaluate FILE.jsonl``: accuracy of triage on a labelled set.

Each line: {"text": …, "subject": …, "lang": "en"|"fr", "category": …, "urgent": true|false}. Urgent
means triage should make the case P1."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playerdesk.tickets.models import Category
from playerdesk.triage.engine import Config, triage

MAX_LINES = 100_000
MAX_LINE_CHARS = 50_000


class BadFile(ValueError):
    pass


@dataclass
class Report:
    total: int = 0
    language_ok: int = 0
    category_ok: int = 0
    urgent_tp: int = 0
    urgent_fp: int = 0
    urgent_fn: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def language_accuracy(self) -> float:
        return self.language_ok / self.total if self.total else 0.0

    @property
    def category_accuracy(self) -> float:
        return self.category_ok / self.total if self.total else 0.0

    @property
    def urgent_recall(self) -> float:
        found = self.urgent_tp + self.urgent_fn
        return self.urgent_tp / found if found else 1.0

    @property
    def urgent_precision(self) -> float:
        flagged = self.urgent_tp + self.urgent_fp
        return self.urgent_tp / flagged if flagged else 1.0


def load(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if number > MAX_LINES:
                raise BadFile(f"more than {MAX_LINES:,} lines")
            if not line.strip():
                continue
            if len(line) > MAX_LINE_CHARS:
                raise BadFile(f"line {number} is longer than {MAX_LINE_CHARS:,} characters")
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise BadFile(f"line {number} is not JSON: {exc}") from exc
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise BadFile(f"line {number} needs a text field")
            if row.get("category") not in Category.values:
                raise BadFile(f"line {number}: unknown category {row.get('category')!r}")
            if row.get("lang") not in ("en", "fr"):
                raise BadFile(f"line {number}: lang must be en or fr")
            rows.append(row)
    return rows


def evaluate(config: Config, rows: list[dict[str, Any]]) -> Report:
    report = Report()
    for row in rows:
        result = triage(config, subject=str(row.get("subject") or ""), body=row["text"])
        report.total += 1
        language_ok = result.language == row["lang"]
        category_ok = result.category == row["category"]
        urgent = result.priority == 1
        wanted = bool(row.get("urgent"))
        report.language_ok += language_ok
        report.category_ok += category_ok
        report.confusion[(row["category"], result.category)] += 1
        if urgent and wanted:
            report.urgent_tp += 1
        elif urgent:
            report.urgent_fp += 1
        elif wanted:
            report.urgent_fn += 1
        if not (language_ok and category_ok and urgent == wanted):
            report.misses.append(
                {
                    "subject": row.get("subject") or "",
                    "text": row["text"],
                    "expected": f"{row['lang']} {row['category']}{' urgent' if wanted else ''}",
                    "got": f"{result.language} {result.category}{' urgent' if urgent else ''}",
                    "why": " ".join(result.reasons[:3]),
                }
            )
    return report


def render(report: Report, *, show_misses: int = 50) -> str:
    lines = [
        f"Examples: {report.total}",
        f"Language accuracy: {report.language_accuracy:.1%}",
        f"Category accuracy: {report.category_accuracy:.1%}",
        f"Urgent recall: {report.urgent_recall:.1%}  precision: {report.urgent_precision:.1%}"
        f"  (true {report.urgent_tp}, false alarms {report.urgent_fp}, missed {report.urgent_fn})",
        "",
        "Confusion matrix (rows: expected, columns: triage)",
    ]
    labels = list(Category.values)
    short = {label: label[:6] for label in labels}
    short["responsible_gambling"] = "rg"
    lines.append(" " * 22 + "".join(f"{short[c]:>8}" for c in labels))
    for expected in labels:
        cells = "".join(f"{report.confusion.get((expected, got), 0):>8}" for got in labels)
        lines.append(f"{expected:<22}{cells}")
    if report.misses:
        lines += ["", f"Misclassified ({len(report.misses)}; first {min(show_misses, len(report.misses))}):"]
        for miss in report.misses[:show_misses]:
            text = " ".join(f"{miss['subject']} | {miss['text']}".split())[:140]
            lines.append(f"- expected {miss['expected']}, got {miss['got']}: {text}")
    return "\n".join(lines)
