"""Who is chatting: signed player tokens (forged, expired, tampered, replayed ones refused), guests with
no account data, and no way to read or write another player's chat."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import User

from playerdesk.chat.identity import sign_player_token
from playerdesk.chat.models import ChatEntry, Conversation
from playerdesk.players.models import Player
from tests.chat.conftest import agent_socket, cid, receive_until, token_for, widget

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]


async def hello(frame: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    ws = widget()
    assert (await ws.connect())[0]
    await ws.send_json_to({"type": "hello", **frame})
    return ws, await ws.receive_json_from(timeout=3)


async def assert_refused(token: str, code: str) -> None:
    ws, reply = await hello({"token": token})
    assert reply["type"] == "error" and reply["code"] == code and reply["fatal"] is True, reply
    assert reply["message"]
    closed = await ws.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": 4401}


async def test_a_valid_token_links_the_chat_to_the_player(fresh_layer: Any, player: Player) -> None:
    ws, welcome = await hello({"token": token_for("P-1001"), "lang": "fr"})
    assert welcome["type"] == "welcome" and welcome["identity"] == "player"
    assert welcome["name"] == "Marie Tremblay" and welcome["key"]
    await ws.send_json_to({"type": "msg", "cid": cid(), "body": "Bonjour, mon retrait?"})
    ack = await receive_until(ws, "ack")
    conversation = await database_sync_to_async(Conversation.objects.select_related("ticket", "session").get)(
        pk=ack["conv"]
    )
    assert conversation.session.player_id == player.pk
    assert conversation.ticket.player_id == player.pk and conversation.ticket.language == "fr"
    await ws.disconnect()


async def test_unknown_player_from_a_valid_token_is_mirrored(fresh_layer: Any) -> None:
    ws, welcome = await hello({"token": token_for("P-NEW-77", email="new@example.ca", first_name="Lou")})
    assert welcome["identity"] == "player"
    assert await database_sync_to_async(Player.objects.filter(external_id="P-NEW-77").exists)()
    await ws.disconnect()


async def test_forged_expired_tampered_and_replayed_tokens_are_refused(
    fresh_layer: Any, player: Player
) -> None:
    await assert_refused(
        sign_player_token("P-1001", secret="not-the-operator-secret-but-long-enough-1234"), "token_invalid"
    )
    expired = sign_player_token("P-1001", email="m@example.ca", now=time.time() - 3600, lifetime=300)
    await assert_refused(expired, "token_expired")
    good = token_for("P-1001")
    head, payload, signature = good.split(".")
    forged_payload = jwt.utils.base64url_encode(
        b'{"sub":"P-2002","jti":"x","iat":1,"exp":9999999999}'
    ).decode()
    await assert_refused(f"{head}.{forged_payload}.{signature}", "token_invalid")
    none_alg = jwt.encode(
        {"sub": "P-1001", "jti": "y", "iat": int(time.time()), "exp": int(time.time()) + 60},
        key="",
        algorithm="none",
    )
    await assert_refused(none_alg, "token_invalid")
    # Too long-lived to be a page-view token.
    await assert_refused(token_for("P-1001", lifetime=24 * 3600), "token_invalid")
    await assert_refused("x" * 5000, "token_invalid")
    ws, welcome = await hello({"token": good})
    assert welcome["identity"] == "player"
    await ws.disconnect()
    await assert_refused(good, "token_replayed")


async def test_refusal_messages_follow_the_language(fresh_layer: Any) -> None:
    expired = sign_player_token("P-1001", email="m@example.ca", now=time.time() - 3600)
    ws, reply = await hello({"token": expired, "lang": "fr"})
    assert reply["code"] == "token_expired" and "expiré" in reply["message"]


async def test_a_guest_is_unverified_and_brings_no_account_data(
    fresh_layer: Any, player: Player, chat_agent: User
) -> None:
    agent_ws = agent_socket(chat_agent)
    assert (await agent_ws.connect())[0]
    ws, welcome = await hello({})
    assert welcome["identity"] == "anonymous"
    # The guest gives the email of a real player: still a guest, never linked to the account.
    await ws.send_json_to(
        {"type": "msg", "cid": cid(), "body": "What is my balance?", "name": "Marie", "email": player.email}
    )
    session = await receive_until(ws, "session")
    assert session["identity"] == "guest"
    ack = await receive_until(ws, "ack")
    offer = await receive_until(agent_ws, "offer")
    assert offer["chat"]["verified"] is False
    assert "player" not in offer["chat"] and "P-1001" not in str(offer)
    conversation = await database_sync_to_async(Conversation.objects.select_related("ticket", "session").get)(
        pk=ack["conv"]
    )
    assert conversation.session.player_id is None and conversation.ticket.player_id is None
    # A guest cannot upgrade itself by sending a token-less "player" claim either.
    await ws.send_json_to({"type": "hello", "key": session["key"], "identity": "player", "player": "P-1001"})
    again = await receive_until(ws, "welcome")
    assert again["identity"] == "guest"
    await ws.disconnect()
    await agent_ws.disconnect()


async def test_a_player_cannot_read_or_write_another_players_chat(fresh_layer: Any, player: Player) -> None:
    marie, _ = await hello({"token": token_for("P-1001")})
    await marie.send_json_to({"type": "msg", "cid": "m-1", "body": "Private: my card ends 4242"})
    marie_ack = await receive_until(marie, "ack")

    other, welcome = await hello({"token": token_for("P-2002", email="bob@example.ca", first_name="Bob")})
    assert welcome["conv"] is None
    # Resuming with Marie's conversation numbers, forged keys or her message id gets nothing of hers.
    await other.send_json_to({"type": "hello", "key": "A" * 43, "last_seq": 0, "conv": marie_ack["conv"]})
    reply = await receive_until(other, "welcome")
    assert reply["conv"] is None and reply["identity"] == "anonymous"
    await other.send_json_to({"type": "resume", "conv": marie_ack["conv"], "last_seq": 0})
    assert (await other.receive_json_from())["code"] == "no_session"
    _, bob = await hello({"token": token_for("P-2002", email="bob@example.ca")})
    bob_ws, bob_welcome = await hello({"key": bob.get("key")})
    await bob_ws.send_json_to({"type": "msg", "cid": "m-1", "body": "Bob here", "conv": marie_ack["conv"]})
    bob_ack = await receive_until(bob_ws, "ack")
    assert bob_ack["conv"] != marie_ack["conv"]
    bodies = await database_sync_to_async(
        lambda: list(
            ChatEntry.objects.filter(conversation_id=marie_ack["conv"]).values_list("body", flat=True)
        )
    )()
    assert bodies == ["Private: my card ends 4242"]
    # Marie's socket never hears Bob's chat (only her own queue position moves).
    heard = []
    while not await marie.receive_nothing(timeout=0.3):
        heard.append(await marie.receive_json_from())
    assert all(frame.get("conv") == marie_ack["conv"] for frame in heard), heard
    assert "Bob here" not in str(heard)
    await marie.disconnect()
    await other.disconnect()
    await bob_ws.disconnect()


async def test_the_widget_socket_ignores_desk_cookies(fresh_layer: Any, chat_agent: User) -> None:
    from playerdesk.chat.consumers import PlayerChatConsumer

    ws = widget()
    ws.scope["user"] = chat_agent  # even with an agent signed in on this browser
    assert (await ws.connect())[0]
    await ws.send_json_to({"type": "hello"})
    welcome = await receive_until(ws, "welcome")
    assert welcome["identity"] == "anonymous" and PlayerChatConsumer
    await ws.disconnect()
