"""The player mirror (the operator's platform stays the source of truth), its wallet and transactions,
and what the desk does about a player: identity checks, account-help requests to the operator, document
requests, and the signed webhooks that carry requests to the operator."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from playerdesk.core.enums import PROVINCES, Language

# Responsible-gambling limits the operator may push, by name. Amounts are CAD; session limits minutes.
LIMIT_KINDS = {
    "deposit_day": _("Deposit limit per day"),
    "deposit_week": _("Deposit limit per week"),
    "deposit_month": _("Deposit limit per month"),
    "loss_day": _("Loss limit per day"),
    "loss_week": _("Loss limit per week"),
    "loss_month": _("Loss limit per month"),
    "wager_day": _("Wager limit per day"),
    "wager_week": _("Wager limit per week"),
    "wager_month": _("Wager limit per month"),
    "session_minutes": _("Session time limit (minutes)"),
}


class PlayerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")
    SELF_EXCLUDED = "self_excluded", _("Self-excluded")


class Player(models.Model):
    """Mirror of a player account of the operator's platform (the operator stays the source of truth)."""

    external_id = models.CharField(max_length=64, unique=True)
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    email = models.EmailField(max_length=254, db_index=True)
    phone = models.CharField(max_length=32, blank=True)
    locale = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    province = models.CharField(max_length=2, choices=PROVINCES, blank=True)
    status = models.CharField(max_length=16, choices=PlayerStatus.choices, default=PlayerStatus.ACTIVE)
    self_excluded_until = models.DateTimeField(null=True, blank=True)
    vip_level = models.CharField(max_length=30, blank=True)
    limits = models.JSONField(default=dict, blank=True)
    # The wallet as last pushed by the operator.
    balance = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    bonus_balance = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    balance_at = models.DateTimeField(null=True, blank=True)
    # The operator's version of the record: a push with an older or equal version changes nothing.
    version = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("player")

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_self_excluded(self) -> bool:
        return self.status == PlayerStatus.SELF_EXCLUDED


class TxType(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    GAME_ROUND = "game_round", _("Game round")
    BONUS_CREDIT = "bonus_credit", _("Bonus credit")
    ADJUSTMENT = "adjustment", _("Adjustment")


class TxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    REVERSED = "reversed", _("Reversed")


class Transaction(models.Model):
    """One wallet movement as the operator reported it. A game round is summarised: stake and win."""

    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="transactions")
    external_id = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=16, choices=TxType.choices)
    status = models.CharField(max_length=12, choices=TxStatus.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    win_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="CAD")
    method = models.CharField(max_length=40, blank=True)
    game = models.CharField(max_length=80, blank=True)
    provider = models.CharField(max_length=80, blank=True)
    round_id = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField()
    version = models.BigIntegerField(default=1)
    # Status changes as pushed: [{"status": "pending", "at": "…"}, …]
    history = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["player", "-occurred_at", "-id"], name="tx_player_recent_idx"),
            models.Index(fields=["player", "type", "-occurred_at", "-id"], name="tx_player_type_idx"),
        ]


class IngestEvent(models.Model):
    """An operator event already applied (or deliberately ignored): the same event id changes nothing."""

    event_id = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20)
    outcome = models.CharField(max_length=20)
    received_at = models.DateTimeField()


# ---------------------------------------------------------------- identity


class VerificationMethod(models.TextChoices):
    EMAIL_ON_FILE = "email_on_file", _("Writes from the email address on file")
    EMAIL_CODE = "email_code", _("One-time code sent to the email on file")
    PHONE_CODE = "phone_code", _("One-time code sent to the phone on file")
    OPERATOR_TOKEN = "operator_token", _("Signed in on the operator's site")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("Code sent")
    VERIFIED = "verified", _("Verified")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class Verification(models.Model):
    """A check that the person writing on a case is the player on file."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="verifications")
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="verifications")
    method = models.CharField(max_length=20, choices=VerificationMethod.choices)
    status = models.CharField(max_length=10, choices=VerificationStatus.choices)
    code_hash = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ticket", "status"], name="verification_ticket_idx")]


# ---------------------------------------------------------------- macros


class MacroPolicy(models.Model):
    """What a macro may do, kept beside the macro: revealing account data needs a verified requester;
    promotional macros are never sent to a self-excluded player."""

    macro = models.OneToOneField("tickets.Macro", on_delete=models.CASCADE, related_name="player_policy")
    reveals_account_data = models.BooleanField(default=False)
    promotional = models.BooleanField(default=False)


# ---------------------------------------------------------------- account help


class RequestKind(models.TextChoices):
    PASSWORD_RESET = "password_reset", _("Password reset link")
    DETAILS_CHANGE = "details_change", _("Personal details change")
    STATUS_QUESTION = "status_question", _("Account status question")
    CLOSURE = "closure", _("Account closure")
    REOPENING = "reopening", _("Account reopening")
    LIMIT_CHANGE = "limit_change", _("Limit change")


class RequestStatus(models.TextChoices):
    SENT = "sent", _("Sent to the operator")
    SCHEDULED = "scheduled", _("Scheduled (cooling-off)")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Not delivered")


class AccountRequest(models.Model):
    """An account-help request made on a case and carried to the operator by a signed webhook; the
    operator answers through the API (``POST /api/v1/players/requests/{id}/result``)."""

    public_id = models.CharField(max_length=32, unique=True)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="account_requests")
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="account_requests")
    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.SENT)
    payload = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_message = models.TextField(blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]


# ---------------------------------------------------------------- webhooks


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One webhook to the operator (the outbox row): signed, retried with backoff until acknowledged."""

    event_id = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    account_request = models.ForeignKey(
        AccountRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks"
    )
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="webhook_due_idx", condition=Q(status="pending")),
        ]


class WebhookAttempt(models.Model):
    """The delivery log: every attempt, its answer or error."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]


# ---------------------------------------------------------------- documents


class DocumentType(models.TextChoices):
    PHOTO_ID = "photo_id", _("Photo ID (passport, driver's licence)")
    PROOF_OF_ADDRESS = "proof_of_address", _("Proof of address (less than 3 months old)")
    PAYMENT_PROOF = "payment_proof", _("Proof of payment method (card or bank statement)")
    SOURCE_OF_FUNDS = "source_of_funds", _("Source of funds")
    SCREENSHOT = "screenshot", _("Screenshot of the problem")
    OTHER = "other", _("Other document")


class DocumentRequestStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the player")
    RECEIVED = "received", _("Documents received")
    CANCELLED = "cancelled", _("Cancelled")


class DocumentRequest(models.Model):
    """Documents asked of the player on one case, uploaded through a signed, expiring link."""

    public_id = models.CharField(max_length=32, unique=True)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="document_requests")
    types = models.JSONField(default=list)
    note = models.TextField(blank=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    status = models.CharField(
        max_length=10, choices=DocumentRequestStatus.choices, default=DocumentRequestStatus.OPEN
    )
    uploads = models.PositiveSmallIntegerField(default=0)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["last_sent_at"], name="docreq_open_idx", condition=Q(status="open")),
        ]
