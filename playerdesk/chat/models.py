"""Live chat state: the visitor behind a widget, conversations (each one a chat case), their ordered
stream of entries, ringing offers to agents and each agent's chat seat (presence, capacity)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from playerdesk.core.enums import Language
from playerdesk.core.models import AgentProfile, Team
from playerdesk.players.models import Player
from playerdesk.tickets.models import Message, Ticket


class ChatSession(models.Model):
    """Who is behind a widget: a verified player (from a signed token) or a guest (name and email given,
    never verified). The widget keeps the secret key; only its SHA-256 is stored."""

    key_hash = models.CharField(max_length=64, unique=True)
    player = models.ForeignKey(Player, null=True, blank=True, on_delete=models.CASCADE, related_name="chats")
    guest_name = models.CharField(max_length=120, blank=True)
    guest_email = models.EmailField(max_length=254, blank=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    @property
    def verified(self) -> bool:
        return self.player_id is not None


class UsedToken(models.Model):
    """Player tokens already presented (by ``jti``): a token works once, a replay is refused."""

    jti = models.CharField(max_length=128, unique=True)
    expires_at = models.DateTimeField(db_index=True)


class ConversationState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RINGING = "ringing", "Ringing"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


WAITING_STATES = (ConversationState.QUEUED, ConversationState.RINGING)
LIVE_STATES = (ConversationState.QUEUED, ConversationState.RINGING, ConversationState.ACTIVE)


class Conversation(models.Model):
    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="conversations")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="chats")
    state = models.CharField(
        max_length=10, choices=ConversationState.choices, default=ConversationState.QUEUED
    )
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="chats"
    )
    # Only this agent may take the chat while it is being transferred to them.
    transfer_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    queued_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_seq = models.PositiveIntegerField(default=0)
    last_public_seq = models.PositiveIntegerField(default=0)
    player_read_seq = models.PositiveIntegerField(default=0)
    agent_read_seq = models.PositiveIntegerField(default=0)
    player_seen_at = models.DateTimeField(null=True, blank=True)
    player_connections = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["state", "queued_at", "id"], name="chat_conv_queue_idx"),
            models.Index(fields=["agent", "state"], name="chat_conv_agent_idx"),
            models.Index(fields=["session", "-id"], name="chat_conv_session_idx"),
        ]


class EntryKind(models.TextChoices):
    MESSAGE = "message", "Message"
    EVENT = "event", "Event"
    WHISPER = "whisper", "Whisper"


class ChatEntry(models.Model):
    """One item of a conversation's stream, numbered without gaps (``seq``). Players see public entries
    only; ``prev_public`` lets their widget check that nothing is missing between two of them."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="entries")
    seq = models.PositiveIntegerField()
    prev_public = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    sender = models.CharField(max_length=10)  # player / agent / system
    public = models.BooleanField(default=True)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(max_length=120, blank=True)
    body = models.TextField(blank=True)
    event = models.CharField(max_length=30, blank=True)
    data = models.JSONField(default=dict, blank=True)
    client_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="chat_entry_seq_unique"),
            models.UniqueConstraint(
                fields=["conversation", "sender", "client_id"],
                condition=~Q(client_id=""),
                name="chat_entry_client_once",
            ),
        ]


class OfferState(models.TextChoices):
    RINGING = "ringing", "Ringing"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Offer(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="offers")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_offers")
    state = models.CharField(max_length=10, choices=OfferState.choices, default=OfferState.RINGING)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "expires_at"], name="chat_offer_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"], condition=Q(state="ringing"), name="chat_offer_one_ringing"
            )
        ]


class ChatSeat(models.Model):
    """An agent's place in live chat: open chat sockets, last sign of life, last activity."""

    agent = models.OneToOneField(AgentProfile, on_delete=models.CASCADE, related_name="chat_seat")
    connections = models.IntegerField(default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)
