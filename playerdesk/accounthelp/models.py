"""What the desk does on cases around a player: identity checks, macro policies, account-help requests
to the operator, the signed webhooks that carry them, and document requests.

These models moved here from the ``players`` app with their data: each keeps its table
(``players_<model>``) and its index names, so the move changed no row and no schema."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from playerdesk.core.enums import Language
from playerdesk.players.models import Player

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
        db_table = "players_verification"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ticket", "status"], name="verification_ticket_idx")]


# ---------------------------------------------------------------- macros


class MacroPolicy(models.Model):
    """What a macro may do, kept beside the macro: revealing account data needs a verified requester;
    promotional macros are never sent to a self-excluded player."""

    macro = models.OneToOneField("tickets.Macro", on_delete=models.CASCADE, related_name="player_policy")
    reveals_account_data = models.BooleanField(default=False)
    promotional = models.BooleanField(default=False)

    class Meta:
        db_table = "players_macropolicy"


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
        db_table = "players_accountrequest"
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
        db_table = "players_webhookdelivery"
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
        db_table = "players_webhookattempt"
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
        db_table = "players_documentrequest"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["last_sent_at"], name="docreq_open_idx", condition=Q(status="open")),
        ]
