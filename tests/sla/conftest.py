"""Fixtures of the service-standards tests: Toronto times, calendars as installed by default."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from playerdesk.sla.calendars import Hours
from playerdesk.sla.clocks import calendars_with_hours
from playerdesk.sla.models import Calendar

TORONTO = ZoneInfo("America/Toronto")


def local(*args: int) -> dt.datetime:
    """An aware Toronto time: local(2026, 6, 30, 16, 0)."""
    return dt.datetime(*args, tzinfo=TORONTO)  # type: ignore[misc]


def hours_of(calendar: Calendar) -> Hours:
    return Hours.of(calendars_with_hours().get(pk=calendar.pk))


@pytest.fixture
def business(db: Any) -> Calendar:
    return Calendar.objects.get(slug="business-hours")


@pytest.fixture
def quebec(db: Any, business: Calendar) -> Calendar:
    calendar = Calendar.objects.create(
        slug="quebec", name="Québec", province="QC", time_zone="America/Toronto"
    )
    for item in business.intervals.all():
        calendar.intervals.create(weekday=item.weekday, start=item.start, end=item.end)
    return calendar


def utc(*args: int) -> dt.datetime:
    """A Toronto wall-clock time as the UTC instant the desk stores: utc(2026, 3, 2, 10, 0)."""
    return local(*args).astimezone(dt.UTC)


@pytest.fixture
def at() -> Any:
    """``with at(2026, 3, 2, 10, 0):`` freezes the desk clock at a Toronto wall-clock time."""
    from playerdesk.core import clock

    def freeze(*args: int) -> Any:
        return clock.frozen(utc(*args))

    return freeze
