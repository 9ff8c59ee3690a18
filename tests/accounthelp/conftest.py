"""Fixtures of the account-help tests: those of the player tests (operator tokens, a pushed player with
transactions, the responsible-gambling team); the helpers are imported from ``tests.players.conftest``."""

from __future__ import annotations

from tests.players.conftest import account, api_for, rg_team, service_api

__all__ = ["account", "api_for", "rg_team", "service_api"]
