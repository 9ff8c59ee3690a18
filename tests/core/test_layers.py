"""The embedded channel layer: delivery, groups, capacity, expiry and clean-up."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.exceptions import ChannelFull

from playerdesk.core import events
from playerdesk.core.layers import MemoryChannelLayer

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_a_message_waits_for_its_receiver_and_a_waiting_receiver_gets_it_at_once() -> None:
    layer = MemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "one"})
    assert await layer.receive(channel) == {"type": "one"}
    assert channel not in layer.channels  # nothing kept for an empty, idle channel

    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    await layer.send(channel, {"type": "two"})
    assert await asyncio.wait_for(waiting, 1) == {"type": "two"}
    assert channel not in layer.channels


async def test_messages_keep_their_order_and_each_receiver_gets_its_own_copy() -> None:
    layer = MemoryChannelLayer()
    a, b = await layer.new_channel(), await layer.new_channel()
    assert a != b
    await layer.group_add("room", a)
    await layer.group_add("room", b)
    for n in range(5):
        await layer.group_send("room", {"type": "msg", "n": n})
    got_a = [(await layer.receive(a))["n"] for _ in range(5)]
    first_b = await layer.receive(b)
    assert got_a == [0, 1, 2, 3, 4]
    first_b["n"] = 99
    assert [(await layer.receive(b))["n"] for _ in range(4)] == [1, 2, 3, 4]


async def test_group_discard_stops_delivery_and_forgets_empty_groups() -> None:
    layer = MemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("room", channel)
    await layer.group_discard("room", channel)
    assert "room" not in layer.groups
    await layer.group_send("room", {"type": "lost"})
    assert channel not in layer.channels


async def test_a_full_channel_refuses_direct_sends_and_skips_group_sends() -> None:
    layer = MemoryChannelLayer(capacity=3)
    slow, fast = await layer.new_channel(), await layer.new_channel()
    for group_member in (slow, fast):
        await layer.group_add("room", group_member)
    for n in range(3):
        await layer.send(slow, {"type": "fill", "n": n})
    with pytest.raises(ChannelFull):
        await layer.send(slow, {"type": "one too many"})
    await layer.group_send("room", {"type": "broadcast"})  # the full socket misses it, the other gets it
    assert await layer.receive(fast) == {"type": "broadcast"}
    assert [(await layer.receive(slow))["n"] for _ in range(3)] == [0, 1, 2]


async def test_uncollected_messages_expire_and_old_memberships_lapse() -> None:
    layer = MemoryChannelLayer(expiry=60, group_expiry=3600)
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "old"})
    box = layer.channels[channel]
    assert box.messages is not None
    box.messages[0] = (time.time() - 1, box.messages[0][1])  # its minute is up
    await layer.send(channel, {"type": "new"})
    assert await layer.receive(channel) == {"type": "new"}

    await layer.group_add("room", channel)
    layer.groups["room"][channel] = time.time() - 7200
    await layer.group_send("room", {"type": "too late"})
    assert channel not in layer.groups["room"]


async def test_a_receiver_cancelled_as_its_message_arrives_leaves_the_message_for_the_next() -> None:
    layer = MemoryChannelLayer()
    channel = await layer.new_channel()
    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    await layer.send(channel, {"type": "kept"})
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await layer.receive(channel) == {"type": "kept"}


async def test_pushes_from_the_database_thread_reach_sockets_in_order_without_blocking() -> None:
    from channels.layers import channel_layers

    channel_layers.backends.pop("default", None)
    layer = channel_layers["default"]
    await layer.flush()
    channel = await layer.new_channel()
    await layer.group_add("room", channel)
    events.attach_loop()

    def from_thread() -> None:
        for n in range(50):
            events.push("room", {"type": "x", "n": n})

    await asyncio.to_thread(from_thread)  # returns without waiting for the loop to deliver
    got = [(await asyncio.wait_for(layer.receive(channel), 2))["n"] for _ in range(50)]
    assert got == list(range(50))
