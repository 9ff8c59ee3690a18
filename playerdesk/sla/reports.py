"""SLA report: attainment per team, channel, category and priority; first-response and resolution time
percentiles; breaches with causes; CSV export. Figures cover clocks started in a date range.

Attainment of a target = clocks met without a breach ÷ clocks decided (met, or breached). Clocks still
running (not yet breached) or stopped without a breach are not decided and are left out.
Times are business seconds (the clock's own calendar) from start to met, pauses excluded.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from playerdesk.sla.models import Breach, Clock, ClockState, Target

DIMENSIONS = {
    "team": "ticket__team__name",
    "channel": "ticket__channel",
    "category": "ticket__category",
    "priority": "ticket__priority",
}
REPORT_TARGETS = (Target.FIRST_RESPONSE, Target.NEXT_RESPONSE, Target.RESOLUTION)
PERCENTILES = (50, 90, 95)
MAX_ROWS = 500_000
FIELDS = (
    "id",
    "target",
    "state",
    "breached_at",
    "consumed_seconds",
    "started_at",
    "met_at",
    "due_at",
    "policy__key",
    "policy__version",
    "ticket__reference",
    *DIMENSIONS.values(),
)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (the smallest value with at least p% of values at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Attainment:
    key: str
    decided: int = 0
    met: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.decided, 1) if self.decided else None


@dataclass
class Report:
    start: dt.datetime
    end: dt.datetime
    overall: dict[str, Attainment] = field(default_factory=dict)
    by: dict[str, dict[str, list[Attainment]]] = field(default_factory=dict)
    times: dict[str, dict[str, float | None]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    causes: list[dict[str, Any]] = field(default_factory=list)
    recent_breaches: list[Breach] = field(default_factory=list)
    truncated: bool = False


def clock_rows(start: dt.datetime, end: dt.datetime) -> Any:
    return (
        Clock.objects.filter(target__in=REPORT_TARGETS, started_at__gte=start, started_at__lt=end)
        .order_by("started_at", "id")
        .values(*FIELDS)
    )


def decided(row: dict[str, Any]) -> bool:
    return row["breached_at"] is not None or row["state"] == ClockState.MET


def build(start: dt.datetime, end: dt.datetime) -> Report:
    report = Report(start=start, end=end)
    per: dict[tuple[str, str, str], Attainment] = {}
    times: dict[str, list[float]] = defaultdict(list)
    rows = 0
    for row in clock_rows(start, end)[: MAX_ROWS + 1].iterator(chunk_size=5000):
        rows += 1
        if rows > MAX_ROWS:
            report.truncated = True
            break
        target = row["target"]
        report.counts[target] = report.counts.get(target, 0) + 1
        if row["state"] == ClockState.MET:
            times[target].append(float(row["consumed_seconds"]))
        if not decided(row):
            continue
        ok = row["breached_at"] is None
        overall = report.overall.setdefault(target, Attainment(key=target))
        overall.decided += 1
        overall.met += ok
        for name, path in DIMENSIONS.items():
            value = row[path]
            key = str(value) if value is not None else ""
            item = per.setdefault((target, name, key), Attainment(key=key))
            item.decided += 1
            item.met += ok
    for (target, name, _key), item in sorted(per.items(), key=lambda kv: kv[0]):
        report.by.setdefault(target, {}).setdefault(name, []).append(item)
    for target in REPORT_TARGETS:
        values = times.get(target, [])
        report.times[target] = {f"p{p}": percentile(values, p) for p in PERCENTILES}
        report.times[target]["n"] = float(len(values))
    causes = (
        Breach.objects.filter(detected_at__gte=start, detected_at__lt=end)
        .values("target", "cause")
        .annotate(n=Count("id"))
        .order_by("target", "-n", "cause")
    )
    report.causes = [dict(row) for row in causes]
    report.recent_breaches = list(
        Breach.objects.filter(detected_at__gte=start, detected_at__lt=end)
        .select_related("ticket", "team")
        .only(
            "target",
            "cause",
            "due_at",
            "detected_at",
            "escalations",
            "ticket__reference",
            "team__name",
            "assignee_label",
        )
        .order_by("-detected_at", "-id")[:50]
    )
    return report


def cause_totals(report: Report) -> Counter[str]:
    totals: Counter[str] = Counter()
    for row in report.causes:
        totals[row["cause"]] += row["n"]
    return totals


CSV_HEADER = [
    "reference",
    "target",
    "policy",
    "team",
    "channel",
    "category",
    "priority",
    "started_at",
    "due_at",
    "met_at",
    "breached_at",
    "state",
    "business_seconds",
    "attained",
]


def csv_rows(start: dt.datetime, end: dt.datetime) -> Iterator[list[str]]:
    yield CSV_HEADER
    for row in clock_rows(start, end).iterator(chunk_size=5000):
        yield [
            row["ticket__reference"],
            row["target"],
            f"{row['policy__key']} v{row['policy__version']}",
            row["ticket__team__name"] or "",
            row["ticket__channel"],
            row["ticket__category"],
            f"P{row['ticket__priority']}",
            _iso(row["started_at"]),
            _iso(row["due_at"]),
            _iso(row["met_at"]),
            _iso(row["breached_at"]),
            row["state"],
            str(row["consumed_seconds"]),
            ("yes" if row["breached_at"] is None else "no") if decided(row) else "",
        ]


def _iso(moment: dt.datetime | None) -> str:
    return moment.isoformat() if moment else ""
