"""Keyset cursors: what is encoded comes back; anything else is refused as a BadCursor."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from playerdesk.core import cursors

MOMENT = dt.datetime(2026, 12, 7, 10, 30, tzinfo=dt.UTC)


def _token(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_round_trip() -> None:
    raw = cursors.encode(2, MOMENT, 991)
    assert cursors.decode(raw, cursors.INT, cursors.MOMENT, cursors.INT) == [2, MOMENT, 991]
    raw = cursors.encode("due", None, 5)
    assert cursors.decode(raw, "due", cursors.MOMENT_OR_NONE, cursors.INT) == ["due", None, 5]


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "x" * 201,
        "%%%",
        _token({"p": 1}),
        _token([1, MOMENT.isoformat()]),  # too short
        _token([1, "2026-12-07T10:30:00", 3]),  # no time zone
        _token([1, "yesterday", 3]),
        _token(["1", MOMENT.isoformat(), 3]),  # a string where a number goes
        _token([True, MOMENT.isoformat(), 3]),
        _token([1, MOMENT.isoformat(), 0]),  # ids start at 1
        _token([1, MOMENT.isoformat(), 2**63]),
        _token([1, None, 3]),  # null only where a moment may be missing
    ],
)
def test_anything_else_is_refused(raw: str) -> None:
    with pytest.raises(cursors.BadCursor):
        cursors.decode(raw, cursors.INT, cursors.MOMENT, cursors.INT)


def test_a_marker_must_match() -> None:
    with pytest.raises(cursors.BadCursor):
        cursors.decode(cursors.encode("all", None, 5), "due", cursors.MOMENT_OR_NONE, cursors.INT)
