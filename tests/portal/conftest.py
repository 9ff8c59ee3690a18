from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings: Any) -> Iterator[None]:
    """Each test gets its own empty cache, so rate-limit counters never leak between tests."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"portal-test-{next(_ids)}",
        }
    }
    yield
