"""Chat fixtures: sockets for players (widget) and agents, agents ready to take chats."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from django.contrib.auth.models import User
from django.db import connections

import tests.console.conftest  # noqa: F401  (registers the daphne.testing stub channels.testing needs)
from playerdesk.chat.identity import sign_player_token
from playerdesk.core.actions import do_set_agent_status
from playerdesk.core.models import AgentStatus
from playerdesk.routing import websocket_urlpatterns, widget_websocket_urlpatterns

_cids = itertools.count(1)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session", autouse=True)
def _own_channel_layer() -> None:
    """With Redis, each test process gets its own channel-layer prefix: parallel workers share the Redis
    server, and their agents (same ids in each test database) must not hear each other's chats."""
    from channels.layers import channel_layers
    from django.conf import settings

    layer = settings.CHANNEL_LAYERS["default"]
    if "Redis" in layer["BACKEND"]:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        layer["CONFIG"]["prefix"] = f"{layer['CONFIG'].get('prefix', 'pd')}-{worker}"
        channel_layers.backends.pop("default", None)


@pytest.fixture
async def fresh_layer() -> Any:
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        await layer.flush()
    yield layer
    await database_sync_to_async(connections.close_all)()


def cid() -> str:
    return f"c{next(_cids)}"


def widget() -> Any:
    from channels.testing import WebsocketCommunicator

    return WebsocketCommunicator(URLRouter(widget_websocket_urlpatterns), "/ws/chat/")


def agent_socket(user: User) -> Any:
    from channels.testing import WebsocketCommunicator

    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/chat/agent/")
    communicator.scope["user"] = user
    return communicator


async def receive_until(ws: Any, frame_type: str, /, timeout: float = 10, **match: Any) -> dict[str, Any]:
    """The next frame of this type (and these values), skipping others."""
    while True:
        frame = await ws.receive_json_from(timeout=timeout)
        if frame.get("type") == frame_type and all(frame.get(k) == v for k, v in match.items()):
            return frame


def token_for(external_id: str = "P-1001", **kwargs: Any) -> str:
    defaults = {"email": "marie@example.ca", "first_name": "Marie", "last_name": "Tremblay", "locale": "fr"}
    defaults.update(kwargs)
    return sign_player_token(external_id, **defaults)


@pytest.fixture
def chat_agent(make_agent: Callable[..., User]) -> User:
    """An agent who is online (status) and may take chats in English and French."""
    user = make_agent("olivia", languages=["en", "fr"])
    do_set_agent_status(user.agent, AgentStatus.ONLINE)
    return user


@pytest.fixture
def online_agent(make_agent: Callable[..., User]) -> Callable[..., User]:
    def make(username: str, **kwargs: Any) -> User:
        kwargs.setdefault("languages", ["en", "fr"])
        user = make_agent(username, **kwargs)
        do_set_agent_status(user.agent, AgentStatus.ONLINE)
        return user

    return make
