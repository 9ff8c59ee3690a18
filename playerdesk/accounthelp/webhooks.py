"""Signed webhooks to the operator's platform, sent through an outbox.

An action queues a ``WebhookDelivery`` row inside its own transaction; a job sends it after commit,
claiming the row atomically so several workers never send it twice at the same moment. The operator
acknowledges with any 2xx answer; anything else (or no answer) is retried with exponential backoff, and
every attempt is kept in the delivery log.

Each request is a JSON ``POST`` with these headers:

- ``X-PlayerDesk-Event``: the event kind, e.g. ``account.password_reset``
- ``X-PlayerDesk-Delivery``: the event id (the same on every retry: the operator deduplicates on it)
- ``X-PlayerDesk-Signature``: ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>``
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from playerdesk.accounthelp import tasks
from playerdesk.accounthelp.models import (
    AccountRequest,
    DeliveryStatus,
    RequestStatus,
    WebhookAttempt,
    WebhookDelivery,
)
from playerdesk.core import clock, outbox
from playerdesk.tickets.actions import append_event, lock_case, save_case

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
SENDING_TIMEOUT = timedelta(minutes=5)
REQUEST_TIMEOUT = 10.0
SIGNATURE_TOLERANCE = 300


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min… capped at one hour between attempts."""
    return outbox.backoff(attempts, first=timedelta(seconds=30), longest=timedelta(hours=1))


def sign(body: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(header: str, body: bytes, secret: str, *, now: float | None = None) -> bool:
    """What the operator runs on its side (and the tests do): the signature matches and is recent."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > SIGNATURE_TOLERANCE:
        return False
    expected = sign(body, secret, timestamp)
    return hmac.compare_digest(expected, f"t={timestamp},v1={parts.get('v1', '')}")


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode()


def queue_webhook(
    kind: str,
    data: dict[str, Any],
    *,
    ticket: Any = None,
    account_request: AccountRequest | None = None,
) -> WebhookDelivery:
    """Queue one webhook inside the caller's transaction; it leaves after commit."""
    now = clock.now()
    event_id = uuid.uuid4().hex
    payload = {"id": event_id, "type": kind, "created_at": now.isoformat(), "data": data}
    delivery = WebhookDelivery.objects.create(
        event_id=event_id,
        kind=kind,
        payload=json.loads(encode(payload)),
        next_attempt_at=now,
        ticket=ticket,
        account_request=account_request,
        created_at=now,
    )
    transaction.on_commit(lambda: _enqueue(delivery.pk))
    return delivery


def _enqueue(delivery_id: int) -> None:
    tasks.send_webhook(delivery_id)


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
            response.read(65536)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def deliver(delivery_id: int) -> bool:
    """Send one due webhook. Returns True when this call got it acknowledged."""
    if not outbox.claim(WebhookDelivery, delivery_id, lease=SENDING_TIMEOUT):
        return False
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    url, secret = settings.OPERATOR_WEBHOOK_URL, settings.OPERATOR_WEBHOOK_SECRET
    code: int | None = None
    error = ""
    started = time.monotonic()
    if not url or not secret:
        error = "No operator webhook URL or secret configured (PLAYERDESK_OPERATOR_WEBHOOK_URL/_SECRET)."
    elif not url.startswith(("https://", "http://")):
        error = "The operator webhook URL must be http:// or https://."
    else:
        body = encode(delivery.payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "PlayerDesk-Webhooks/1",
            "X-PlayerDesk-Event": delivery.kind,
            "X-PlayerDesk-Delivery": delivery.event_id,
            "X-PlayerDesk-Signature": sign(body, secret, int(time.time())),
        }
        try:
            code = _post(url, body, headers)
            if not 200 <= code < 300:
                error = f"The operator answered HTTP {code}."
        except (OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
    duration = int((time.monotonic() - started) * 1000)
    done = clock.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery, at=done, status_code=code, error=error, duration_ms=duration
        )
        if not error:
            WebhookDelivery.objects.filter(pk=delivery_id).update(
                status=DeliveryStatus.DELIVERED, delivered_at=done, last_status_code=code, last_error=""
            )
            return True
        failed = delivery.attempts >= MAX_ATTEMPTS
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING,
            next_attempt_at=done + backoff(delivery.attempts),
            last_status_code=code,
            last_error=error,
        )
        if failed and delivery.account_request_id:
            mark_undelivered(delivery)
    log.warning(
        "webhook %s (%s) attempt %s failed: %s", delivery.event_id, delivery.kind, delivery.attempts, error
    )
    return False


def retry_due(limit: int = 200) -> int:
    """Send every webhook whose backoff has passed (and reclaim sends that never reported back)."""
    return sum(1 for pk in outbox.due(WebhookDelivery, limit=limit) if deliver(pk))


def mark_undelivered(delivery: WebhookDelivery) -> None:
    """The webhook of an account-help request was never acknowledged: the request failed, the case says so
    and the agent can act."""
    with transaction.atomic():
        request = (
            AccountRequest.objects.select_for_update().filter(pk=delivery.account_request_id or 0).first()
        )
        if request is None or request.status != RequestStatus.SENT:
            return
        request.status = RequestStatus.FAILED
        request.updated_at = clock.now()
        request.save(update_fields=["status", "updated_at"])
        ticket = lock_case(request.ticket_id)
        append_event(
            ticket,
            "account_request_undelivered",
            None,
            {"request": request.public_id, "kind": request.kind, "attempts": delivery.attempts},
        )
        save_case(ticket)
