"""The queue page issues the same, small number of queries at 10 and at 10,000 cases."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import generate
from playerdesk.core.models import AgentProfile, Role
from playerdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def queries_for(client: Client, url: str, min_rows: int = 0) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b'href="/desk/t/PD-') >= min_rows, url
    return len(captured.captured_queries)


def test_queue_queries_are_constant_from_10_to_10000_cases() -> None:
    generate.generate(10, analyze=False)
    supervisor = User.objects.create_user("scale-sup")
    AgentProfile.objects.create(user=supervisor, display_name="Sup", role=Role.SUPERVISOR)
    agent = User.objects.get(username="bench-payments-1")
    sup_client, agent_client = Client(), Client()
    sup_client.force_login(supervisor)
    agent_client.force_login(agent)
    urls = ["/desk/?tab=all", "/desk/?tab=teams", "/desk/?tab=unassigned", "/desk/?tab=all&priority=1"]
    small = [queries_for(sup_client, urls[0]), *(queries_for(agent_client, u) for u in urls[1:])]

    generate.generate(9_990, seed=7, analyze=False)
    assert Ticket.objects.count() == 10_000
    large = [queries_for(sup_client, urls[0], 50), *(queries_for(agent_client, u, 1) for u in urls[1:])]
    assert large == small
    assert max(large) <= 15
    # The next page stays constant too.
    page = sup_client.get(urls[0])
    match = re.search(r'href="([^"]+)" rel="next"', page.content.decode())
    assert match is not None
    next_link = match.group(1).replace("&amp;", "&")
    assert queries_for(sup_client, "/desk/" + next_link) == small[0]
