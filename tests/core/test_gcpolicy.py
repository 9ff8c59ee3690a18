"""The web process's cycle collector: what it loaded at start is frozen, the young generation is large."""

from __future__ import annotations

import gc

from playerdesk.core import gcpolicy


def test_the_policy_freezes_the_loaded_heap_and_widens_the_young_generation() -> None:
    thresholds = gc.get_threshold()
    try:
        gcpolicy.apply()
        assert gc.get_threshold() == (gcpolicy.YOUNG, gcpolicy.MIDDLE, gcpolicy.OLD)
        assert gc.get_freeze_count() > 10_000  # modules, settings, URL maps: never walked again
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
