"""Jobs of account help: webhooks to the operator (sent, then retried) and document reminders."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from playerdesk.accounthelp import webhooks
from playerdesk.accounthelp.documents import do_send_document_reminders


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
    return do_send_document_reminders()
