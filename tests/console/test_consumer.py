"""The live console socket: who may connect, presence between agents, case events after commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser, User
from django.db import connections
from django.test import Client

from playerdesk.core.models import Team
from playerdesk.routing import websocket_urlpatterns
from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
async def _fresh_layer() -> Any:
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        await layer.flush()
    yield
    # Close the connection opened by database_sync_to_async's worker thread (persistent on PostgreSQL).
    await database_sync_to_async(connections.close_all)()


def socket_for(user: Any) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/desk/")
    communicator.scope["user"] = user
    return communicator


async def connected(user: Any) -> WebsocketCommunicator:
    communicator = socket_for(user)
    ok, _ = await communicator.connect()
    assert ok
    return communicator


async def receive_until(communicator: WebsocketCommunicator, kind: str, timeout: float = 2) -> dict[str, Any]:
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message.get("kind") == kind:
            return message


async def test_anonymous_is_refused() -> None:
    communicator = socket_for(AnonymousUser())
    ok, _ = await communicator.connect()
    assert not ok


async def test_user_without_agent_profile_is_refused() -> None:
    user = await database_sync_to_async(User.objects.create_user)("visitor", "v@example.com", "x" * 12)
    communicator = socket_for(user)
    ok, _ = await communicator.connect()
    assert not ok


async def test_real_stack_authenticates_with_the_session_cookie(agent: User) -> None:
    from playerdesk.asgi import application

    client = Client()
    await database_sync_to_async(client.force_login)(agent)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    communicator = WebsocketCommunicator(
        application, "/ws/desk/", headers=[(b"cookie", cookie), (b"origin", b"http://127.0.0.1:8000")]
    )
    ok, _ = await communicator.connect()
    assert ok
    await communicator.disconnect()
    anonymous = WebsocketCommunicator(
        application, "/ws/desk/", headers=[(b"origin", b"http://127.0.0.1:8000")]
    )
    ok, _ = await anonymous.connect()
    assert not ok


async def test_two_agents_see_each_other_typing(
    agent: User, make_agent: Callable[..., User], team: Team, ticket: Ticket
) -> None:
    bob = await database_sync_to_async(make_agent)("bob", teams=[team])
    alice_ws = await connected(agent)
    bob_ws = await connected(bob)
    await alice_ws.send_json_to({"type": "watch", "ticket": ticket.pk})
    assert (await receive_until(alice_ws, "watching"))["ticket"] == ticket.pk
    await bob_ws.send_json_to({"type": "watch", "ticket": ticket.pk})
    await receive_until(bob_ws, "watching")
    # Alice learns that Bob opened the case.
    seen = await receive_until(alice_ws, "presence")
    assert seen == {
        "kind": "presence",
        "ticket": ticket.pk,
        "state": "viewing",
        "agent": "Bob",
        "user": bob.pk,
    }

    await bob_ws.send_json_to({"type": "typing", "ticket": ticket.pk})
    typing = await receive_until(alice_ws, "presence")
    assert typing["state"] == "typing" and typing["agent"] == "Bob"
    await alice_ws.send_json_to({"type": "typing"})
    typing = await receive_until(bob_ws, "presence")
    assert typing["state"] == "typing" and typing["agent"] == "Alice"
    # Nobody hears their own presence.
    assert await alice_ws.receive_nothing(timeout=0.2)
    await alice_ws.disconnect()
    await bob_ws.disconnect()


async def test_cannot_watch_a_case_out_of_sight(
    agent: User, make_ticket: Callable[..., Ticket], other_team: Team
) -> None:
    foreign = await database_sync_to_async(make_ticket)("Not yours", team=other_team)
    ws = await connected(agent)
    for bad in [foreign.pk, 999_999, "1", None, -3]:
        await ws.send_json_to({"type": "watch", "ticket": bad})
        assert (await ws.receive_json_from())["kind"] == "error"
    # Garbage frames are ignored, the connection stays usable.
    await ws.send_to(text_data="{not json")
    await ws.send_to(text_data="x" * 10_000)
    await ws.send_json_to(["a", "list"])
    await ws.send_json_to({"type": "typing"})
    assert await ws.receive_nothing(timeout=0.2)
    await ws.disconnect()


async def test_an_action_on_the_case_reaches_the_watcher(
    agent: User, supervisor: User, ticket: Ticket
) -> None:
    ws = await connected(agent)
    await ws.send_json_to({"type": "watch", "ticket": ticket.pk})
    await receive_until(ws, "watching")
    await database_sync_to_async(actions.do_change_priority)(ticket, 1, actor=supervisor)
    event = await receive_until(ws, "ticket")
    assert event["id"] == ticket.pk
    fresh = await database_sync_to_async(Ticket.objects.get)(pk=ticket.pk)
    # The desk-wide event and the case event both arrive; the case one carries the new position.
    events = [event]
    if "seq" not in event:
        events.append(await receive_until(ws, "ticket"))
    assert any(e.get("seq") == fresh.last_event_seq for e in events)
    await ws.disconnect()


async def test_desk_events_reach_every_agent(agent: User, make_ticket: Callable[..., Ticket]) -> None:
    ws = await connected(agent)
    created = await database_sync_to_async(make_ticket)("Brand new case")
    event = await receive_until(ws, "ticket")
    assert event["id"] == created.pk
    assert event.get("reference") == created.reference or event.get("seq")
    await ws.disconnect()
