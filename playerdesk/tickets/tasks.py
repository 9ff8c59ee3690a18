from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from playerdesk.tickets.actions import do_close_solved_tickets


@db_periodic_task(crontab(minute="*/15"))
@lock_task("close-solved-tickets")
def close_solved_tickets() -> int:
    """Solved cases close once the reopen window has passed; a later message opens a linked case."""
    return do_close_solved_tickets()
