"""Explicit, ordered hook lists: how a lower layer lets the layers above it react without importing them.

``settings.HOOKS`` names each list and gives its functions as dotted paths, in the order they run (the
case page's panels, what follows a change to a case, the channels that deliver a reply…). The layer that
owns a list documents what its functions receive and return; a Django signal is never used for this.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


def hooks(name: str) -> tuple[Callable[..., Any], ...]:
    """The functions of the hook list ``name``, imported once per list of paths."""
    return _load(tuple(settings.HOOKS[name]))


@functools.cache
def _load(paths: tuple[str, ...]) -> tuple[Callable[..., Any], ...]:
    return tuple(import_string(path) for path in paths)
