"""The operator connector: idempotent, ordered, validated pushes; bulk path; file import."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from playerdesk.core.models import AuditLog
from playerdesk.players.models import IngestEvent, Player, Transaction
from tests.api.conftest import ApiClient
from tests.players.conftest import player_payload, push_player, tx_payload


def test_push_player_creates_then_same_push_changes_nothing(service_api: ApiClient) -> None:
    payload = player_payload(event_id="evt-1")
    first = service_api.post("/api/v1/players", payload)
    assert first.status_code == 200, first.content
    assert first.json()["outcome"] == "applied"
    player = Player.objects.get(external_id="P-2001")
    assert player.email == "jordan@example.com"
    assert player.balance == Decimal("1250.40")
    assert player.limits == {"deposit_day": "500.00"}
    assert player.vip_level == "gold"
    updated_at = player.updated_at

    again = service_api.post("/api/v1/players", payload)
    assert again.json()["outcome"] == "duplicate"
    player.refresh_from_db()
    assert player.updated_at == updated_at
    assert IngestEvent.objects.filter(kind="player").count() == 1


def test_older_version_is_ignored(service_api: ApiClient) -> None:
    service_api.post("/api/v1/players", player_payload(version=5, status="suspended"))
    older = service_api.post(
        "/api/v1/players", player_payload(version=4, status="active", email="old@example.com")
    )
    assert older.json()["outcome"] == "ignored_older"
    player = Player.objects.get(external_id="P-2001")
    assert (player.version, player.status, player.email) == (5, "suspended", "jordan@example.com")
    newer = service_api.post("/api/v1/players", player_payload(version=6, status="active"))
    assert newer.json()["outcome"] == "applied"
    player.refresh_from_db()
    assert (player.version, player.status) == (6, "active")


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"province": "ZZ"}, "province"),
        ({"status": "banned"}, "status"),
        ({"version": 0}, "version"),
        ({"limits": {"deposit_year": "5"}}, "limits"),
        ({"balance": "12.345"}, "balance"),
        ({"balance_at": "2026-11-20T14:00:00"}, "balance_at"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_invalid_player_push_names_the_field(
    service_api: ApiClient, override: dict[str, Any], field: str
) -> None:
    response = service_api.post("/api/v1/players", player_payload(**override))
    assert response.status_code == 422
    body = response.json()
    assert field in body["detail"]
    assert any(e["field"] == field for e in body["errors"])
    assert not Player.objects.exists()


def test_only_operator_tokens_push(api_for: Callable[..., ApiClient], agent: Any) -> None:
    for role, user in (("agent", agent), ("readonly", None)):
        response = api_for(role, user).post("/api/v1/players", player_payload())
        assert response.status_code == 403
    assert not Player.objects.exists()


def test_transaction_push_status_changes_and_order(service_api: ApiClient) -> None:
    push_player()
    url = "/api/v1/players/transactions"
    pending = tx_payload("W-1", type="withdrawal", status="pending", amount="200.00", version=1)
    assert service_api.post(url, pending).json()["outcome"] == "applied"
    done = tx_payload(
        "W-1",
        type="withdrawal",
        status="completed",
        amount="200.00",
        version=2,
        status_at="2026-11-21T09:00:00Z",
    )
    assert service_api.post(url, done).json()["outcome"] == "applied"
    # The pending event arriving late (older version) changes nothing.
    assert service_api.post(url, {**pending, "event_id": "late"}).json()["outcome"] == "ignored_older"
    tx = Transaction.objects.get(external_id="W-1")
    assert tx.status == "completed"
    assert [h["status"] for h in tx.history] == ["pending", "completed"]
    assert service_api.post(url, done).json()["outcome"] == "duplicate"


def test_transaction_validation_and_unknown_player(service_api: ApiClient) -> None:
    push_player()
    url = "/api/v1/players/transactions"
    bad_currency = service_api.post(url, tx_payload("T-1", currency="USD"))
    assert bad_currency.status_code == 422
    assert "currency" in bad_currency.json()["detail"]
    negative = service_api.post(url, tx_payload("T-1", amount="-5"))
    assert negative.status_code == 422 and "amount" in negative.json()["detail"]
    win_on_deposit = service_api.post(url, tx_payload("T-1", win_amount="3.00"))
    assert win_on_deposit.status_code == 422 and "win_amount" in win_on_deposit.json()["detail"]
    unknown = service_api.post(url, tx_payload("T-1", player_id="P-404"))
    assert unknown.status_code == 422
    assert "player_id" in unknown.json()["detail"]
    assert not Transaction.objects.exists()


def test_bulk_is_all_or_nothing_and_idempotent(service_api: ApiClient) -> None:
    players = [player_payload(f"P-{i}", email=f"p{i}@example.com") for i in range(5)]
    response = service_api.post("/api/v1/players/bulk", {"items": players})
    assert response.status_code == 200
    assert response.json()["applied"] == 5
    items = [tx_payload(f"T-{i}", f"P-{i % 5}") for i in range(40)]
    items[7]["amount"] = "abc"
    refused = service_api.post("/api/v1/players/transactions/bulk", {"items": items})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["index"] == 7
    assert refused.json()["errors"][0]["field"] == "amount"
    assert not Transaction.objects.exists()
    items[7]["amount"] = "12.00"
    ok = service_api.post("/api/v1/players/transactions/bulk", {"items": items})
    assert ok.json() == {"applied": 40, "ignored_older": 0, "duplicates": 0, "errors": []}
    snapshot = list(
        Transaction.objects.order_by("external_id").values_list("external_id", "status", "updated_at")
    )
    again = service_api.post("/api/v1/players/transactions/bulk", {"items": items})
    assert again.json()["duplicates"] == 40 and again.json()["applied"] == 0
    assert (
        list(Transaction.objects.order_by("external_id").values_list("external_id", "status", "updated_at"))
        == snapshot
    )
    assert AuditLog.objects.filter(action="transactions.ingest").count() == 2


def test_bulk_rejects_too_many_items(service_api: ApiClient) -> None:
    items = [tx_payload(f"T-{i}") for i in range(2001)]
    response = service_api.post("/api/v1/players/transactions/bulk", {"items": items})
    assert response.status_code in (413, 422)
    assert not Transaction.objects.exists()


def test_operator_reads_back_its_mirror(
    service_api: ApiClient, api_for: Callable[..., ApiClient], agent: Any
) -> None:
    push_player()
    service_api.post("/api/v1/players/transactions", tx_payload("T-1"))
    body = service_api.get("/api/v1/players/P-2001").json()
    assert body["version"] == 1 and body["balance"] == "1250.40"
    txs = service_api.get("/api/v1/players/P-2001/transactions").json()
    assert [t["id"] for t in txs["items"]] == ["T-1"]
    assert api_for("agent", agent).get("/api/v1/players/P-2001").status_code == 403


def test_import_jsonl_and_csv_with_bad_rows(db: Any, tmp_path: Path, capsys: Any) -> None:
    players = tmp_path / "players.csv"
    players.write_text(
        "external_id,version,email,first_name,last_name,locale,province,status,limits.deposit_day,balance\n"
        "P-1,1,a@example.com,Ann,Roy,fr,QC,active,100.00,10.50\n"
        "P-2,1,b@example.com,Bob,Ng,en,ON,self_excluded,,\n"
        "P-3,1,not-an-email,Cy,Li,en,ON,active,,\n"
    )
    with pytest.raises(CommandError):
        call_command("import_operator_data", "players", str(players), "--no-progress")
    out = capsys.readouterr()
    assert "line 4: field email" in out.err
    assert "2 applied" in out.out
    assert Player.objects.get(external_id="P-1").limits == {"deposit_day": "100.00"}

    txs = tmp_path / "transactions.jsonl"
    lines = [json.dumps(tx_payload(f"T-{i}", "P-1" if i % 2 else "P-2")) for i in range(10)]
    txs.write_text("\n".join(lines) + "\n")
    call_command("import_operator_data", "transactions", str(txs), "--batch", "3")
    assert Transaction.objects.count() == 10
    call_command("import_operator_data", "transactions", str(txs), "--no-progress")
    out = capsys.readouterr()
    assert "0 applied" in out.out and "10 duplicates" in out.out
    assert Transaction.objects.count() == 10
