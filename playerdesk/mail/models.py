"""Mail: the mailboxes PlayerDesk answers for, every inbound email as received (raw, encrypted, deduplicated),
the outbox, reply addresses of cases, bounces and undeliverable addresses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from playerdesk.core.fields import EncryptedCharField


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    # Never attempted: the address is marked undeliverable (see ``UndeliverableAddress``).
    NOT_SENT = "not_sent", _("Not sent")


class OutboundEmail(models.Model):
    """The outbox: every email PlayerDesk sends is a row first, then delivered (with retries) by a job.

    In demo mode (no relay configured) delivered mail stays here and is shown in the console mailbox.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound_emails"
    )
    kind = models.CharField(max_length=40)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, unique=True)
    headers = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=2, default="en")
    status = models.CharField(max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    # SMTP reply code of the last attempt (0: no answer, e.g. connection refused).
    last_code = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_detail = models.CharField(max_length=500, blank=True)
    # An agent sent this email again (it failed, bounced or was not sent): the copy points to it.
    resend_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resent_as"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbound_due_idx", condition=Q(status="pending")),
            models.Index(fields=["to", "created_at"], name="outbound_to_idx"),
            models.Index(fields=["ticket", "created_at"], name="outbound_ticket_idx"),
        ]

    @property
    def is_automatic(self) -> bool:
        return "Auto-Submitted" in self.headers


class Mailbox(models.Model):
    """An address PlayerDesk receives mail for (``<local_part>@PLAYERDESK_MAIL_DOMAIN``), the team and
    language its new cases get, and optionally an IMAP account polled for it."""

    local_part = models.CharField(max_length=64, unique=True, help_text="e.g. support, verification")
    name = models.CharField(max_length=100, blank=True)
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.SET_NULL)
    language = models.CharField(max_length=2, default="en")
    category = models.CharField(
        max_length=24, blank=True, help_text="Category of new cases (blank: triage decides)."
    )
    is_active = models.BooleanField(default=True)
    # IMAP: polled when a host is set. Messages are marked seen (or moved) only once stored.
    imap_host = models.CharField(max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(default=993)
    imap_ssl = models.BooleanField(default=True)
    imap_user = models.CharField(max_length=255, blank=True)
    # Encrypted at rest with the files key.
    imap_password = EncryptedCharField(max_length=500, blank=True)
    imap_folder = models.CharField(max_length=255, default="INBOX")
    imap_done_folder = models.CharField(
        max_length=255, blank=True, help_text="Move stored messages here (blank: mark them seen)."
    )
    # One poller per mailbox at a time, across processes and machines: a lease in the database.
    poll_owner = models.CharField(max_length=64, blank=True)
    poll_lease_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_poll_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["local_part"]

    def __str__(self) -> str:
        return self.local_part

    @property
    def address(self) -> str:
        return f"{self.local_part}@{settings.MAIL_DOMAIN}"


class InboundStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be processed")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Processed")
    QUARANTINED = "quarantined", _("Quarantined")
    REJECTED = "rejected", _("Rejected")


class InboundOutcome(models.TextChoices):
    NONE = "", _("Not yet")
    CASE = "case", _("New case")
    FOLLOW_UP = "follow_up", _("Added to a case")
    BOUNCE = "bounce", _("Bounce")
    DUPLICATE = "duplicate", _("Duplicate")
    LOOP = "loop", _("Our own mail coming back")
    IGNORED = "ignored", _("Automatic mail, no case")


class InboundEmail(models.Model):
    """One email as received. The raw bytes are stored (encrypted) before anything parses them; the
    sha256 makes a second delivery of the same bytes a no-op, Message-ID + sender catch re-sends."""

    received_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=10)  # smtp | imap
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL)
    envelope_from = models.CharField(max_length=320, blank=True)
    envelope_to = models.JSONField(default=list, blank=True)
    peer = models.CharField(max_length=100, blank=True)
    raw = models.BinaryField(help_text="Encrypted raw message (possibly cut when it was over the size cap).")
    raw_truncated = models.BooleanField(default=False)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, unique=True)
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=InboundStatus.choices, default=InboundStatus.PENDING)
    outcome = models.CharField(max_length=12, choices=InboundOutcome.choices, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    # Filled when parsed (or from a quick header read for quarantined mail).
    from_address = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_emails"
    )
    ticket_message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Message-ID + sender of an accepted message: a second copy with other bytes is a duplicate.
    dedup_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    claim = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    parse_ms = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["received_at"],
                name="inbound_todo_idx",
                condition=Q(status__in=["pending", "processing"]),
            ),
            models.Index(
                fields=["-received_at", "-id"],
                name="inbound_quarantine_idx",
                condition=Q(status="quarantined"),
            ),
            models.Index(fields=["ticket", "received_at"], name="inbound_ticket_idx"),
        ]


class CaseMail(models.Model):
    """Mail details of a case: its reply address token (``support+<token>@domain``, unguessable) and the
    mailbox it answers from."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="mail")
    reply_token = models.CharField(max_length=32, unique=True)
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField()


class MailLink(models.Model):
    """A hint shown to the agent: this email case may be a follow-up of another case."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="mail_links")
    related = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20)  # same_subject | mentions_reference
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "related"], name="mail_link_once")]


class UndeliverableAddress(models.Model):
    """An address mail could not be delivered to (5xx from the relay or a permanent bounce). The outbox
    sends nothing to it (such mail is recorded as not sent, with the reason) until the player writes in
    again from it, which deletes the row."""

    address = models.CharField(max_length=320, unique=True)
    code = models.CharField(max_length=16, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)
    outbound = models.ForeignKey(OutboundEmail, null=True, blank=True, on_delete=models.SET_NULL)
    inbound = models.ForeignKey(InboundEmail, null=True, blank=True, on_delete=models.SET_NULL)

    @staticmethod
    def marks_of(address: str) -> models.QuerySet[UndeliverableAddress]:
        """The mark of ``address`` as it is stored (trimmed, lower-cased), if any."""
        return UndeliverableAddress.objects.filter(address=address.strip().lower()[:320])
