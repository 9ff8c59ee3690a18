"""Rate limits: fixed-window counters in the shared cache (Redis when scaled out), so limits hold across
processes. The portal's forms, the document upload page, the chat and the API count their attempts here
(a caller that wants windows aligned on the clock puts the window's number in the value)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest

PREFIX = "portal-rl"  # the keys' prefix since the portal's first limits (a new one would reset them)


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(scope: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]
    return f"{PREFIX}:{scope}:{digest}"


def hit(scope: str, value: str, *, limit: int, window: int) -> bool:
    """Count one attempt for ``value`` in ``scope``; False once more than ``limit`` happened in the window."""
    key = _key(scope, value)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit


def allowed(checks: list[tuple[str, str, int, int]]) -> bool:
    """Count every check (scope, value, limit, window seconds) and allow only if all are under the limit."""
    results = [
        hit(scope, value, limit=limit, window=window) for scope, value, limit, window in checks if value
    ]
    return all(results)
