"""The WebSocket entry as a browser meets it (``playerdesk.asgi.application``): which page may open which
socket, unknown paths, and the agent found from the session cookie alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client

from playerdesk.core import clock, totp
from playerdesk.core.models import AgentProfile
from tests.chat.conftest import receive_until
from tests.conftest import signed_in_with_code

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]
SITE = b"http://127.0.0.1:8000"


def socket(path: str, *headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    from playerdesk.asgi import application

    return WebsocketCommunicator(application, path, headers=list(headers))


async def opens(path: str, *headers: tuple[bytes, bytes]) -> bool:
    communicator = socket(path, *headers)
    ok, _ = await communicator.connect()
    if ok:
        await communicator.disconnect()
    return bool(ok)


async def cookie_for(user: User, *, with_code: bool = False) -> tuple[bytes, bytes]:
    """The session cookie of ``user`` signed in (``with_code``: through the second step too)."""

    def sign_in() -> str:
        if with_code:
            client = signed_in_with_code(user)
        else:
            client = Client()
            client.force_login(user)
        return str(client.cookies["sessionid"].value)

    return b"cookie", f"sessionid={await database_sync_to_async(sign_in)()}".encode()


async def test_the_widget_opens_from_the_operators_sites_only(fresh_layer: Any, settings: Any) -> None:
    settings.WIDGET_ORIGINS = ["https://casino.example"]
    assert await opens("/ws/chat/", (b"origin", b"https://casino.example"))
    assert await opens("/ws/chat/", (b"origin", SITE))  # the demo page, on this site
    assert await opens("/ws/chat/")  # no browser, no origin: identity is proven in the hello frame
    assert not await opens("/ws/chat/", (b"origin", b"https://evil.example"))


async def test_staff_sockets_open_from_this_site_with_a_signed_in_agent(
    fresh_layer: Any, chat_agent: User, make_agent: Callable[..., User]
) -> None:
    cookie = await cookie_for(chat_agent)
    ws = socket("/ws/chat/agent/", cookie, (b"origin", SITE))
    ok, _ = await ws.connect()
    assert ok
    await ws.send_json_to({"type": "hello"})
    inbox = await receive_until(ws, "inbox")
    assert inbox["chats"] == []
    await ws.disconnect()
    assert await opens("/ws/desk/", cookie, (b"origin", SITE))
    # Another site's page cannot use the agent's cookie, nor can a client that hides its origin.
    assert not await opens("/ws/chat/agent/", cookie, (b"origin", b"https://casino.example"))
    assert not await opens("/ws/chat/agent/", cookie)
    assert not await opens("/ws/desk/", cookie, (b"origin", b"https://evil.example"))
    # No session, a forged one, or a signed-in user who is not an agent: refused.
    assert not await opens("/ws/chat/agent/", (b"origin", SITE))
    assert not await opens("/ws/chat/agent/", (b"cookie", b"sessionid=forged"), (b"origin", SITE))
    visitor = await database_sync_to_async(User.objects.create_user)("visitor", "v@example.com", "x" * 12)
    assert not await opens("/ws/chat/agent/", await cookie_for(visitor), (b"origin", SITE))


async def test_a_password_change_signs_the_agent_out_of_new_sockets(
    fresh_layer: Any, chat_agent: User
) -> None:
    cookie = await cookie_for(chat_agent)

    def change() -> None:
        chat_agent.set_password("a brand new passphrase")
        chat_agent.save()

    await database_sync_to_async(change)()
    assert not await opens("/ws/chat/agent/", cookie, (b"origin", SITE))


async def test_unknown_paths_are_closed(fresh_layer: Any) -> None:
    assert not await opens("/ws/nothing/", (b"origin", SITE))
    assert not await opens("/ws/chat/agent/extra/", (b"origin", SITE))


async def test_staff_sockets_need_two_step_sign_in_when_the_desk_requires_it(
    fresh_layer: Any, settings: Any, chat_agent: User
) -> None:
    cookie = await cookie_for(chat_agent)
    settings.STAFF_2FA_REQUIRED = True
    assert not await opens("/ws/chat/agent/", cookie, (b"origin", SITE))
    assert not await opens("/ws/desk/", cookie, (b"origin", SITE))

    def turn_on() -> None:
        AgentProfile.objects.filter(user=chat_agent).update(
            totp_secret=totp.seal(totp.new_secret()), totp_enabled_at=clock.now()
        )

    await database_sync_to_async(turn_on)()
    # The session signed in before the second step was turned on: it is not enough.
    assert not await opens("/ws/chat/agent/", cookie, (b"origin", SITE))
    verified = await cookie_for(chat_agent, with_code=True)
    assert await opens("/ws/chat/agent/", verified, (b"origin", SITE))
    assert await opens("/ws/desk/", verified, (b"origin", SITE))
