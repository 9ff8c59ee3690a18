"""Explicit, ordered hook lists: how a lower layer lets the layers above it react without importing them.

``settings.HOOKS`` names each list and gives its functions as dotted paths, in the order they run (the
case page's panels, what follows a change to a case, the channels that deliver a reply…). The layer that
owns a list documents what its functions receive and return; a Django signal is never used for this.
Every call up the layers goes through ``run`` or ``first`` (a test follows an email through the desk and
checks that no other call climbs a layer).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


def run(name: str, /, *args: Any, **kwargs: Any) -> list[Any]:
    """Call every function of the list ``name`` in order; their results, in the same order."""
    return [function(*args, **kwargs) for function in _functions(name)]


def first(name: str, /, *args: Any, **kwargs: Any) -> Any:
    """Call the functions of the list ``name`` in order until one returns something other than None."""
    for function in _functions(name):
        result = function(*args, **kwargs)
        if result is not None:
            return result
    return None


def _functions(name: str) -> tuple[Callable[..., Any], ...]:
    return _load(tuple(settings.HOOKS[name]))


@functools.cache
def _load(paths: tuple[str, ...]) -> tuple[Callable[..., Any], ...]:
    return tuple(import_string(path) for path in paths)
