"""Keyset cursors: the ordering key of the last row of a page (priority, a moment, an id…) as an opaque,
URL-safe token. Decoding checks the token's shape and types and never trusts it: anything else is a
``BadCursor``, which the screens and the API answer with a clear 400."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

MAX_CHARS = 200
# Kinds of a key's parts, for ``decode``: a positive integer, an aware moment, an aware moment or null;
# any other string is a marker the token must hold as it is.
INT = "int"
MOMENT = "moment"
MOMENT_OR_NONE = "moment?"


class BadCursor(ValueError):
    pass


def encode(*key: int | str | dt.datetime | None) -> str:
    values = [value.isoformat() if isinstance(value, dt.datetime) else value for value in key]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(raw: str, *kinds: str) -> list[Any]:
    """The key in ``raw``, one value per kind (``INT``, ``MOMENT``, ``MOMENT_OR_NONE`` or a marker)."""
    if not raw or len(raw) > MAX_CHARS:
        raise BadCursor("cursor")
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("cursor") from exc
    if not isinstance(data, list) or len(data) != len(kinds):
        raise BadCursor("cursor")
    return [_value(kind, value) for kind, value in zip(kinds, data, strict=True)]


def _value(kind: str, value: Any) -> Any:
    if kind == INT:
        if type(value) is not int or not 1 <= value < 2**63:
            raise BadCursor("cursor")
        return value
    if kind in (MOMENT, MOMENT_OR_NONE):
        if value is None and kind == MOMENT_OR_NONE:
            return None
        if not isinstance(value, str):
            raise BadCursor("cursor")
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise BadCursor("cursor") from exc
        if moment.tzinfo is None:
            raise BadCursor("cursor")
        return moment
    if value != kind:
        raise BadCursor("cursor")
    return value
