"""The case-work models moved from ``players`` to ``accounthelp`` with their data: on a database migrated
before the move, with rows in every moved table, migrating runs no statement on those tables (no table,
column or index is created, dropped or altered) and every row reads back the same through the new models."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState
from django.test.utils import CaptureQueriesContext

from playerdesk.core import clock
from playerdesk.tickets.actions import do_create_macro
from playerdesk.tickets.models import Ticket
from tests.players.conftest import push_player

# The last state before the move: players at 0002, no accounthelp app yet.
BEFORE = [("players", "0002_player_account_wallet_and_help"), ("accounthelp", None)]
MOVED = [
    "Verification", "MacroPolicy", "AccountRequest", "WebhookDelivery", "WebhookAttempt", "DocumentRequest",
]  # fmt: skip
DDL = ("CREATE TABLE", "DROP TABLE", "ALTER TABLE", "CREATE INDEX", "CREATE UNIQUE INDEX", "DROP INDEX")


def migrate(targets: list[tuple[str, str | None]]) -> list[str]:
    """Migrate the test database to ``targets``; returns the SQL that ran."""
    with CaptureQueriesContext(connection) as ctx:
        MigrationExecutor(connection).migrate(targets)
    return [q["sql"] for q in ctx.captured_queries]


def touches_moved_tables(statements: list[str]) -> list[str]:
    tables = [f"players_{name.lower()}" for name in MOVED]
    return [s for s in statements if s.upper().startswith(DDL) or any(t in s for t in tables)]


def applied_state() -> Any:
    """The models as the migrations applied to the test database describe them."""
    loader = MigrationExecutor(connection).loader
    applied = set(loader.applied_migrations)
    leaves = [n for n in applied if not any(c.key in applied for c in loader.graph.node_map[n].children)]
    return loader.project_state(leaves).apps


@pytest.fixture
def before_the_move() -> Iterator[Any]:
    """The database as the base release left it; migrated forward again whatever the test does."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    statements = migrate(BEFORE)
    assert touches_moved_tables(statements) == []  # going back is state-only too
    try:
        yield applied_state()
    finally:
        migrate(latest)


@pytest.mark.django_db(transaction=True)
def test_moving_the_models_keeps_every_row_table_and_index(
    before_the_move: Any, make_ticket: Callable[..., Ticket], agent: User, team: Any
) -> None:
    old = before_the_move
    assert not old.is_installed("playerdesk.accounthelp")
    player = push_player()
    ticket = make_ticket(email="jordan@example.com", player=player, team=team)
    macro = do_create_macro("Balance", body_en="Hello {{ first_name }}.", body_fr="Bonjour {{ first_name }}.")
    now = clock.now()

    def old_model(name: str) -> Any:
        return old.get_model("players", name)

    old_model("Verification").objects.create(
        ticket_id=ticket.pk, player_id=player.pk, method="email_code", status="verified", code_hash="ab" * 32,
        attempts=2, expires_at=now + timedelta(minutes=15), requested_by_id=agent.pk, created_at=now,
        verified_at=now,
    )  # fmt: skip
    old_model("MacroPolicy").objects.create(macro_id=macro.pk, reveals_account_data=True, promotional=False)
    request = old_model("AccountRequest").objects.create(
        public_id="a" * 32, ticket_id=ticket.pk, player_id=player.pk, kind="limit_change", status="scheduled",
        payload={"limit": "deposit_day", "requested": "900.00"}, result={"status": "scheduled"},
        result_message="72-hour cooling-off.", effective_at=now + timedelta(hours=72),
        requested_by_id=agent.pk, created_at=now, updated_at=now,
    )  # fmt: skip
    delivery = old_model("WebhookDelivery").objects.create(
        event_id="e" * 32, kind="account.limit_change", payload={"id": "e" * 32, "data": {"kind": "limit"}},
        status="pending", attempts=1, next_attempt_at=now, last_status_code=503, last_error="HTTP 503",
        account_request_id=request.pk, ticket_id=ticket.pk, created_at=now,
    )  # fmt: skip
    old_model("WebhookAttempt").objects.create(
        delivery_id=delivery.pk, at=now, status_code=503, error="HTTP 503", duration_ms=42
    )
    old_model("DocumentRequest").objects.create(
        public_id="d" * 32, ticket_id=ticket.pk, types=["photo_id", "proof_of_address"], note="Both sides.",
        language="fr", status="open", uploads=0, reminders_sent=1, last_sent_at=now, requested_by_id=agent.pk,
        created_at=now,
    )  # fmt: skip
    rows = {name: list(old_model(name).objects.order_by("pk").values()) for name in MOVED}

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    assert touches_moved_tables(migrate(latest)) == []

    for name in MOVED:
        model = apps.get_model("accounthelp", name)
        assert model._meta.db_table == f"players_{name.lower()}"
        assert rows[name] and list(model.objects.order_by("pk").values()) == rows[name], name
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
        for index in model._meta.indexes:
            assert index.name in constraints, (name, index.name)
    # The moved models work as before through their new app: a related lookup across the move.
    assert ticket.webhooks.get().account_request.public_id == "a" * 32  # type: ignore[attr-defined]
    assert macro.player_policy.reveals_account_data is True  # type: ignore[attr-defined]

    # Nothing left for makemigrations to do: the migrations' state is the models'.
    loader = MigrationExecutor(connection).loader
    changes = MigrationAutodetector(loader.project_state(), ProjectState.from_apps(apps)).changes(
        graph=loader.graph
    )
    assert changes == {}
