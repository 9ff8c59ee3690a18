"""Fixtures of the player tests: operator tokens, a player with transactions, the responsible-gambling
team, and helpers that push data the way the operator does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from playerdesk.api.actions import do_create_token
from playerdesk.core.models import Role, Team
from playerdesk.players import ingest
from playerdesk.players.models import Player
from playerdesk.players.schemas import PlayerPush, TransactionPush
from tests.api.conftest import ApiClient

BASE_TIME = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def api_for(db: Any) -> Callable[..., ApiClient]:
    def make(role: str, user: User | None = None) -> ApiClient:
        token, _ = do_create_token(f"{role} token", role, user=user)
        return ApiClient(token)

    return make


@pytest.fixture
def service_api(api_for: Callable[..., ApiClient]) -> ApiClient:
    return api_for("service")


@pytest.fixture
def rg_team(db: Any) -> Team:
    return Team.objects.create(slug="responsible-gambling", name="Responsible gambling", skills=["rg"])


def player_payload(external_id: str = "P-2001", version: int = 1, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "external_id": external_id,
        "version": version,
        "email": "jordan@example.com",
        "first_name": "Jordan",
        "last_name": "Lee",
        "phone": "+1 416 555 0199",
        "locale": "en",
        "province": "ON",
        "status": "active",
        "vip_level": "gold",
        "limits": {"deposit_day": "500.00"},
        "balance": "1250.40",
        "bonus_balance": "20.00",
        "balance_at": "2026-11-20T14:00:00Z",
    }
    data.update(overrides)
    return data


def tx_payload(tx_id: str, player_id: str = "P-2001", version: int = 1, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": tx_id,
        "player_id": player_id,
        "version": version,
        "type": "deposit",
        "status": "completed",
        "amount": "100.00",
        "currency": "CAD",
        "method": "Interac",
        "occurred_at": "2026-11-20T13:00:00Z",
    }
    data.update(overrides)
    return data


def push_player(**kwargs: Any) -> Player:
    payload = player_payload(**kwargs)
    ingest.ingest_players([(0, PlayerPush.model_validate(payload))])
    return Player.objects.get(external_id=payload["external_id"])


def push_transactions(items: list[dict[str, Any]]) -> ingest.IngestResult:
    valid, errors = ingest.validate(TransactionPush, items)
    assert not errors, errors
    return ingest.ingest_transactions(valid)


def make_transactions(player_id: str, count: int, *, start: int = 0) -> None:
    items = []
    for i in range(start, start + count):
        kind = ("deposit", "withdrawal", "game_round", "bonus_credit")[i % 4]
        item = tx_payload(
            f"TX-{player_id}-{i:06d}",
            player_id,
            type=kind,
            status="pending" if i % 10 == 0 else "completed",
            amount=str(Decimal(10 + i % 90)),
            occurred_at=(BASE_TIME + timedelta(minutes=i)).isoformat(),
        )
        if kind == "game_round":
            item.update(win_amount="5.00", game="Starburst", provider="NetEnt", round_id=f"R{i}", method="")
        items.append(item)
    for begin in range(0, len(items), 2000):
        push_transactions(items[begin : begin + 2000])


@pytest.fixture
def account(db: Any) -> Player:
    """A player pushed by the operator, with a few transactions."""
    player = push_player()
    make_transactions(player.external_id, 30)
    return player


@pytest.fixture
def admin_user(make_agent: Callable[..., User]) -> User:
    return make_agent("ada", role=Role.ADMIN)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
