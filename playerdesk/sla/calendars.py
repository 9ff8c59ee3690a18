"""Business-time arithmetic: add business seconds to an instant, count business seconds between two.

Intervals are local wall-clock times of the calendar's time zone, turned into UTC day by day, so DST
change days have the length they really have. Closed days are public holidays of Canada (and of the
calendar's province) from the ``holidays`` package plus the calendar's own closures.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays
from django.utils.translation import gettext, ngettext

from playerdesk.sla.models import Calendar

UTC = dt.UTC
# A calendar with business hours on at least one weekday always finds one within this many days.
MAX_DAYS = 3 * 366


class NoBusinessHours(ValueError):
    """The calendar has no business hours at all (no interval on any weekday)."""


@functools.lru_cache(maxsize=256)
def public_holidays(province: str, year: int) -> frozenset[dt.date]:
    """Public holidays of Canada (federal, plus the province's own when given) for one year."""
    table = holidays.country_holidays("CA", subdiv=province or None, years=year)
    return frozenset(table.keys())


@dataclass(frozen=True)
class Hours:
    """A calendar loaded for computation (no database access once built)."""

    tz: ZoneInfo
    always_open: bool = False
    province: str = ""
    observe_holidays: bool = True
    # weekday → sorted (start, end) local times; end == 00:00 means midnight at the end of the day.
    intervals: dict[int, tuple[tuple[dt.time, dt.time], ...]] = field(default_factory=dict)
    closures: frozenset[dt.date] = frozenset()

    @classmethod
    def always(cls) -> Hours:
        return cls(tz=ZoneInfo("UTC"), always_open=True)

    @classmethod
    def of(cls, calendar: Calendar | None) -> Hours:
        """Build from a calendar whose intervals and closures are prefetched (None: 24/7)."""
        if calendar is None or calendar.always_open:
            return cls.always()
        by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for item in calendar.intervals.all():
            by_day.setdefault(item.weekday, []).append((item.start, item.end))
        return cls(
            tz=ZoneInfo(calendar.time_zone),
            province=calendar.province,
            observe_holidays=calendar.observe_holidays,
            intervals={day: tuple(sorted(spans)) for day, spans in by_day.items()},
            closures=frozenset(c.date for c in calendar.closures.all()),
        )

    def is_closed(self, day: dt.date) -> bool:
        if day in self.closures:
            return True
        return self.observe_holidays and day in public_holidays(self.province, day.year)

    def windows(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Open stretches (UTC) that end after ``start``, in order, clipped to begin no earlier."""
        if not any(self.intervals.values()):
            raise NoBusinessHours("This calendar has no business hours.")
        start = start.astimezone(UTC)
        day = start.astimezone(self.tz).date() - dt.timedelta(days=1)  # a stretch may cross midnight
        for _ in range(MAX_DAYS):
            if not self.is_closed(day):
                for begin, end in self.intervals.get(day.weekday(), ()):
                    opens = dt.datetime.combine(day, begin, tzinfo=self.tz).astimezone(UTC)
                    close_day = day + dt.timedelta(days=1) if end <= begin else day
                    closes = dt.datetime.combine(close_day, end, tzinfo=self.tz).astimezone(UTC)
                    if closes <= start:
                        continue
                    yield max(opens, start), closes
            day += dt.timedelta(days=1)
        raise NoBusinessHours("No business hours within three years.")

    def add(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The instant (UTC) when ``seconds`` of business time have passed after ``start``."""
        start = start.astimezone(UTC)  # aware arithmetic in a local zone would be wall-clock arithmetic
        if self.always_open:
            return start + dt.timedelta(seconds=seconds)
        if seconds <= 0:
            return start
        left = dt.timedelta(seconds=seconds)
        for opens, closes in self.windows(start):
            span = closes - opens
            if span >= left:
                return opens + left
            left -= span
        raise NoBusinessHours("No business hours within three years.")  # pragma: no cover

    def between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Business seconds in [start, end)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return 0.0
        if self.always_open:
            return (end - start).total_seconds()
        total = 0.0
        for opens, closes in self.windows(start):
            if opens >= end:
                break
            total += (min(closes, end) - opens).total_seconds()
        return total

    def is_open(self, moment: dt.datetime) -> bool:
        if self.always_open:
            return True
        opens, _closes = next(self.windows(moment))
        return opens <= moment

    def day_seconds(self) -> int:
        """Length of a full business day (the longest weekday), to express targets in business days."""
        if self.always_open:
            return 24 * 3600
        longest = 0
        for spans in self.intervals.values():
            total = 0
            for begin, end in spans:
                b = begin.hour * 3600 + begin.minute * 60
                e = end.hour * 3600 + end.minute * 60 if end > begin else 24 * 3600
                total += e - b
            longest = max(longest, total)
        return longest


def parse_hours(text: str) -> list[tuple[dt.time, dt.time]]:
    """``"09:00-12:00, 13:00-17:00"`` → intervals; empty text → closed. Raises ValueError."""
    spans: list[tuple[dt.time, dt.time]] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if part.count("-") != 1:
            raise ValueError(f"{part!r} is not a time range like 09:00-17:00.")
        a, b = (p.strip() for p in part.split("-"))
        begin = _parse_time(a)
        end = dt.time(0, 0) if b in {"24:00", "24"} else _parse_time(b)
        if end != dt.time(0, 0) and end <= begin:
            raise ValueError(f"{part!r} ends before it starts.")
        spans.append((begin, end))
    spans.sort()
    for (_b1, e1), (b2, _e2) in zip(spans, spans[1:], strict=False):
        if e1 == dt.time(0, 0) or e1 > b2:
            raise ValueError("Time ranges of one day must not overlap.")
    return spans


def _parse_time(raw: str) -> dt.time:
    try:
        return dt.time.fromisoformat(raw if len(raw) > 2 else f"{int(raw):02d}:00")
    except ValueError as exc:
        raise ValueError(f"{raw!r} is not a time like 09:00.") from exc


def format_hours(spans: list[tuple[dt.time, dt.time]] | tuple[tuple[dt.time, dt.time], ...]) -> str:
    return ", ".join(f"{b:%H:%M}-{'24:00' if e == dt.time(0, 0) else format(e, '%H:%M')}" for b, e in spans)


def duration(seconds: float, day_seconds: int = 24 * 3600, business: bool = False) -> str:
    """A short human duration: "3 min", "2 h 30 min", "1 business day", "5 days"."""
    seconds = abs(int(seconds))
    if seconds < 60:
        return gettext("%(n)s s") % {"n": seconds}
    minutes = seconds // 60
    if day_seconds and seconds >= day_seconds and seconds % day_seconds == 0:
        days = seconds // day_seconds
        if business:
            return ngettext("%(n)s business day", "%(n)s business days", days) % {"n": days}
        return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return gettext("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    if hours:
        return gettext("%(h)s h") % {"h": hours}
    return gettext("%(m)s min") % {"m": minutes}
