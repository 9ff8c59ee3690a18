"""The console in French for agents whose browser asks for it (Québec agents answer French cases all day)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-CA,fr;q=0.9"}


def test_the_sign_in_page_and_the_queue_are_in_french(agent_client: Client) -> None:
    login = Client().get("/desk/login/", **FRENCH).content.decode()
    assert "Console des agents" in login and "Mot de passe" in login and "Se connecter" in login
    queue = agent_client.get("/desk/", **FRENCH).content.decode()
    for text in [
        "Les miens",
        "Mes équipes",
        "Non assignés",
        "Se déconnecter",
        "Raccourcis clavier",
        "En ligne",
    ]:
        assert text in queue, text
    assert "Sign out" not in queue and "My teams" not in queue


def test_the_case_page_is_in_french(agent_client: Client, ticket: Any) -> None:
    page = agent_client.get(f"/desk/t/{ticket.reference}/", **FRENCH).content.decode()
    for text in ["Propriétés du dossier", "Historique", "Envoyer la réponse", "Note interne", "Reçu"]:
        assert text in page, text
    assert "Case properties" not in page


def test_english_stays_the_default(agent_client: Client) -> None:
    queue = agent_client.get("/desk/").content.decode()
    assert "My teams" in queue and "Sign out" in queue
