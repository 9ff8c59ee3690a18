"""Background jobs of mail. The modules that queue them (``actions``, ``inbound``) import this one, and
this one calls them back: each side refers to the other's module, never to a name at import time."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from playerdesk.core import outbox
from playerdesk.mail import actions, imap, inbound
from playerdesk.mail.models import OutboundEmail


@db_task(retries=0)
def send_email(email_id: int) -> bool:
    return actions.deliver(email_id)


@db_periodic_task(crontab(minute="*"))
def retry_due_emails() -> int:
    """Pick up mail whose first send failed (or whose job was lost) once its backoff has passed."""
    return sum(1 for pk in outbox.due(OutboundEmail) if actions.deliver(pk))


@db_task(retries=0)
def process_inbound(inbound_id: int) -> str | None:
    return inbound.process(inbound_id)


@db_task(retries=0)
def process_inbound_batch(inbound_ids: list[int]) -> int:
    return sum(1 for pk in inbound_ids if inbound.process(pk) is not None)


@db_periodic_task(crontab(minute="*"))
@lock_task("mail-recover-inbound")
def recover_inbound() -> int:
    """Stored mail whose job was lost, or whose worker died before committing, is processed again."""
    return inbound.recover()


@db_periodic_task(crontab(minute="*"))
def poll_mailboxes() -> int:
    """One job per IMAP mailbox, so a slow server never delays the others (each holds its own lease)."""
    ids = imap.mailboxes_to_poll()
    for mailbox_id in ids:
        poll_mailbox(mailbox_id)
    return len(ids)


@db_task(retries=0)
def poll_mailbox(mailbox_id: int) -> int:
    return imap.poll(mailbox_id)
