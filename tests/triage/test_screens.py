"""Console screens: the triage settings page (supervisors and admins), the case panel and corrections,
and the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from playerdesk.core.models import AuditLog, Team
from playerdesk.tickets.models import Ticket
from playerdesk.triage.models import CategoryRule, TeamRoute, TeamRouting, TrainedModel, TriageDecision


@pytest.fixture
def sup_client(supervisor: User) -> Client:
    client = Client()
    client.force_login(supervisor)
    return client


def test_settings_page_is_for_supervisors_only(
    agent_client: Client, sup_client: Client, client: Client
) -> None:
    assert agent_client.get("/desk/triage/").status_code == 403
    assert client.get("/desk/triage/").status_code == 302
    assert agent_client.post("/desk/triage/rules/", {"category": "bonus", "pattern": "x"}).status_code == 403
    response = sup_client.get("/desk/triage/")
    assert response.status_code == 200
    assert "Test this text" in response.content.decode()


def test_test_this_text_shows_decision_and_reasons(sup_client: Client) -> None:
    response = sup_client.get(
        "/desk/triage/", {"subject": "Retrait", "text": "J'ai été débité deux fois pour le même dépôt"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "payments" in body and "P1" in body and "Critical transaction error" in body


def test_admin_rule_changes_triage(sup_client: Client, make_ticket: Callable[..., Ticket]) -> None:
    text = "Question about the loyalty shop"
    response = sup_client.post(
        "/desk/triage/rules/",
        {"category": "general", "kind": "phrase", "pattern": "loyalty shop", "weight": "12"},
    )
    assert response.status_code == 302
    assert CategoryRule.objects.filter(pattern="loyalty shop").exists()
    assert make_ticket("Shop", text).category == "general"
    bad = sup_client.post("/desk/triage/rules/", {"category": "general", "kind": "pattern", "pattern": "("})
    assert bad.status_code == 302
    assert not CategoryRule.objects.filter(pattern="(").exists()
    assert AuditLog.objects.filter(action="triage.rule.add").exists()


def test_team_map_modes_and_capacities(sup_client: Client, team: Team, agent: User) -> None:
    data = {
        f"route-{c}": ""
        for c in ("account", "verification", "bonus", "technical", "responsible_gambling", "general")
    }
    data["route-payments"] = str(team.pk)
    assert sup_client.post("/desk/triage/routes/", data).status_code == 302
    assert TeamRoute.objects.get(category="payments").team == team
    sup_client.post(
        f"/desk/triage/teams/{team.pk}/",
        {"mode": "least_loaded", "alert_after_minutes": "20", "skills": "payments, vip"},
    )
    routing = TeamRouting.objects.get(team=team)
    assert (routing.mode, routing.alert_after_minutes) == ("least_loaded", 20)
    team.refresh_from_db()
    assert team.skills == ["payments", "vip"]
    sup_client.post(
        f"/desk/triage/agents/{agent.agent.pk}/",
        {"skills": "payments", "languages": "en, fr", "capacity": "5"},
    )  # type: ignore[attr-defined]
    agent.agent.refresh_from_db()  # type: ignore[attr-defined]
    assert agent.agent.routing.capacity == 5 and agent.agent.languages == ["en", "fr"]  # type: ignore[attr-defined]
    wrong = sup_client.post(
        f"/desk/triage/agents/{agent.agent.pk}/",
        {"skills": "", "languages": "de", "capacity": "5"},
        follow=True,
    )  # type: ignore[attr-defined]
    assert "Languages are en and/or fr." in wrong.content.decode()


def test_case_panel_shows_reasons_and_agent_corrects(
    agent_client: Client, make_ticket: Callable[..., Ticket], team: Team
) -> None:
    case = make_ticket("Question", "My free spins were never credited", team=team)
    page = agent_client.get(f"/desk/t/{case.reference}/")
    body = page.content.decode()
    assert "Triage" in body and "Category bonus" in body
    response = agent_client.post(f"/desk/triage/cases/{case.reference}/confirm/", {"category": "technical"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.category == "technical"
    assert TriageDecision.objects.get(ticket=case).confirmed_category == "technical"
    assert case.events.filter(kind="category").exists()


def test_train_uses_agent_corrections(make_ticket: Callable[..., Ticket], agent: User, capsys: Any) -> None:
    from playerdesk.triage.actions import do_confirm_category

    case = make_ticket("Zorbl", "The zorbl widget is broken again", team=None)
    do_confirm_category(case, "technical", actor=agent)
    call_command("triage", "train")
    out = capsys.readouterr().out
    assert "1 confirmed by agents" in out
    model = TrainedModel.objects.get()
    assert model.confirmed_examples == 1 and "zorbl" in model.params["weights"]
    assert make_ticket("Zorbl", "zorbl", email="z@x.ca").category == "technical"


def test_evaluate_command(tmp_path: Path, capsys: Any, db: Any) -> None:
    path = tmp_path / "set.jsonl"
    rows = [
        {
            "text": "Mon retrait est en attente",
            "subject": "",
            "lang": "fr",
            "category": "payments",
            "urgent": False,
        },
        {
            "text": "Someone hacked my account",
            "subject": "",
            "lang": "en",
            "category": "account",
            "urgent": True,
        },
        {"text": "Where is the casino?", "subject": "", "lang": "en", "category": "bonus", "urgent": False},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    call_command("triage", "evaluate", str(path))
    out = capsys.readouterr().out
    assert "Language accuracy: 100.0%" in out and "Category accuracy: 66.7%" in out
    assert "Urgent recall: 100.0%" in out and "Confusion matrix" in out
    assert "Misclassified (1" in out and "Where is the casino?" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "lang": "de", "category": "bonus"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="lang must be en or fr"):
        call_command("triage", "evaluate", str(bad))
