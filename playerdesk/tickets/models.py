from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, Q
from django.utils.translation import gettext_lazy as _

from playerdesk.core.enums import Language
from playerdesk.core.models import Team
from playerdesk.players.models import Player


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_PLAYER = "waiting_player", _("Waiting on player")
    WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting on third party")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_PLAYER, Status.WAITING_THIRD_PARTY)

# Allowed manual transitions. Reopening a solved case happens when the player writes (see actions).
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.OPEN, Status.WAITING_PLAYER, Status.WAITING_THIRD_PARTY, Status.SOLVED},
    Status.OPEN: {Status.WAITING_PLAYER, Status.WAITING_THIRD_PARTY, Status.SOLVED},
    Status.WAITING_PLAYER: {Status.OPEN, Status.WAITING_THIRD_PARTY, Status.SOLVED},
    Status.WAITING_THIRD_PARTY: {Status.OPEN, Status.WAITING_PLAYER, Status.SOLVED},
    Status.SOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")
    WEB = "web", _("Web form")
    API = "api", _("API")
    PHONE = "phone", _("Phone")


class Category(models.TextChoices):
    ACCOUNT = "account", _("Account")
    PAYMENTS = "payments", _("Payments")
    VERIFICATION = "verification", _("Verification")
    BONUS = "bonus", _("Bonus")
    TECHNICAL = "technical", _("Technical")
    RESPONSIBLE_GAMBLING = "responsible_gambling", _("Responsible gambling")
    GENERAL = "general", _("General")


class Priority(models.IntegerChoices):
    P1 = 1, "P1"
    P2 = 2, "P2"
    P3 = 3, "P3"
    P4 = 4, "P4"


class Tag(models.Model):
    name = models.SlugField(max_length=50, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    reference = models.CharField(max_length=12, unique=True, editable=False)
    subject = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    category = models.CharField(max_length=24, choices=Category.choices, default=Category.GENERAL)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.P3)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned"
    )
    player = models.ForeignKey(
        Player, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    requester_email = models.EmailField(max_length=254, db_index=True)
    requester_name = models.CharField(max_length=120, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    linked_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_player_message_at = models.DateTimeField(null=True, blank=True)
    # When the player was sent the automatic acknowledgement of this case (intake's policy), if ever.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    # Sequence number of the last timeline event: the console sends it back with a reply so a reply
    # written against a stale view of the case can be held.
    last_event_seq = models.PositiveIntegerField(default=0)
    last_event_hash = models.CharField(max_length=64, blank=True)
    # Derived by the database from status; indexed for the queues.
    is_open = models.GeneratedField(
        expression=ExpressionWrapper(
            Q(status__in=[s.value for s in OPEN_STATUSES]), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    class Meta:
        indexes = [
            # Queue order: priority, then oldest first; keyset pagination walks (priority, received_at, id).
            # The open-case queues seek on is_open (an equality, usable with bound parameters on both
            # databases) and read the rest of the index in queue order: no sort, flat with history size.
            models.Index(fields=["is_open", "priority", "received_at", "id"], name="ticket_open_queue_idx"),
            models.Index(
                fields=["team", "is_open", "priority", "received_at", "id"], name="ticket_team_open_idx"
            ),
            models.Index(
                fields=["assignee", "is_open", "priority", "received_at", "id"],
                name="ticket_assignee_open_idx",
            ),
            models.Index(fields=["status", "priority", "received_at", "id"], name="ticket_status_queue_idx"),
            models.Index(fields=["priority", "received_at", "id"], name="ticket_all_queue_idx"),
            models.Index(fields=["-received_at", "-id"], name="ticket_recent_idx"),
            # One automatic acknowledgement per address a day, whatever the channel.
            models.Index(
                fields=["requester_email", "acknowledged_at"],
                name="ticket_acknowledged_idx",
                condition=Q(acknowledged_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def requester_label(self) -> str:
        if self.player_id and self.player:
            return self.player.full_name or self.requester_email
        return self.requester_name or self.requester_email


class MessageKind(models.TextChoices):
    INBOUND = "inbound", _("From the player")
    OUTBOUND = "outbound", _("Reply to the player")
    NOTE = "note", _("Internal note")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    author_name = models.CharField(max_length=120, blank=True)
    author_email = models.EmailField(max_length=254, blank=True)
    body_text = models.TextField()
    body_html = models.TextField(blank=True, help_text="Sanitized HTML, safe to display.")
    created_at = models.DateTimeField()
    external_id = models.CharField(max_length=255, blank=True, help_text="Message-ID or chat client id.")
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="message_ticket_idx"),
            # A client's own id for a message (an API event id, a chat id): sending it again finds the case.
            models.Index(fields=["external_id"], condition=~Q(external_id=""), name="message_external_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "external_id"], condition=~Q(external_id=""), name="message_external_once"
            )
        ]

    @property
    def is_public(self) -> bool:
        return self.kind != MessageKind.NOTE


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to="attachments/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField()


class TicketEvent(models.Model):
    """One entry of a case's timeline. Events of a ticket are hash-chained: see ``tickets.timeline``."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=120)
    data = models.JSONField(default=dict)
    public = models.BooleanField(default=False, help_text="Changes the player's view of the case.")
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["ticket", "seq"]
        constraints = [models.UniqueConstraint(fields=["ticket", "seq"], name="ticket_event_seq_unique")]


class Macro(models.Model):
    """A canned reply in English and French with placeholders, plus optional changes to apply."""

    name = models.CharField(max_length=100, unique=True)
    body_en = models.TextField()
    body_fr = models.TextField()
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    set_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    add_tags = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SearchEntry(models.Model):
    """Accent-folded text of a case (subject, requester, messages) for full-text search.

    SQLite indexes it with an FTS5 external-content table; PostgreSQL with a GIN index on its tsvector.
    Both are created by the migration for the database in use.
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, primary_key=True, related_name="search")
    document = models.TextField()
