"""What the operator pushes (players, transactions, request results) and what the API answers.

The same models validate API bodies and the rows of ``playerdesk import`` files, so both paths refuse
the same things with the same messages (each naming the field in error)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from playerdesk.core.enums import PROVINCES
from playerdesk.players.models import LIMIT_KINDS, PlayerStatus, TxStatus, TxType

MAX_BULK_ITEMS = 2000
Money = Decimal


def _money(value: Decimal | None, field: str) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite():
        raise ValueError(f"{field} must be a number")
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"{field} has at most 2 decimal places (CAD cents)")
    if abs(value) >= Decimal("1e12"):
        raise ValueError(f"{field} is out of range")
    return value


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("a time zone is required, e.g. 2026-11-20T14:03:00Z")
    return value


class PushBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PlayerPush(PushBase):
    """A player created or updated on the operator's platform."""

    event_id: str | None = Field(None, max_length=100, description="Unique id of this event (idempotency).")
    external_id: str = Field(..., min_length=1, max_length=64, description="The operator's account id.")
    version: int = Field(..., ge=1, description="Increases with every change of the player on the platform.")
    email: str = Field(..., min_length=3, max_length=254)
    first_name: str = Field("", max_length=80)
    last_name: str = Field("", max_length=80)
    phone: str = Field("", max_length=32)
    locale: Literal["en", "fr"] = "en"
    province: str = Field("", max_length=2)
    status: PlayerStatus = PlayerStatus.ACTIVE
    self_excluded_until: datetime | None = None
    vip_level: str = Field("", max_length=30)
    limits: dict[str, Decimal | None] = Field(default_factory=dict)
    balance: Money | None = None
    bonus_balance: Money | None = None
    balance_at: datetime | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(value)
        except ValidationError as exc:
            raise ValueError("not a valid email address") from exc
        local, _, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}"

    @field_validator("province")
    @classmethod
    def _province(cls, value: str) -> str:
        value = value.upper()
        if value and value not in dict(PROVINCES):
            raise ValueError(f"unknown province {value!r}: use a two-letter code such as ON or QC")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not all(c.isdigit() or c in "+-() ." for c in value):
            raise ValueError("a phone number has digits, spaces and + - ( ) only")
        return value

    @field_validator("limits")
    @classmethod
    def _limits(cls, value: dict[str, Decimal | None]) -> dict[str, Decimal | None]:
        for name, amount in value.items():
            if name not in LIMIT_KINDS:
                raise ValueError(f"unknown limit {name!r}: use {', '.join(LIMIT_KINDS)}")
            if amount is not None and amount < 0:
                raise ValueError(f"limit {name} cannot be negative")
            _money(amount, f"limit {name}")
        return value

    @field_validator("balance", "bonus_balance")
    @classmethod
    def _balances(cls, value: Decimal | None) -> Decimal | None:
        return _money(value, "a balance")

    @field_validator("balance_at", "self_excluded_until")
    @classmethod
    def _times(cls, value: datetime | None) -> datetime | None:
        return _aware(value)

    def key(self) -> str:
        return self.event_id or f"player:{self.external_id}:v{self.version}"


class TransactionPush(PushBase):
    """A wallet transaction, new or with a new status (each change increases ``version``)."""

    event_id: str | None = Field(None, max_length=100, description="Unique id of this event (idempotency).")
    id: str = Field(..., min_length=1, max_length=64, description="The operator's transaction id.")
    player_id: str = Field(..., min_length=1, max_length=64, description="The player's external id.")
    version: int = Field(1, ge=1)
    type: TxType
    status: TxStatus
    amount: Money = Field(..., ge=0, description="CAD; for a game round, the stake.")
    win_amount: Money | None = Field(None, ge=0, description="Game rounds: what the round paid.")
    currency: Literal["CAD"] = "CAD"
    method: str = Field("", max_length=40)
    game: str = Field("", max_length=80)
    provider: str = Field("", max_length=80)
    round_id: str = Field("", max_length=64)
    occurred_at: datetime
    status_at: datetime | None = Field(None, description="When the status changed (default occurred_at).")

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: Decimal) -> Decimal | None:
        return _money(value, "an amount")

    @field_validator("win_amount")
    @classmethod
    def _win(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        if value is not None and info.data.get("type") not in (None, TxType.GAME_ROUND):
            raise ValueError("win_amount applies to game_round transactions only")
        return _money(value, "an amount")

    @field_validator("occurred_at", "status_at")
    @classmethod
    def _times(cls, value: datetime | None) -> datetime | None:
        return _aware(value)

    def key(self) -> str:
        return self.event_id or f"tx:{self.id}:v{self.version}"


class PlayerBulkIn(PushBase):
    items: list[dict[str, Any]] = Field(..., max_length=MAX_BULK_ITEMS)


class TransactionBulkIn(PushBase):
    items: list[dict[str, Any]] = Field(..., max_length=MAX_BULK_ITEMS)


class RequestResultIn(PushBase):
    event_id: str | None = Field(None, max_length=100)
    status: Literal["completed", "rejected", "scheduled"]
    message: str = Field("", max_length=2000, description="Shown to the agent on the case.")
    effective_at: datetime | None = Field(None, description="Scheduled changes: when they take effect.")

    @field_validator("effective_at", mode="after")
    @classmethod
    def _times(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class IngestOut(Schema):
    applied: int
    ignored_older: int
    duplicates: int
    errors: list[dict[str, Any]] = []


class PushOut(Schema):
    outcome: Literal["applied", "ignored_older", "duplicate"]
    external_id: str
    version: int
