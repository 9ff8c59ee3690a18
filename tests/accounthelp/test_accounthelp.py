"""Account help: every action is audited and produces one signed webhook, retried until the operator
acknowledges it; the operator's result comes back through the API and shows on the case."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile  # noqa: F401
from django.urls import reverse

from playerdesk.accounthelp import webhooks
from playerdesk.accounthelp.account_requests import do_request_account_help
from playerdesk.accounthelp.models import AccountRequest, WebhookAttempt, WebhookDelivery
from playerdesk.core import clock
from playerdesk.core.errors import ActionError
from playerdesk.core.models import AuditLog
from playerdesk.players.models import Player
from playerdesk.tickets import actions
from playerdesk.tickets.attachments import do_add_attachment
from playerdesk.tickets.models import Ticket
from tests.api.conftest import ApiClient
from tests.players.conftest import client_for, push_player

SECRET = "operator-shared-secret-for-tests"


class Receiver:
    """The operator's webhook endpoint: a real HTTP server on 127.0.0.1 that checks every signature."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                valid = webhooks.verify_signature(
                    self.headers.get("X-PlayerDesk-Signature", ""), body, SECRET
                )
                receiver.received.append(
                    {
                        "valid": valid,
                        "event": self.headers.get("X-PlayerDesk-Event"),
                        "delivery": self.headers.get("X-PlayerDesk-Delivery"),
                        "body": json.loads(body),
                    }
                )
                code = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(code if valid else 401)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/playerdesk"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    with Receiver() as running:
        settings.OPERATOR_WEBHOOK_URL = running.url
        settings.OPERATOR_WEBHOOK_SECRET = SECRET
        yield running


@pytest.fixture
def case(make_ticket: Callable[..., Ticket], account: Player, team: Any) -> Ticket:
    return make_ticket("Account help", email="jordan@example.com", player=account, team=team)


def png_bytes() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 10), "white").save(out, format="PNG")
    return out.getvalue()


def send(client: Any, case: Ticket, kind: str, data: dict[str, Any], capture: Any) -> Any:
    with capture(execute=True):
        return client.post(reverse("players:account_help", args=[case.reference, kind]), data)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("password_reset", {}),
        ("details_change", {"field": "email", "value": "jordan.new@example.com"}),
        ("status_question", {"question": "Why was my account suspended last week?"}),
        ("closure", {"reason": "I want to stop playing."}),
        ("limit_change", {"limit": "deposit_day", "amount": "100"}),
    ],
)
def test_each_action_sends_one_signed_webhook(
    receiver: Receiver,
    case: Ticket,
    agent: User,
    django_capture_on_commit_callbacks: Any,
    kind: str,
    data: dict[str, Any],
) -> None:
    response = send(client_for(agent), case, kind, data, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert len(receiver.received) == 1
    hook = receiver.received[0]
    assert hook["valid"] is True
    assert hook["event"] == f"account.{kind}"
    assert hook["body"]["data"]["kind"] == kind
    assert hook["body"]["data"]["player_id"] == "P-2001"
    assert hook["body"]["data"]["case"] == case.reference
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert AuditLog.objects.filter(action=f"account.{kind}").count() == 1
    assert case.events.filter(kind="account_request", data__kind=kind).count() == 1


def test_webhook_retried_with_backoff_until_acknowledged(
    receiver: Receiver, case: Ticket, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.answers = [500, 503]
    send(client_for(agent), case, "password_reset", {}, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_status_code == 500
    assert webhooks.retry_due() == 0  # backoff not over yet
    later = clock.now() + timedelta(seconds=31)
    with clock.frozen(later):
        assert webhooks.retry_due() == 0  # 503 this time
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at >= later + timedelta(seconds=60)
    with clock.frozen(later + timedelta(seconds=61)):
        assert webhooks.retry_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 3
    assert list(WebhookAttempt.objects.filter(delivery=delivery).values_list("status_code", flat=True)) == [
        500,
        503,
        200,
    ]
    # Every retry carries the same delivery id and a valid signature: the operator deduplicates on it.
    assert {r["delivery"] for r in receiver.received} == {delivery.event_id}
    assert all(r["valid"] for r in receiver.received)
    with clock.frozen(later + timedelta(hours=2)):
        assert webhooks.retry_due() == 0
    assert len(receiver.received) == 3


def test_unreachable_operator_marks_request_undelivered(
    settings: Any, case: Ticket, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    settings.OPERATOR_WEBHOOK_URL = "http://127.0.0.1:9/nothing-listens-here"
    settings.OPERATOR_WEBHOOK_SECRET = SECRET
    send(client_for(agent), case, "password_reset", {}, django_capture_on_commit_callbacks)
    moment = clock.now()
    for _ in range(webhooks.MAX_ATTEMPTS):
        moment += timedelta(hours=2)
        with clock.frozen(moment):
            webhooks.retry_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == webhooks.MAX_ATTEMPTS
    assert AccountRequest.objects.get().status == "failed"
    assert case.events.filter(kind="account_request_undelivered").exists()


def test_result_through_the_api_updates_the_case(
    receiver: Receiver,
    case: Ticket,
    agent: User,
    service_api: ApiClient,
    django_capture_on_commit_callbacks: Any,
) -> None:
    send(client_for(agent), case, "password_reset", {}, django_capture_on_commit_callbacks)
    actions.do_change_status(case, "waiting_third_party", actor=agent)
    request_id = receiver.received[0]["body"]["data"]["request_id"]
    url = f"/api/v1/players/requests/{request_id}/result"
    body = {"status": "completed", "message": "Reset link sent to the email on file.", "event_id": "res-1"}
    first = service_api.post(url, body)
    assert first.status_code == 201 and first.json()["changed"] is True
    again = service_api.post(url, body)
    assert again.status_code == 200 and again.json()["changed"] is False
    case.refresh_from_db()
    assert case.status == "open"
    assert case.events.filter(kind="account_request_result").count() == 1
    row = AccountRequest.objects.get()
    assert row.status == "completed"
    content = client_for(agent).get(reverse("console:ticket", args=[case.reference])).content.decode()
    assert "Reset link sent to the email on file." in content
    assert service_api.post(url, {"status": "rejected"}).status_code == 409
    assert service_api.post("/api/v1/players/requests/nope/result", body).status_code == 404
    assert service_api.post(url, {"status": "scheduled"}).status_code == 422


def test_limit_changes_follow_the_regulated_flow(
    receiver: Receiver,
    case: Ticket,
    agent: User,
    service_api: ApiClient,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(agent)
    send(
        client,
        case,
        "limit_change",
        {"limit": "deposit_day", "amount": "100"},
        django_capture_on_commit_callbacks,
    )
    send(
        client,
        case,
        "limit_change",
        {"limit": "deposit_day", "amount": "900"},
        django_capture_on_commit_callbacks,
    )
    send(
        client,
        case,
        "limit_change",
        {"limit": "loss_week", "amount": "50"},
        django_capture_on_commit_callbacks,
    )
    details = [r["body"]["data"]["details"] for r in receiver.received]
    assert [(d["direction"], d["effective"]) for d in details] == [
        ("decrease", "immediate"),
        ("increase", "after_cooling_off"),
        ("decrease", "immediate"),
    ]
    increase_id = receiver.received[1]["body"]["data"]["request_id"]
    effective = (clock.now() + timedelta(hours=72)).isoformat()
    answer = service_api.post(
        f"/api/v1/players/requests/{increase_id}/result",
        {"status": "scheduled", "effective_at": effective, "message": "72-hour cooling-off."},
    )
    assert answer.status_code == 201
    assert AccountRequest.objects.get(public_id=increase_id).status == "scheduled"


def test_refused_requests_send_nothing(
    receiver: Receiver,
    make_ticket: Callable[..., Ticket],
    team: Any,
    rg_team: Any,
    agent: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    push_player(external_id="P-SE", email="se@example.com", status="self_excluded", version=1)
    excluded = make_ticket(email="se@example.com", player=Player.objects.get(external_id="P-SE"))
    with pytest.raises(ActionError, match="self-excluded"):
        do_request_account_help(
            excluded, "limit_change", actor=agent, details={"limit": "deposit_day", "amount": "900"}
        )
    with pytest.raises(ActionError, match="self-excluded"):
        do_request_account_help(excluded, "reopening", actor=agent, details={"reason": "I want to play"})
    push_player(email="jordan@example.com")
    jordan = Player.objects.get(external_id="P-2001")
    case = make_ticket(email="jordan@example.com", player=jordan, team=team)
    with pytest.raises(ActionError, match="evidence"):
        do_request_account_help(
            case, "details_change", actor=agent, details={"field": "name", "value": "Jordan Smith"}
        )
    unverified = make_ticket(channel="chat", email="guest@example.com", player=jordan, team=team)
    with pytest.raises(ActionError, match="Verify"):
        do_request_account_help(unverified, "password_reset", actor=agent)
    assert not WebhookDelivery.objects.exists() and not receiver.received

    attachment = do_add_attachment(case, filename="licence.png", data=png_bytes(), actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        do_request_account_help(
            case,
            "details_change",
            actor=agent,
            details={"field": "name", "value": "Jordan Smith", "evidence": [str(attachment.pk)]},
        )
    evidence = receiver.received[0]["body"]["data"]["details"]["evidence"]
    assert evidence == [{"attachment": attachment.pk, "filename": "licence.png", "sha256": attachment.sha256}]
