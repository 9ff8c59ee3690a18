"""Business-time arithmetic: days, weekends, Canadian and provincial holidays, closures, DST."""

from __future__ import annotations

import datetime as dt

import pytest

from playerdesk.sla.calendars import Hours, parse_hours
from playerdesk.sla.models import Calendar
from tests.sla.conftest import TORONTO, hours_of, local

HOUR = 3600


def test_business_hours_carry_over_to_the_next_day(business: Calendar) -> None:
    hours = hours_of(business)
    # Monday 16:00 + 2 business hours = Tuesday 10:00 (open 09:00-17:00).
    assert hours.add(local(2026, 3, 2, 16, 0), 2 * HOUR) == local(2026, 3, 3, 10, 0)
    # Before opening: counted from 09:00.
    assert hours.add(local(2026, 3, 3, 6, 0), 1 * HOUR) == local(2026, 3, 3, 10, 0)
    # A full business day (8 h) from Monday 10:00 is Tuesday 10:00.
    assert hours.add(local(2026, 3, 2, 10, 0), 8 * HOUR) == local(2026, 3, 3, 10, 0)


def test_weekends_are_skipped(business: Calendar) -> None:
    hours = hours_of(business)
    assert hours.add(local(2026, 3, 13, 16, 30), 1 * HOUR) == local(2026, 3, 16, 9, 30)  # Fri → Mon
    assert hours.add(local(2026, 3, 14, 12, 0), 1 * HOUR) == local(2026, 3, 16, 10, 0)  # Saturday start
    assert hours.between(local(2026, 3, 13, 16, 0), local(2026, 3, 16, 10, 0)) == 2 * HOUR


def test_canada_day_is_closed(business: Calendar) -> None:
    hours = hours_of(business)
    # Tuesday 30 June 16:00 + 2 h: Wednesday 1 July is Canada Day → Thursday 10:00.
    assert hours.add(local(2026, 6, 30, 16, 0), 2 * HOUR) == local(2026, 7, 2, 10, 0)
    assert hours.between(local(2026, 7, 1, 0, 0), local(2026, 7, 2, 0, 0)) == 0


def test_saint_jean_baptiste_closes_quebec_only(business: Calendar, quebec: Calendar) -> None:
    start = local(2026, 6, 23, 16, 0)  # Tuesday; Wednesday 24 June is la Saint-Jean-Baptiste
    assert hours_of(quebec).add(start, 2 * HOUR) == local(2026, 6, 25, 10, 0)
    assert hours_of(business).add(start, 2 * HOUR) == local(2026, 6, 24, 10, 0)  # Ontario works


def test_custom_closures(business: Calendar) -> None:
    business.closures.create(date=dt.date(2026, 3, 3), name="Office move")
    assert hours_of(business).add(local(2026, 3, 2, 16, 0), 2 * HOUR) == local(2026, 3, 4, 10, 0)


def test_dst_change_days(business: Calendar) -> None:
    hours = hours_of(business)
    # Spring forward on Sunday 8 March 2026: Friday 16:00 EST + 2 h = Monday 10:00 EDT (14:00 UTC).
    due = hours.add(local(2026, 3, 6, 16, 0), 2 * HOUR)
    assert due == local(2026, 3, 9, 10, 0)
    assert due.astimezone(dt.UTC).hour == 14
    # Fall back on Sunday 1 November 2026: Friday 16:00 EDT + 2 h = Monday 10:00 EST (15:00 UTC).
    due = hours.add(local(2026, 10, 30, 16, 0), 2 * HOUR)
    assert due == local(2026, 11, 2, 10, 0) and due.astimezone(dt.UTC).hour == 15
    # 24/7 counts real hours: the spring-forward day has 23 of them.
    always = Hours.always()
    assert always.add(local(2026, 3, 7, 12, 0), 24 * HOUR) == local(2026, 3, 8, 13, 0)
    # Night hours across the gap (02:00-03:00 does not exist that night): 01:00-04:00 is 2 real hours.
    night = Calendar.objects.create(slug="night", name="Night", observe_holidays=False)
    night.intervals.create(weekday=6, start=dt.time(1, 0), end=dt.time(4, 0))
    assert hours_of(night).between(local(2026, 3, 8, 0, 0), local(2026, 3, 8, 12, 0)) == 2 * HOUR
    assert hours_of(night).between(local(2026, 11, 1, 0, 0), local(2026, 11, 1, 12, 0)) == 4 * HOUR


def test_add_and_between_agree(business: Calendar) -> None:
    hours = hours_of(business)
    start = local(2026, 6, 26, 11, 17)
    for seconds in (60, 5 * HOUR, 40 * HOUR, 200 * HOUR):
        assert hours.between(start, hours.add(start, seconds)) == pytest.approx(seconds)


def test_several_intervals_a_day_and_midnight() -> None:
    assert parse_hours("13:00-17:00, 09:00-12:00") == [
        (dt.time(9), dt.time(12)),
        (dt.time(13), dt.time(17)),
    ]
    assert parse_hours("18:00-24:00") == [(dt.time(18), dt.time(0))]
    assert parse_hours("") == []
    for bad in ("9-8", "09:00-12:00, 11:00-13:00", "noon-five", "25:00-26:00"):
        with pytest.raises(ValueError):
            parse_hours(bad)
    hours = Hours(
        tz=TORONTO,
        intervals={0: ((dt.time(9), dt.time(12)), (dt.time(13), dt.time(17)))},
        observe_holidays=False,
    )
    # Monday 11:00 + 2 h skips lunch: 11-12, then 13-14.
    assert hours.add(local(2026, 3, 2, 11, 0), 2 * HOUR) == local(2026, 3, 2, 14, 0)
