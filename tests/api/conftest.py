"""API fixtures: tokens of every role and a client that sends them as bearer tokens."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from playerdesk.api.actions import do_create_token


class ApiClient:
    """A Django test client that authenticates with ``token`` and speaks JSON."""

    def __init__(self, token: str | None, **client_kwargs: Any) -> None:
        self.token = token
        self.client = Client(**client_kwargs)

    def headers(self, extra: dict[str, str]) -> dict[str, str]:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra)
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None, **extra: str) -> Any:
        return self.client.get(path, params or {}, **self.headers(extra))

    def post(self, path: str, data: Any = None, **extra: str) -> Any:
        body = data if isinstance(data, bytes | str) else json.dumps(data)
        return self.client.post(path, body, content_type="application/json", **self.headers(extra))


@pytest.fixture
def make_token(db: Any) -> Callable[..., str]:
    def make(role: str, user: User | None = None, name: str = "") -> str:
        token, _ = do_create_token(name or f"{role} token", role, user=user)
        return token

    return make


@pytest.fixture
def api_for(make_token: Callable[..., str]) -> Callable[..., ApiClient]:
    def make(role: str, user: User | None = None, **client_kwargs: Any) -> ApiClient:
        return ApiClient(make_token(role, user), **client_kwargs)

    return make


@pytest.fixture
def service_api(api_for: Callable[..., ApiClient]) -> ApiClient:
    return api_for("service")


@pytest.fixture
def agent_api(api_for: Callable[..., ApiClient], agent: User) -> ApiClient:
    return api_for("agent", agent)


@pytest.fixture
def new_ticket_payload() -> dict[str, Any]:
    return {
        "subject": "Withdrawal still pending",
        "body": "I asked for a withdrawal of $200 three days ago and it is still pending.",
        "email": "pat@example.com",
        "name": "Pat Player",
    }
