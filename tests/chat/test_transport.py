"""The wire: client ids (stored once, acknowledged every time), numbered entries, resume and resync,
bad frames, rate limits, and the burst of 500 messages through repeated socket kills."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import User

from playerdesk.chat.consumers import MAX_FRAME_CHARS
from playerdesk.chat.models import ChatEntry, Conversation
from playerdesk.core import events
from playerdesk.tickets.models import Message, MessageKind
from tests.chat.conftest import agent_socket, cid, receive_until, widget

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]


async def start_chat(agent: User | None = None, body: str = "Hello") -> tuple[Any, dict[str, Any], Any]:
    """A guest's widget with a first message; with ``agent``, the agent's socket has accepted it."""
    ws = widget()
    assert (await ws.connect())[0]
    await ws.send_json_to({"type": "hello", "lang": "en"})
    await receive_until(ws, "welcome")
    await ws.send_json_to(
        {"type": "msg", "cid": cid(), "body": body, "name": "Gus", "email": "gus@example.com"}
    )
    session = await receive_until(ws, "session")
    ack = await receive_until(ws, "ack")
    info = {"key": session["key"], "conv": ack["conv"], "reference": ack["reference"]}
    agent_ws = None
    if agent is not None:
        agent_ws = agent_socket(agent)
        assert (await agent_ws.connect())[0]
        await agent_ws.send_json_to({"type": "hello"})
        offer = await receive_until(agent_ws, "offer")
        await agent_ws.send_json_to({"type": "accept", "offer": offer["offer"]})
        await receive_until(agent_ws, "resync")
        await receive_until(ws, "state", state="active")
    return ws, info, agent_ws


async def test_an_open_socket_waits_in_one_task_beside_its_connection_and_leaves_none(
    fresh_layer: Any, settings: Any, chat_agent: User
) -> None:
    """Each idle socket costs its connection's call plus one task waiting on the channel layer (not a
    task per source and a wait on both); closing it ends both. Counted in the embedded mode (the Redis
    layer's receive runs tasks of its own)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "playerdesk.core.layers.MemoryChannelLayer"}}
    events.attach_loop()  # the process's one pusher of database events, which sockets start
    before = len(asyncio.all_tasks())
    ws, info, agent_ws = await start_chat(chat_agent)
    assert await ws.receive_nothing(timeout=0.2) and await agent_ws.receive_nothing(timeout=0.2)
    assert len(asyncio.all_tasks()) - before == 4  # two sockets, two tasks each
    # Pushes still reach both sides through that one task.
    await agent_ws.send_json_to({"type": "msg", "conv": info["conv"], "cid": cid(), "body": "Still here"})
    assert (await receive_until(ws, "entry"))["body"] == "Still here"
    await ws.send_json_to({"type": "msg", "cid": cid(), "body": "Thanks"})
    assert (await receive_until(agent_ws, "entry", body="Thanks"))["conv"] == info["conv"]
    await ws.disconnect()
    await agent_ws.disconnect()
    assert len(asyncio.all_tasks()) == before


async def test_a_resent_message_is_stored_once_and_acknowledged_again(fresh_layer: Any) -> None:
    ws, info, _ = await start_chat()
    for _ in range(3):
        await ws.send_json_to({"type": "msg", "cid": "same-id", "body": "Is anyone there?"})
        ack = await receive_until(ws, "ack", cid="same-id")
        assert ack["seq"] == 2
    count = await database_sync_to_async(
        Message.objects.filter(ticket__reference=info["reference"], body_text="Is anyone there?").count
    )()
    assert count == 1
    await ws.disconnect()


async def test_resume_returns_what_was_missed_and_a_big_gap_gets_a_full_resync(
    fresh_layer: Any, chat_agent: User
) -> None:
    ws, info, agent_ws = await start_chat(chat_agent)
    await ws.disconnect()
    for n in range(3):
        await agent_ws.send_json_to(
            {"type": "msg", "conv": info["conv"], "cid": f"a{n}", "body": f"Answer {n}"}
        )
        await receive_until(agent_ws, "ack", cid=f"a{n}")
    back = widget()
    assert (await back.connect())[0]
    await back.send_json_to({"type": "hello", "key": info["key"], "last_seq": 1})
    welcome = await receive_until(back, "welcome")
    assert welcome["identity"] == "guest" and welcome["conv"]["id"] == info["conv"]
    backlog = await receive_until(back, "backlog")
    assert [e["body"] for e in backlog["entries"] if e["kind"] == "message"] == [
        "Answer 0",
        "Answer 1",
        "Answer 2",
    ]
    assert all(e["seq"] > 1 for e in backlog["entries"])
    # An impossible position (ahead of the conversation) gets the full conversation again.
    await back.send_json_to({"type": "resume", "last_seq": 10_000})
    resync = await receive_until(back, "resync")
    assert resync["entries"][0]["seq"] == 1 and resync["entries"][0]["body"] == "Hello"
    await back.disconnect()
    await agent_ws.disconnect()


async def test_a_french_widget_gets_its_error_frames_in_french(fresh_layer: Any) -> None:
    ws = widget()
    assert (await ws.connect())[0]
    await ws.send_json_to({"type": "hello", "lang": "fr"})
    await receive_until(ws, "welcome")
    await ws.send_to(text_data="{not json")
    assert (await receive_until(ws, "error"))["message"] == "Ce message technique n’est pas du JSON valide."
    await ws.send_to(text_data="x" * (MAX_FRAME_CHARS + 1))
    too_large = await receive_until(ws, "error")
    assert too_large["message"] == f"Les messages techniques sont limités à {MAX_FRAME_CHARS} caractères."
    await ws.disconnect()


async def test_bad_frames_get_an_error_frame_and_the_socket_stays_up(fresh_layer: Any) -> None:
    ws, info, _ = await start_chat()
    bad = ["{not json", "[1, 2]", '"text"', "x" * (MAX_FRAME_CHARS + 1), '{"type": "nope"}', '{"type": 5}']
    codes = []
    for text in bad:
        await ws.send_to(text_data=text)
        codes.append((await receive_until(ws, "error"))["code"])
    await ws.send_to(bytes_data=b"\x00\x01")
    codes.append((await receive_until(ws, "error"))["code"])
    assert codes == [
        "bad_frame",
        "bad_frame",
        "bad_frame",
        "frame_too_large",
        "unknown_type",
        "unknown_type",
        "bad_frame",
    ]
    for frame in [
        {"type": "msg", "cid": "", "body": "x"},
        {"type": "msg", "cid": "ok-1", "body": ""},
        {"type": "msg", "cid": "ok-2", "body": "y" * 4001},
        {"type": "msg", "cid": "bad id with spaces", "body": "x"},
        {"type": "msg", "cid": "ok-3", "body": ["list"]},
    ]:
        await ws.send_json_to(frame)
        assert (await receive_until(ws, "error"))["code"] in {"bad_client_id", "bad_message", "too_long"}
    await ws.send_json_to({"type": "ping"})
    assert (await ws.receive_json_from())["type"] == "pong"
    await ws.disconnect()


async def test_rate_limits_per_connection_and_per_player(fresh_layer: Any, settings: Any) -> None:
    settings.CHAT_RATE_PER_CONNECTION = 5
    settings.CHAT_RATE_PER_PLAYER = 8
    ws, info, _ = await start_chat()
    results = []
    for n in range(7):
        await ws.send_json_to({"type": "msg", "cid": f"r{n}", "body": f"spam {n}"})
        frame = await ws.receive_json_from()
        while frame["type"] not in ("ack", "error"):
            frame = await ws.receive_json_from()
        results.append(frame["type"] if frame["type"] == "ack" else frame["code"])
    assert results[:4] == ["ack"] * 4 and results[-1] == "rate_limited"
    # A new connection of the same guest is still held by the per-player limit.
    other = widget()
    assert (await other.connect())[0]
    await other.send_json_to({"type": "hello", "key": info["key"]})
    await receive_until(other, "welcome")
    limited = []
    for n in range(5):
        await other.send_json_to({"type": "msg", "cid": f"s{n}", "body": f"more {n}"})
        frame = await other.receive_json_from()
        while frame["type"] not in ("ack", "error"):
            frame = await other.receive_json_from()
        limited.append(frame.get("code"))
    assert "rate_limited" in limited
    error = next(f for f in [frame] if f["type"] == "error")
    assert error["retry"] is True and error["cid"].startswith("s")
    await ws.disconnect()
    await other.disconnect()


class Side:
    """A test client that behaves like the widget and the console: resends until acknowledged, applies
    entries in order by sequence number, asks to resume on a gap."""

    def __init__(
        self, name: str, connect: Callable[[int], Any], frame_for: Callable[[str, str], dict]
    ) -> None:
        self.name = name
        self.connect_fn = connect
        self.frame_for = frame_for
        self.last_seq = 0
        self.applied: list[tuple[int, str]] = []
        self.unacked: dict[str, str] = {}
        self.ws: Any = None
        self.acks = 0

    async def connect(self) -> None:
        self.ws = await self.connect_fn(self.last_seq)

    def apply(self, entry: dict[str, Any]) -> bool:
        if entry["seq"] <= self.last_seq:
            return True
        if entry["prev"] > self.last_seq:
            return False
        self.applied.append((entry["seq"], entry.get("body", "")))
        self.last_seq = entry["seq"]
        return True

    async def pump(self, budget: int, conv: int) -> None:
        """Read up to ``budget`` frames, asking for a resume on a gap. While messages wait for their
        acknowledgement the server owes frames (it answers every message it reads, in order), so each
        one is waited for: the burst makes progress by construction, however slow the machine."""
        for _ in range(budget):
            if await self.ws.receive_nothing(timeout=10 if self.unacked else 0.02):
                return
            frame = await self.ws.receive_json_from()
            kind = frame.get("type")
            if kind == "ack":
                self.unacked.pop(frame["cid"], None)
                self.acks += 1
            elif kind in ("entry", "backlog", "resync"):
                entries = [frame] if kind == "entry" else frame["entries"]
                if kind == "resync":
                    self.applied, self.last_seq = [], 0
                if not all(self.apply(e) for e in entries):
                    await self.ws.send_json_to({"type": "resume", "conv": conv, "last_seq": self.last_seq})

    async def send(self, cid_: str, body: str) -> None:
        self.unacked[cid_] = body
        await self.ws.send_json_to(self.frame_for(cid_, body))

    async def resend(self) -> None:
        for cid_, body in list(self.unacked.items()):
            await self.ws.send_json_to(self.frame_for(cid_, body))

    async def kill(self) -> None:
        await self.ws.disconnect(timeout=5)


async def test_burst_of_500_messages_with_repeated_socket_kills(
    fresh_layer: Any, settings: Any, chat_agent: User
) -> None:
    settings.CHAT_RATE_PER_CONNECTION = 100_000
    settings.CHAT_RATE_PER_PLAYER = 100_000
    # The burst is about storage, numbering and resends; it runs on the in-memory layer in both passes
    # (the Redis layer's delivery across processes is the scale-out test's subject).
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "playerdesk.core.layers.MemoryChannelLayer"}}
    first_ws, info, first_agent = await start_chat(chat_agent, body="Burst starts")
    await first_ws.disconnect()
    await first_agent.disconnect()
    conv = info["conv"]

    async def player_connect(last_seq: int) -> Any:
        ws = widget()
        assert (await ws.connect())[0]
        await ws.send_json_to({"type": "hello", "key": info["key"], "last_seq": last_seq})
        return ws

    async def agent_connect(last_seq: int) -> Any:
        ws = agent_socket(chat_agent)
        assert (await ws.connect())[0]
        await ws.send_json_to({"type": "hello", "convs": {str(conv): last_seq}})
        return ws

    player = Side("player", player_connect, lambda c, b: {"type": "msg", "cid": c, "body": b})
    agent = Side("agent", agent_connect, lambda c, b: {"type": "msg", "conv": conv, "cid": c, "body": b})
    rng = random.Random(500)
    to_send = [("player", f"p{n:03d}", f"player message {n}") for n in range(500)]
    for n in range(100):
        to_send.insert(rng.randrange(len(to_send)), ("agent", f"k{n:03d}", f"agent message {n}"))
    kills = 0
    while to_send or player.unacked or agent.unacked:
        await player.connect()
        await agent.connect()
        await player.resend()
        await agent.resend()
        batch = to_send[: rng.randint(20, 60)]
        to_send = to_send[len(batch) :]
        for side_name, cid_, body in batch:
            await (player if side_name == "player" else agent).send(cid_, body)
        # Read only part of the answers, then kill both sockets with frames still in flight.
        await player.pump(rng.randint(0, 40), conv)
        await agent.pump(rng.randint(0, 40), conv)
        await player.kill()
        await agent.kill()
        kills += 1
        assert kills < 200, "the burst does not converge"
    # A last, calm connection of each side catches up on everything.
    await player.connect()
    await agent.connect()
    for _ in range(30):
        await player.pump(1000, conv)
        await agent.pump(1000, conv)
        expected = await database_sync_to_async(lambda: Conversation.objects.get(pk=conv).last_seq)()
        if player.last_seq == expected and agent.last_seq == expected:
            break
        await player.ws.send_json_to({"type": "resume", "last_seq": player.last_seq})
        await agent.ws.send_json_to({"type": "resume", "conv": conv, "last_seq": agent.last_seq})
    await player.kill()
    await agent.kill()
    assert kills >= 5

    entries = await database_sync_to_async(
        lambda: list(
            ChatEntry.objects.filter(conversation_id=conv)
            .order_by("seq")
            .values_list("seq", "body", "public")
        )
    )()
    assert [seq for seq, _, _ in entries] == list(range(1, len(entries) + 1))
    bodies = [body for _, body, _ in entries]
    for n in range(500):
        assert bodies.count(f"player message {n}") == 1
    for n in range(100):
        assert bodies.count(f"agent message {n}") == 1
    # Each side saw every entry of the conversation, in order, exactly once.
    public = [(seq, body) for seq, body, is_public in entries if is_public]
    assert player.applied == public
    assert agent.applied == [(seq, body) for seq, body, _ in entries]
    # Players' messages are in their order of sending; the case holds each message once.
    player_order = [b for b in bodies if b.startswith("player message")]
    assert player_order == [f"player message {n}" for n in range(500)]
    stored = await database_sync_to_async(
        lambda: list(
            Message.objects.filter(ticket__reference=info["reference"]).values_list("kind", flat=True)
        )
    )()
    assert stored.count(MessageKind.INBOUND) == 501 and stored.count(MessageKind.OUTBOUND) == 100


async def test_a_burst_past_the_pending_limit_is_handled_in_order_without_losing_a_frame(
    fresh_layer: Any, settings: Any
) -> None:
    from playerdesk.chat.consumers import MAX_PENDING_FRAMES

    settings.CHAT_RATE_PER_CONNECTION = 100_000
    settings.CHAT_RATE_PER_PLAYER = 100_000
    ws, _info, _ = await start_chat()
    count = MAX_PENDING_FRAMES * 2 + 10
    for n in range(count):  # sent without reading a single answer
        await ws.send_json_to({"type": "msg", "cid": f"burst-{n:03d}", "body": f"burst {n}"})
    acks = []
    while len(acks) < count:
        frame = await ws.receive_json_from(timeout=20)
        if frame["type"] == "ack":
            acks.append(frame["cid"])
    assert acks == [f"burst-{n:03d}" for n in range(count)]
    await ws.disconnect()
