"""Agents: who rings, accept / decline, the next agent after the ring time, the concurrent-chat limit,
presence lost (chats re-offered), transfers with a note, supervisors watching and whispering, macros."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import User
from django.core.cache import cache

from playerdesk.chat import routing
from playerdesk.chat.models import ChatEntry, ChatSeat, Conversation, Offer
from playerdesk.core import clock
from playerdesk.core.models import AgentProfile, Role, Team
from playerdesk.tickets import actions as tickets
from playerdesk.tickets.models import MessageKind
from tests.chat.conftest import agent_socket, cid, receive_until, widget

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]
db = database_sync_to_async


async def guest(body: str = "Hello", lang: str = "en", name: str = "Gus") -> tuple[Any, dict[str, Any]]:
    ws = widget()
    assert (await ws.connect())[0]
    await ws.send_json_to({"type": "hello", "lang": lang})
    await receive_until(ws, "welcome")
    await ws.send_json_to({"type": "msg", "cid": cid(), "body": body, "name": name, "email": "g@example.com"})
    ack = await receive_until(ws, "ack")
    return ws, ack


async def heard(ws: Any) -> list[dict[str, Any]]:
    frames = []
    while not await ws.receive_nothing(timeout=0.25):
        frames.append(await ws.receive_json_from())
    return frames


async def screen(user: User) -> Any:
    ws = agent_socket(user)
    assert (await ws.connect())[0]
    await ws.send_json_to({"type": "hello"})
    await receive_until(ws, "inbox")
    return ws


async def taken_by(user: User) -> tuple[Any, Any, dict[str, Any]]:
    """The agent's screen, and a guest's chat they took: (screen, widget, the guest's first ack)."""
    agent_ws = await screen(user)
    ws, ack = await guest()
    offer = await receive_until(agent_ws, "offer")
    await agent_ws.send_json_to({"type": "accept", "offer": offer["offer"]})
    await receive_until(ws, "state", state="active")
    return agent_ws, ws, ack


async def test_only_eligible_agents_ring(
    fresh_layer: Any, online_agent: Callable[..., User], make_agent: Callable[..., User]
) -> None:
    english_only = await db(online_agent)("eric", languages=["en"])
    offline = await db(make_agent)("otto", languages=["fr"])  # screen open but status offline
    francophone = await db(online_agent)("fanny", languages=["fr"])
    sockets = [await screen(u) for u in (english_only, offline, francophone)]
    ws, ack = await guest("Bonjour, j’ai une question", lang="fr")
    offer = await receive_until(sockets[2], "offer")
    assert offer["conv"] == ack["conv"] and offer["chat"]["language"] == "fr"
    assert not [f for f in await heard(sockets[0]) if f["type"] == "offer"]
    assert not [f for f in await heard(sockets[1]) if f["type"] == "offer"]
    for s in [*sockets, ws]:
        await s.disconnect()


async def test_nobody_online_means_the_email_form(fresh_layer: Any) -> None:
    ws = widget()
    assert (await ws.connect())[0]
    await ws.send_json_to({"type": "hello", "lang": "en"})
    welcome = await receive_until(ws, "welcome")
    assert welcome["staffed"] is False and welcome["response_hours"] == 24
    await ws.send_json_to(
        {
            "type": "offline",
            "cid": "off-1",
            "name": "Nora",
            "email": "nora@example.com",
            "body": "Call me back",
        }
    )
    done = await receive_until(ws, "offline_ok")
    await ws.send_json_to(
        {
            "type": "offline",
            "cid": "off-1",
            "name": "Nora",
            "email": "nora@example.com",
            "body": "Call me back",
        }
    )
    again = await receive_until(ws, "offline_ok")
    assert again["reference"] == done["reference"]
    from playerdesk.mail.models import OutboundEmail
    from playerdesk.tickets.models import Ticket

    ticket = await db(Ticket.objects.get)(reference=done["reference"])
    assert ticket.channel == "email" and ticket.requester_email == "nora@example.com"
    assert await db(OutboundEmail.objects.filter(ticket=ticket, kind="acknowledgement").exists)()
    await ws.disconnect()


async def test_decline_and_ring_timeout_move_to_the_next_agent(
    fresh_layer: Any, online_agent: Callable[..., User]
) -> None:
    ann, ben = await db(online_agent)("ann"), await db(online_agent)("ben")
    ann_ws, ben_ws = await screen(ann), await screen(ben)
    ws, ack = await guest()
    first = await db(Offer.objects.select_related("agent").get)(conversation_id=ack["conv"], state="ringing")
    first_ws, second_ws = (ann_ws, ben_ws) if first.agent_id == ann.pk else (ben_ws, ann_ws)
    offer = await receive_until(first_ws, "offer")
    await first_ws.send_json_to({"type": "decline", "offer": offer["offer"]})
    second = await receive_until(second_ws, "offer")
    assert second["conv"] == ack["conv"]
    # Nobody answers the second ring: after the ring time the first agent rings again.
    later = clock.now() + dt.timedelta(seconds=31)
    with clock.frozen(later):
        await db(routing.sweep)()
    gone = await receive_until(second_ws, "offer_gone")
    assert gone["offer"] == second["offer"]
    again = await receive_until(first_ws, "offer")
    assert again["conv"] == ack["conv"]
    for s in (ann_ws, ben_ws, ws):
        await s.disconnect()


async def test_the_concurrent_chat_limit_holds(fresh_layer: Any, online_agent: Callable[..., User]) -> None:
    solo = await db(online_agent)("solo")
    await db(AgentProfile.objects.filter(user=solo).update)(max_concurrent_chats=2)
    agent_ws = await screen(solo)
    players = []
    for n in range(3):
        ws, ack = await guest(f"Question {n}", name=f"P{n}")
        players.append((ws, ack))
    offers = [await receive_until(agent_ws, "offer") for _ in range(2)]
    for offer in offers:
        await agent_ws.send_json_to({"type": "accept", "offer": offer["offer"]})
        await receive_until(agent_ws, "resync")
    # The third waits in the queue and knows its place.
    third_ws, third = players[2]
    assert await db(Conversation.objects.filter(pk=third["conv"], state="queued").exists)()
    assert await db(routing.queue_position)(await db(Conversation.objects.get)(pk=third["conv"])) == 1
    assert not [f for f in await heard(agent_ws) if f["type"] == "offer"]
    # Ending one chat frees a place: the third rings.
    await agent_ws.send_json_to({"type": "end", "conv": players[0][1]["conv"]})
    offer = await receive_until(agent_ws, "offer", timeout=3)
    assert offer["conv"] == third["conv"]
    for ws, _ in players:
        await ws.disconnect()
    await agent_ws.disconnect()


async def test_queue_position_and_wait_reach_the_player(fresh_layer: Any) -> None:
    first, _ = await guest("first")
    second, ack = await guest("second")
    state = await receive_until(second, "state")
    assert state["state"] == "queued" and state["position"] == 2 and state["wait"] > 0
    await first.send_json_to({"type": "end"})
    await receive_until(first, "state", state="ended")
    await second.send_json_to({"type": "ping"})  # the heartbeat also carries the position
    moved = await receive_until(second, "state", position=1)
    assert moved["conv"] == ack["conv"]
    await first.disconnect()
    await second.disconnect()


async def test_an_agent_who_goes_away_has_their_chats_offered_again(
    fresh_layer: Any, online_agent: Callable[..., User]
) -> None:
    ann, ben = await db(online_agent)("ann"), await db(online_agent)("ben")
    ann_ws, ws, ack = await taken_by(ann)
    await ann_ws.disconnect()  # Ann's screen is gone (closed tab, lost network)
    ben_ws = await screen(ben)
    with clock.frozen(clock.now() + dt.timedelta(seconds=routing.DISCONNECT_GRACE_SECONDS + 1)):
        result = await db(routing.sweep)()
    assert result["requeued"] == 1
    offered = await receive_until(ben_ws, "offer")
    assert offered["conv"] == ack["conv"]
    left = await receive_until(ws, "entry", event="agent_left")
    assert left["data"]["agent"] == "Ann"
    await ws.disconnect()
    await ben_ws.disconnect()


async def test_heartbeats_handled_late_count_from_when_they_arrived(
    fresh_layer: Any, online_agent: Callable[..., User]
) -> None:
    """A burst of new chats puts the database work 50 s behind. Ben's heartbeat, received at ``arrived``,
    runs then: it is stored as of its arrival, and the sweep it triggers judges as of then. Ann, whose
    last heartbeat arrived 40 s before it (her next one waits in line behind Ben's), keeps her chat."""
    ann, ben = await db(online_agent)("ann"), await db(online_agent)("ben")
    ann_ws, ws, ack = await taken_by(ann)
    ben_ws = await screen(ben)
    ben_profile = await db(AgentProfile.objects.get)(user=ben)
    arrived = clock.now()
    await db(ChatSeat.objects.filter(agent__user=ann).update)(last_seen_at=arrived - dt.timedelta(seconds=40))
    await db(cache.delete)("chat-sweep-turn")
    with clock.frozen(arrived + dt.timedelta(seconds=50)):
        await db(routing.heartbeat)(ben_profile, seen=True, active=True, at=arrived)
        assert (await db(ChatSeat.objects.get)(agent=ben_profile)).last_seen_at == arrived
        assert await db(Conversation.objects.filter(pk=ack["conv"], state="active", agent=ann).exists)()
        result = await db(routing.sweep)()  # judged as of the processing time, Ann would be gone
    assert result["requeued"] == 1
    await ws.disconnect()
    await ann_ws.disconnect()
    await ben_ws.disconnect()


async def test_inactivity_sets_the_agent_away_and_re_offers(
    fresh_layer: Any, online_agent: Callable[..., User], settings: Any
) -> None:
    ann = await db(online_agent)("ann")
    ann_ws = await screen(ann)
    ws, ack = await guest()
    offer = await receive_until(ann_ws, "offer")
    await ann_ws.send_json_to({"type": "accept", "offer": offer["offer"]})
    await receive_until(ann_ws, "resync")
    later = clock.now() + dt.timedelta(minutes=settings.CHAT_IDLE_MINUTES + 1)
    await db(ChatSeat.objects.filter(agent__user=ann).update)(last_seen_at=later)
    with clock.frozen(later):
        await db(routing.sweep)()
    profile = await db(lambda: type(ann.agent).objects.get(pk=ann.agent.pk))()
    assert profile.status == "away"
    assert await db(Conversation.objects.filter(pk=ack["conv"], state="queued", agent=None).exists)()
    released = await receive_until(ann_ws, "released")
    assert released["conv"] == ack["conv"]
    await ws.disconnect()
    await ann_ws.disconnect()


async def test_transfer_with_a_note_rings_the_chosen_agent(
    fresh_layer: Any, online_agent: Callable[..., User]
) -> None:
    ann, ben = await db(online_agent)("ann"), await db(online_agent)("ben")
    ann_ws = await screen(ann)
    ws, ack = await guest()
    offer = await receive_until(ann_ws, "offer")
    await ann_ws.send_json_to({"type": "accept", "offer": offer["offer"]})
    await receive_until(ann_ws, "resync")
    ben_ws = await screen(ben)
    ben_profile = await db(lambda: ben.agent.pk)()
    await ann_ws.send_json_to(
        {"type": "transfer", "conv": ack["conv"], "agent": ben_profile, "note": "VIP, withdrawal issue"}
    )
    await receive_until(ann_ws, "transferred")
    ring = await receive_until(ben_ws, "offer")
    assert ring["transfer"] is True
    await ben_ws.send_json_to({"type": "accept", "offer": ring["offer"]})
    resync = await receive_until(ben_ws, "resync")
    whispers = [e for e in resync["entries"] if e["kind"] == "whisper"]
    assert [w["body"] for w in whispers] == ["VIP, withdrawal issue"]
    # The player was told about the transfer, never shown the note.
    told = await heard(ws)
    assert "VIP" not in str(told) and any(f.get("event") == "transfer" for f in told)
    for s in (ann_ws, ben_ws, ws):
        await s.disconnect()


async def test_transfer_to_a_team(fresh_layer: Any, online_agent: Callable[..., User], team: Team) -> None:
    ann = await db(online_agent)("ann")
    payments = await db(online_agent)("pat", teams=[team])
    ann_ws, pat_ws = await screen(ann), await screen(payments)
    ws, ack = await guest()
    conversation = await db(Conversation.objects.get)(pk=ack["conv"])
    offer = await db(Offer.objects.get)(conversation=conversation, state="ringing")
    holder_ws = ann_ws if offer.agent_id == ann.pk else pat_ws
    first = await receive_until(holder_ws, "offer")
    if holder_ws is pat_ws:
        await pat_ws.send_json_to({"type": "decline", "offer": first["offer"]})
        first = await receive_until(ann_ws, "offer")
    await ann_ws.send_json_to({"type": "accept", "offer": first["offer"]})
    await receive_until(ann_ws, "resync")
    await ann_ws.send_json_to({"type": "transfer", "conv": ack["conv"], "team": team.pk, "note": ""})
    ring = await receive_until(pat_ws, "offer", conv=ack["conv"])
    assert ring["conv"] == ack["conv"]
    fresh = await db(Conversation.objects.select_related("ticket").get)(pk=ack["conv"])
    assert fresh.team_id == team.pk and fresh.ticket.team_id == team.pk
    for s in (ann_ws, pat_ws, ws):
        await s.disconnect()


async def test_supervisor_watches_and_whispers_unseen_by_the_player(
    fresh_layer: Any, online_agent: Callable[..., User], make_agent: Callable[..., User]
) -> None:
    ann = await db(online_agent)("ann")
    sam = await db(make_agent)("sam", role=Role.SUPERVISOR)
    ann_ws = await screen(ann)
    ws, ack = await guest()
    offer = await receive_until(ann_ws, "offer")
    await ann_ws.send_json_to({"type": "accept", "offer": offer["offer"]})
    await receive_until(ann_ws, "resync")
    sam_ws = agent_socket(sam)
    assert (await sam_ws.connect())[0]
    await sam_ws.send_json_to({"type": "hello"})
    inbox = await receive_until(sam_ws, "inbox")
    assert any(c["conv"] == ack["conv"] for c in inbox["live"])
    await sam_ws.send_json_to({"type": "watch", "conv": ack["conv"]})
    await receive_until(sam_ws, "resync")
    await sam_ws.send_json_to(
        {"type": "whisper", "conv": ack["conv"], "cid": "w1", "body": "Offer the goodwill bonus"}
    )
    await receive_until(sam_ws, "ack", cid="w1")
    whisper = await receive_until(ann_ws, "entry", kind="whisper")
    assert whisper["body"] == "Offer the goodwill bonus" and whisper["name"] == "Sam"
    # A supervisor watching cannot write to the player as if they were the agent on the chat.
    await sam_ws.send_json_to({"type": "msg", "conv": ack["conv"], "cid": "w2", "body": "hi"})
    assert (await receive_until(sam_ws, "error"))["code"] == "not_yours"
    await ann_ws.send_json_to({"type": "msg", "conv": ack["conv"], "cid": "r1", "body": "Good news!"})
    await receive_until(ws, "entry", body="Good news!")
    assert "goodwill" not in str(await heard(ws))
    # A plain agent cannot watch someone else's chat.
    other = await db(online_agent)("otis")
    other_ws = await screen(other)
    await other_ws.send_json_to({"type": "watch", "conv": ack["conv"]})
    assert (await receive_until(other_ws, "error"))["code"] == "unknown_chat"
    note = await db(lambda: ChatEntry.objects.select_related("message").get(client_id="w1").message.kind)()
    assert note == MessageKind.NOTE
    for s in (ann_ws, sam_ws, ws, other_ws):
        await s.disconnect()


async def test_a_macro_and_a_case_page_reply_reach_the_chat(
    fresh_layer: Any, online_agent: Callable[..., User]
) -> None:
    ann = await db(online_agent)("ann")
    ann_ws = await screen(ann)
    ws, ack = await guest(name="Gus Grant")
    offer = await receive_until(ann_ws, "offer")
    await ann_ws.send_json_to({"type": "accept", "offer": offer["offer"]})
    await receive_until(ws, "state", state="active")
    macro = await db(tickets.do_create_macro)(
        "Greeting", body_en="Hi {{ first_name }}, {{ agent_name }} here.", body_fr="Bonjour {{ first_name }}."
    )
    conversation = await db(Conversation.objects.select_related("ticket").get)(pk=ack["conv"])
    await db(tickets.do_apply_macro)(conversation.ticket, macro, author=ann)
    entry = await receive_until(ws, "entry", kind="message", **{"from": "agent"})
    assert entry["body"] == "Hi Gus, Ann here."
    from playerdesk.mail.models import OutboundEmail

    # The player is in the chat: no email for this answer.
    assert not await db(OutboundEmail.objects.filter(ticket=conversation.ticket, kind="reply").exists)()
    await ws.disconnect()
    await ann_ws.disconnect()
