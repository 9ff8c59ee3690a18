"""The desk's one error type for refused requests."""

from __future__ import annotations


class ActionError(ValueError):
    """A request the desk refuses, with a message fit to show to the person who asked."""
