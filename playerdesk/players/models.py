"""The player mirror (the operator's platform stays the source of truth), its wallet and transactions.

What the desk does on cases around a player (identity checks, account help, document requests, webhooks
to the operator) is the ``accounthelp`` service."""

from __future__ import annotations

from django.db import models
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
