from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from playerdesk.core import clock
from playerdesk.mail.actions import deliver
from playerdesk.mail.models import OutboundEmail, OutboundStatus


@db_task(retries=0)
def send_email(email_id: int) -> bool:
    return deliver(email_id)


@db_periodic_task(crontab(minute="*"))
def retry_due_emails() -> int:
    """Pick up mail whose first send failed (or whose job was lost) once its backoff has passed."""
    now = clock.now()
    OutboundEmail.objects.filter(status=OutboundStatus.SENDING, next_attempt_at__lte=now).update(
        status=OutboundStatus.PENDING
    )
    due = OutboundEmail.objects.filter(status=OutboundStatus.PENDING, next_attempt_at__lte=now).values_list(
        "pk", flat=True
    )[:200]
    return sum(1 for pk in list(due) if deliver(pk))
