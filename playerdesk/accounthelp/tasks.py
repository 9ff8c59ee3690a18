"""Jobs of account help: webhooks to the operator (sent, then retried) and document reminders. The
modules that queue them import this one and its jobs call them back: each side refers to the other's
module, never to a name at import time."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from playerdesk.accounthelp import documents, webhooks


@db_task(retries=0)
def send_webhook(delivery_id: int) -> bool:
    return webhooks.deliver(delivery_id)


@db_periodic_task(crontab(minute="*"))
def retry_due_webhooks() -> int:
    """Webhooks whose first send failed (or whose job was lost) go again once their backoff has passed."""
    return webhooks.retry_due()


@db_periodic_task(crontab(minute="15"))
def send_document_reminders() -> int:
    """Remind players who have not uploaded requested documents after the reminder delay (hourly check)."""
    return documents.do_send_document_reminders()
