"""Demo accounts, fed the way the operator would: player pushes (status, VIP, limits, wallet) and
transactions through the same ingest as the API, so loading twice changes nothing."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from playerdesk.core import clock
from playerdesk.players import ingest
from playerdesk.players.models import Player
from playerdesk.players.schemas import PlayerPush, TransactionPush

METHODS = ["Interac e-Transfer", "Visa", "Mastercard", "iDebit", "MuchBetter"]
GAMES = [("Starburst", "NetEnt"), ("Book of Dead", "Play'n GO"), ("Lightning Roulette", "Evolution"),
         ("Gates of Olympus", "Pragmatic Play"), ("Blackjack Classic", "Evolution")]  # fmt: skip
# The first demo player has a long history (to page through); the others a few weeks of play.
LONG_HISTORY = 2000
SHORT_HISTORY = 25


def _status(index: int) -> str:
    if index == 3:
        return "self_excluded"
    if index == 7:
        return "suspended"
    if index == 11:
        return "closed"
    return "active"


def load_demo_accounts(players: list[Player], seed: int) -> list[Player]:
    """Give the demo players their account state and transactions; returns them freshly read."""
    now = clock.now().replace(microsecond=0)
    pushes: list[tuple[int, PlayerPush]] = []
    for index, player in enumerate(players):
        rng = random.Random(f"{seed}:account:{index}")  # noqa: S311
        status = _status(index)
        data: dict[str, Any] = {
            "external_id": player.external_id,
            "version": 1,
            "email": player.email,
            "first_name": player.first_name,
            "last_name": player.last_name,
            "phone": f"+1 {rng.choice(['416', '514', '604', '403', '613'])} 555 {rng.randint(1000, 9999)}",
            "locale": player.locale,
            "province": player.province,
            "status": status,
            "vip_level": ["", "", "", "silver", "gold", "platinum"][index % 6] if index % 3 == 0 else "",
            "limits": {"deposit_day": "250.00", "loss_week": "500.00"} if index % 4 == 0 else {},
            "balance": str(Decimal(rng.randint(0, 500_000)) / 100),
            "bonus_balance": str(Decimal(rng.randint(0, 5_000)) / 100),
            "balance_at": now.isoformat(),
        }
        if status == "self_excluded":
            data["self_excluded_until"] = (now + timedelta(days=180)).isoformat()
            data["bonus_balance"] = "0.00"
        pushes.append((index, PlayerPush.model_validate(data)))
    ingest.ingest_players(pushes)
    items: list[dict[str, Any]] = []
    for index, player in enumerate(players):
        rng = random.Random(f"{seed}:transactions:{index}")  # noqa: S311
        count = LONG_HISTORY if index == 0 else SHORT_HISTORY
        for n in range(count):
            at = now - timedelta(minutes=(count - n) * rng.randint(30, 90))
            kind = rng.choices(
                ["deposit", "withdrawal", "game_round", "bonus_credit", "adjustment"], [3, 1, 8, 1, 0.2]
            )[0]
            status = (
                "pending"
                if n >= count - 2 and kind == "withdrawal"
                else rng.choices(["completed", "failed", "reversed"], [40, 2, 1])[0]
            )
            item: dict[str, Any] = {
                "id": f"TX-{player.external_id[2:]}-{n + 1:05d}",
                "player_id": player.external_id,
                "type": kind,
                "status": status,
                "amount": str(
                    Decimal(rng.choice([10, 20, 25, 50, 100, 200, 500]))
                    if kind != "game_round"
                    else Decimal(rng.randint(20, 500)) / 100
                ),
                "occurred_at": at.isoformat(),
            }
            if kind in ("deposit", "withdrawal"):
                item["method"] = rng.choice(METHODS)
            if kind == "game_round":
                game, provider = rng.choice(GAMES)
                item.update(game=game, provider=provider, round_id=f"R{rng.randint(10**8, 10**9)}")
                item["win_amount"] = str(Decimal(rng.choice([0, 0, 0, 50, 120, 300])) / 100)
            items.append(item)
    for start in range(0, len(items), 2000):
        valid, _errors = ingest.validate(TransactionPush, items[start : start + 2000], first_index=start)
        ingest.ingest_transactions(valid)
    by_id = Player.objects.in_bulk([p.pk for p in players])
    return [by_id[p.pk] for p in players]
