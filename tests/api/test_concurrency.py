"""Two identical requests arriving at the same moment open one case (PostgreSQL, real transactions)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from playerdesk.api.actions import do_create_token
from playerdesk.tickets.models import Ticket


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_open_one_case(new_ticket_payload: dict[str, Any]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite runs writers one at a time)")
    token, _ = do_create_token("backend", "service")
    payload = json.dumps({**new_ticket_payload, "external_id": "evt-race"})
    barrier = threading.Barrier(8)
    results: list[tuple[int, str]] = []

    def post() -> None:
        try:
            barrier.wait()
            response = Client().post(
                "/api/v1/tickets",
                payload,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            results.append((response.status_code, response.json()["reference"]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 8
    assert sorted(code for code, _ in results) == [200] * 7 + [201]
    assert len({reference for _, reference in results}) == 1
    assert Ticket.objects.count() == 1
