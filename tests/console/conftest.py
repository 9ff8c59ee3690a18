"""Console fixtures: logged-in clients for an agent, a supervisor and a plain user without a profile."""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

# channels.testing imports its live-server test case, which needs daphne (PlayerDesk serves ASGI with
# uvicorn and does not install it). The WebSocket communicator used here does not need it.
if importlib.util.find_spec("daphne") is None and "daphne.testing" not in sys.modules:
    _daphne = types.ModuleType("daphne")
    _daphne_testing = types.ModuleType("daphne.testing")
    _daphne_testing.DaphneProcess = None  # type: ignore[attr-defined]
    _daphne.testing = _daphne_testing  # type: ignore[attr-defined]
    sys.modules["daphne"] = _daphne
    sys.modules["daphne.testing"] = _daphne_testing


@pytest.fixture
def login() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def supervisor_client(supervisor: User, login: Callable[[User], Client]) -> Client:
    return login(supervisor)


@pytest.fixture
def plain_user(db: Any) -> User:
    return User.objects.create_user("visitor", "visitor@example.com", "correct-horse-battery")
