"""Two workers assigning at once never give one case to two agents nor exceed capacity (PostgreSQL)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from playerdesk.core.models import AgentProfile, AgentStatus, Team
from playerdesk.tickets.models import Ticket, TicketEvent
from playerdesk.triage import actions as triage_actions
from playerdesk.triage.models import AgentRouting, TeamRouting, TriageDecision

TEXT = "My withdrawal of $100 has been pending for two days, when will it arrive?"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", ["round_robin", "least_loaded"])
def test_parallel_assignment_is_safe(mode: str, make_ticket: Callable[..., Ticket], make_agent: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite serialises writers)")
    team = Team.objects.create(slug="payments", name="Payments", skills=[])
    triage_actions.do_set_team_route("payments", team, actor=None)
    triage_actions.do_set_team_routing(team, mode=mode, alert_after_minutes=10, actor=None)
    users = [make_agent(f"w{n}", teams=[team], languages=["en", "fr"]) for n in range(3)]
    tickets = [make_ticket("Withdrawal", TEXT, email=f"c{n}@x.ca") for n in range(30)]  # nobody online yet
    assert TriageDecision.objects.filter(state="waiting").count() == 30
    capacity = 7
    for user in users:
        AgentRouting.objects.update_or_create(agent=user.agent, defaults={"capacity": capacity})
    AgentProfile.objects.update(status=AgentStatus.ONLINE)
    assert TeamRouting.objects.get(team=team).mode == mode

    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(seed: int) -> None:
        try:
            order = [t.pk for t in tickets]
            random.Random(seed).shuffle(order)  # noqa: S311
            barrier.wait()
            for pk in order:
                triage_actions.assign_case(pk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    loads = Counter(Ticket.objects.exclude(assignee=None).values_list("assignee_id", flat=True))
    assert sum(loads.values()) == 3 * capacity  # every agent filled, nobody over
    assert all(n <= capacity for n in loads.values())
    # Each case was given once: one assignment event per assigned case.
    given = Counter(
        TicketEvent.objects.filter(kind="assignee", data__to__isnull=False).values_list(
            "ticket_id", flat=True
        )
    )
    assert all(n == 1 for n in given.values()) and len(given) == 3 * capacity
    assert TriageDecision.objects.filter(state="waiting").count() == 30 - 3 * capacity
