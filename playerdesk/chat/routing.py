"""Who answers a chat: ringing, accepting, declining, transfers, and agents' chat presence.

A waiting chat rings one eligible agent at a time: online, with a live chat screen (heartbeat within
``PRESENCE_SECONDS``), speaking the chat's language, in the chat's team when it has one, and under their
concurrent-chat limit (ringing offers count). Unanswered within ``CHAT_RING_SECONDS`` it rings the next
agent. When an agent's screen goes away (disconnect past a short grace, no heartbeat) or they stay
inactive for ``CHAT_IDLE_MINUTES``, their chats go back to the queue and ring again: none is stranded.

Every decision is made in the database under row locks, so any number of web processes can route.
``sweep`` does the time-based work; it runs on heartbeats (throttled) and every minute as a job.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from playerdesk.chat import frames, stream
from playerdesk.chat.models import (
    WAITING_STATES,
    ChatSeat,
    Conversation,
    ConversationState,
    Offer,
    OfferState,
)
from playerdesk.chat.stream import ChatError
from playerdesk.core import clock
from playerdesk.core.actions import do_set_agent_status
from playerdesk.core.models import AgentProfile, AgentStatus
from playerdesk.tickets import actions as tickets

# The chat screen pings every 15 s and its presence is written at most every 20 s (so up to 30 s apart):
# a minute leaves room for a busy server before an agent counts as gone (a closed socket counts at once).
PRESENCE_SECONDS = 60
DISCONNECT_GRACE_SECONDS = 15
SWEEP_THROTTLE_SECONDS = 2
BROADCAST_LIMIT = 200
QUEUE_BROADCAST_SECONDS = 1
STAFFED_CACHE_SECONDS = 2


# ---------------------------------------------------------------- presence


def seat_for(profile: AgentProfile) -> ChatSeat:
    seat, _ = ChatSeat.objects.get_or_create(agent_id=profile.pk)  # by id: the profile keeps no seat
    return seat


def seat_connect(profile: AgentProfile) -> None:
    now = clock.now()
    seat_for(profile)
    ChatSeat.objects.filter(agent=profile).update(
        connections=F("connections") + 1, last_seen_at=now, last_activity_at=now
    )
    route_waiting()


def seat_disconnect(profile: AgentProfile) -> None:
    ChatSeat.objects.filter(agent=profile).update(connections=F("connections") - 1, last_seen_at=clock.now())
    ChatSeat.objects.filter(agent=profile, connections__lt=0).update(connections=0)


def seat_heartbeat(profile: AgentProfile, *, active: bool = False, at: datetime | None = None) -> None:
    """The agent's screen was there (and the agent active) at ``at``: when the socket received the frame,
    which may be a moment before this runs."""
    at = at or clock.now()
    changes: dict[str, Any] = {"last_seen_at": at}
    if active:
        changes["last_activity_at"] = at
    ChatSeat.objects.filter(agent=profile).update(**changes)


def heartbeat(profile: AgentProfile, *, seen: bool, active: bool, at: datetime | None = None) -> None:
    """An agent's chat screen pinged at ``at``: presence written when due, and the time-based work done,
    judged as of ``at`` too. A process whose database work runs behind (a burst of new chats) has then
    written every heartbeat its sockets received before this one, and its agents do not look gone."""
    at = at or clock.now()
    if seen:
        seat_heartbeat(profile, active=active, at=at)
    maybe_sweep(as_of=at)


def available_agents() -> Any:
    """Agents who can take chats right now (status online, chat screen open and alive)."""
    fresh = clock.now() - timedelta(seconds=PRESENCE_SECONDS)
    return AgentProfile.objects.filter(
        status=AgentStatus.ONLINE,
        user__is_active=True,
        chat_seat__connections__gt=0,
        chat_seat__last_seen_at__gte=fresh,
    )


def is_staffed(language: str = "") -> bool:
    """Somebody could answer a chat now (the widget offers the email form otherwise). Every widget asks
    as it connects: the answer is shared for a couple of seconds."""

    def ask() -> bool:
        for languages in available_agents().values_list("languages", flat=True).iterator(chunk_size=50):
            if not language or not languages or language in languages:
                return True
        return False

    return bool(cache.get_or_set(f"chat-staffed:{language}", ask, STAFFED_CACHE_SECONDS))


def _count(qs: Any) -> Any:
    return Coalesce(Subquery(qs.values("agent_id").annotate(n=Count("id")).values("n")[:1]), 0)


def _load(qs: Any) -> Any:
    """Chats an agent has now: active ones plus ringing offers (indexed subqueries, no join fan-out)."""
    active = Conversation.objects.filter(agent_id=OuterRef("user_id"), state=ConversationState.ACTIVE)
    ringing = Offer.objects.filter(agent_id=OuterRef("user_id"), state=OfferState.RINGING)
    return qs.annotate(active=_count(active), ringing=_count(ringing)).annotate(
        load=F("active") + F("ringing")
    )


def _candidates(conversation: Conversation, refused: Container[int]) -> list[AgentProfile]:
    """Eligible agents, best first, up to the first one who has not refused this chat yet."""
    qs = available_agents().select_related("user", "chat_seat")
    if conversation.transfer_to_id:
        qs = qs.filter(user_id=conversation.transfer_to_id)
        return [p for p in qs]
    if conversation.team_id:
        qs = qs.filter(teams=conversation.team_id)
    qs = _load(qs).filter(load__lt=F("max_concurrent_chats"))
    qs = qs.order_by("load", F("chat_seat__last_assigned_at").asc(nulls_first=True), "id")
    found = []
    for profile in qs[:200].iterator(chunk_size=20):
        if not profile.languages or conversation.language in profile.languages:
            found.append(profile)
            if profile.user_id not in refused:
                break  # the one to ring: no need to read further
    return found


# ---------------------------------------------------------------- ringing


def route(conversation: Conversation) -> Offer | None:
    """Ring the next eligible agent for a waiting chat (inside the caller's transaction, or its own)."""
    with transaction.atomic():
        conversation = stream.lock_conversation(conversation)
        if conversation.state != ConversationState.QUEUED:
            return None
        refused = dict(
            Offer.objects.filter(conversation=conversation, created_at__gte=conversation.queued_at)
            .exclude(state=OfferState.ACCEPTED)
            .values_list("agent_id", "answered_at")
        )
        candidates = _candidates(conversation, refused)
        if not candidates:
            return None
        chosen = next((p for p in candidates if p.user_id not in refused), None)
        if chosen is None:
            # Everyone refused once: ring again the one who refused longest ago, after a pause.
            pause = clock.now() - timedelta(seconds=settings.CHAT_RING_SECONDS)
            waiting = [p for p in candidates if (refused.get(p.user_id) or pause) <= pause]
            waiting.sort(key=lambda p: refused.get(p.user_id) or pause)
            chosen = waiting[0] if waiting else None
        if chosen is None:
            return None
        seat = ChatSeat.objects.select_for_update().get(agent=chosen)
        if not conversation.transfer_to_id:
            load = _load(AgentProfile.objects.filter(pk=chosen.pk)).values_list("load", flat=True).first()
            if load is not None and load >= chosen.max_concurrent_chats:
                return None
        now = clock.now()
        offer = Offer.objects.create(
            conversation=conversation,
            agent=chosen.user,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.CHAT_RING_SECONDS),
        )
        seat.last_assigned_at = now
        seat.save(update_fields=["last_assigned_at"])
        conversation.state = ConversationState.RINGING
        conversation.save(update_fields=["state"])
        frames.send_on_commit(frames.agent_group(chosen.user_id), offer_frame(offer, conversation))
    return offer


def offer_frame(offer: Offer, conversation: Conversation) -> dict[str, Any]:
    return {
        "type": "offer",
        "offer": offer.pk,
        "conv": conversation.pk,
        "expires_in": max(0, int((offer.expires_at - clock.now()).total_seconds())),
        "transfer": bool(conversation.transfer_to_id),
        "chat": frames.chat_summary(conversation),
    }


def route_waiting(limit: int = 50) -> int:
    """Ring agents for the oldest waiting chats (after an agent became free or came online)."""
    rung = 0
    waiting = Conversation.objects.filter(state=ConversationState.QUEUED).order_by("queued_at", "id")
    nobody: set[tuple[str, int | None, int | None]] = set()  # kinds of chat no agent can take now
    for pk, language, team_id, transfer_to_id in waiting.values_list(
        "pk", "language", "team_id", "transfer_to_id"
    )[:limit]:
        kind = (language, team_id, transfer_to_id)
        if kind in nobody:
            continue
        if route(Conversation(pk=pk)) is not None:
            rung += 1
        else:
            nobody.add(kind)
    return rung


def _offered(offer_id: Any) -> Conversation:
    """The chat an offer rings for (not locked yet)."""
    conversation = Conversation.objects.filter(offers__pk=offer_id if type(offer_id) is int else -1).first()
    if conversation is None:
        raise ChatError("unknown_offer", gettext_lazy("This chat is no longer ringing."))
    return conversation


def _offer_for(user: Any, offer_id: Any) -> Offer:
    if type(offer_id) is not int:
        raise ChatError("unknown_offer", gettext_lazy("This chat is no longer ringing."))
    offer = Offer.objects.select_for_update().filter(pk=offer_id, agent=user).first()
    if offer is None or offer.state != OfferState.RINGING:
        raise ChatError("unknown_offer", gettext_lazy("This chat is no longer ringing."))
    return offer


def do_accept(user: Any, offer_id: Any) -> Conversation:
    with transaction.atomic():
        conversation = stream.lock_case_then_conversation(_offered(offer_id))
        offer = _offer_for(user, offer_id)
        if offer.expires_at < clock.now() and conversation.transfer_to_id != user.pk:
            _expire(offer, conversation)
            raise ChatError("unknown_offer", gettext_lazy("This chat is no longer ringing."))
        now = clock.now()
        offer.state = OfferState.ACCEPTED
        offer.answered_at = now
        offer.save(update_fields=["state", "answered_at"])
        conversation.state = ConversationState.ACTIVE
        conversation.agent = user
        conversation.transfer_to = None
        conversation.accepted_at = conversation.accepted_at or now
        conversation.save(update_fields=["state", "agent", "transfer_to", "accepted_at"])
        ChatSeat.objects.filter(agent__user=user).update(last_activity_at=now)
        tickets.do_assign(conversation.ticket, user, actor=user)
        profile = user.agent
        stream.record_event(conversation, "joined", {"agent": profile.display_name})
        conversation.agent = user
        push_state(conversation)
        frames.send_on_commit(
            frames.agent_group(user.pk), {"type": "assigned", "conv": conversation.pk, "offer": offer.pk}
        )
        queue_changed()
    return conversation


def do_decline(user: Any, offer_id: Any) -> None:
    with transaction.atomic():
        conversation = stream.lock_conversation(_offered(offer_id))
        offer = _offer_for(user, offer_id)
        offer.state = OfferState.DECLINED
        offer.answered_at = clock.now()
        offer.save(update_fields=["state", "answered_at"])
        _back_to_queue(conversation)
    route(conversation)


def _back_to_queue(conversation: Conversation) -> None:
    conversation.state = ConversationState.QUEUED
    if conversation.transfer_to_id:
        conversation.transfer_to = None
    conversation.save(update_fields=["state", "transfer_to"])


def _expire(offer: Offer, conversation: Conversation) -> None:
    offer.state = OfferState.EXPIRED
    offer.answered_at = clock.now()
    offer.save(update_fields=["state", "answered_at"])
    frames.send_on_commit(frames.agent_group(offer.agent_id), {"type": "offer_gone", "offer": offer.pk})
    if conversation.state == ConversationState.RINGING:
        _back_to_queue(conversation)


def actor_name(user: Any) -> str:
    profile = getattr(user, "agent", None) if user is not None else None
    return profile.display_name if profile is not None else ""


# ---------------------------------------------------------------- the queue


def queue_position(conversation: Conversation) -> int:
    """1 for the next chat to be answered."""
    ahead = Conversation.objects.filter(state__in=WAITING_STATES).filter(
        Q(queued_at__lt=conversation.queued_at) | Q(queued_at=conversation.queued_at, pk__lt=conversation.pk)
    )
    return ahead.count() + 1


def estimated_wait(position: int | None) -> int | None:
    """Seconds, from how fast recent chats were taken and how many agents can take them."""
    if position is None:
        return None
    agents = max(1, available_agents().count())
    return int(max(30.0, average_accept_seconds()) * position / agents)


def queue_changed() -> None:
    """After commit: every waiting player learns their new position; chat screens their queue size."""

    def send() -> None:
        # Bursts (many chats starting at once) broadcast once per window; widgets also get their position
        # with every heartbeat, so a skipped broadcast is caught up within one.
        if not cache.add("chat-queue-broadcast", 1, timeout=QUEUE_BROADCAST_SECONDS):
            return
        waiting = list(
            Conversation.objects.filter(state__in=WAITING_STATES)
            .select_related("ticket", "agent__agent")
            .order_by("queued_at", "id")[:BROADCAST_LIMIT]
        )
        base = estimated_wait(1) or 60
        for index, conversation in enumerate(waiting, start=1):
            frame = frames.state_frame(conversation, position=index, wait=base * index)
            frames.send_now(frames.player_group(conversation.pk), frame)
        frames.send_now(frames.DESK_GROUP, {"type": "queue", "waiting": len(waiting)})

    transaction.on_commit(send)


# ---------------------------------------------------------------- time-based work


def _requeue_chats_of(user_id: int, reason: str) -> int:
    moved = 0
    for conversation in Conversation.objects.filter(agent_id=user_id, state=ConversationState.ACTIVE):
        with transaction.atomic():
            conversation = stream.lock_case_then_conversation(conversation)
            if conversation.agent_id != user_id or conversation.state != ConversationState.ACTIVE:
                continue
            name = actor_name(conversation.agent)
            conversation.agent = None
            conversation.state = ConversationState.QUEUED
            conversation.queued_at = clock.now()
            conversation.save(update_fields=["agent", "state", "queued_at"])
            tickets.do_settle_live_chat(conversation.ticket, locked=True)
            stream.record_event(conversation, "agent_left", {"agent": name, "reason": reason})
            push_state(conversation)
            frames.send_on_commit(frames.agent_group(user_id), {"type": "released", "conv": conversation.pk})
            moved += 1
    for offer in Offer.objects.filter(agent_id=user_id, state=OfferState.RINGING):
        with transaction.atomic():
            conversation = stream.lock_conversation(offer.conversation)
            offer = Offer.objects.select_for_update().get(pk=offer.pk)
            if offer.state == OfferState.RINGING:
                _expire(offer, conversation)
    return moved


def sweep(as_of: datetime | None = None) -> dict[str, int]:
    """Expire unanswered offers, give back chats of agents who went away, ring for waiting chats.
    ``as_of``: the moment to judge by (default now; see ``heartbeat``)."""
    now = min(as_of, clock.now()) if as_of is not None else clock.now()
    expired = 0
    for offer in Offer.objects.filter(state=OfferState.RINGING, expires_at__lt=now).select_related(
        "conversation"
    )[:200]:
        with transaction.atomic():
            conversation = stream.lock_conversation(offer.conversation)
            offer = Offer.objects.select_for_update().get(pk=offer.pk)
            if offer.state != OfferState.RINGING:
                continue
            _expire(offer, conversation)
            expired += 1
    gone = 0
    stale = now - timedelta(seconds=PRESENCE_SECONDS)
    grace = now - timedelta(seconds=DISCONNECT_GRACE_SECONDS)
    idle = now - timedelta(minutes=settings.CHAT_IDLE_MINUTES)
    busy = Q(
        agent__user_id__in=Conversation.objects.filter(state=ConversationState.ACTIVE).values("agent_id")
    ) | Q(agent__user_id__in=Offer.objects.filter(state=OfferState.RINGING).values("agent_id"))
    gone_or_idle = (
        ~Q(agent__status=AgentStatus.ONLINE)
        | Q(last_seen_at__isnull=True)
        | Q(last_seen_at__lt=stale)
        | Q(connections__lte=0, last_seen_at__lt=grace)
        | Q(last_activity_at__lt=idle)
    )
    for seat in ChatSeat.objects.filter(busy).filter(gone_or_idle).select_related("agent__user"):
        profile = seat.agent
        inactive = seat.last_activity_at is not None and seat.last_activity_at < idle
        if inactive and profile.status == AgentStatus.ONLINE:
            do_set_agent_status(profile, AgentStatus.AWAY, actor=None)
        gone += _requeue_chats_of(profile.user_id, "inactive" if inactive else "away")
    rung = route_waiting()
    return {"expired": expired, "requeued": gone, "rung": rung}


def maybe_sweep(as_of: datetime | None = None) -> None:
    """Sweep at most every couple of seconds across all processes (the cache holds the turn)."""
    if cache.add("chat-sweep-turn", 1, timeout=SWEEP_THROTTLE_SECONDS):
        sweep(as_of)


def push_state(conversation: Conversation, *, player: bool = True, position: int | None = None) -> None:
    if position is None and conversation.state in WAITING_STATES:
        position = queue_position(conversation)
    wait = estimated_wait(position) if position is not None else None
    frame = frames.state_frame(conversation, position=position, wait=wait)
    if player:
        frames.send_on_commit(frames.player_group(conversation.pk), frame)
    frames.send_on_commit(frames.agents_group(conversation.pk), frame)


def average_accept_seconds() -> float:
    since = clock.now() - timedelta(days=1)
    rows = Conversation.objects.filter(accepted_at__gte=since).order_by("-accepted_at")[:50]
    values = [(c.accepted_at - c.queued_at).total_seconds() for c in rows if c.accepted_at]
    return sum(values) / len(values) if values else 60.0
