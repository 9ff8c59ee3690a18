from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from playerdesk.triage.actions import alert_waiting, assign_waiting


@db_periodic_task(crontab(minute="*"))
@lock_task("triage-waiting-cases")
def waiting_cases() -> tuple[int, int]:
    """Every minute: cases waiting for an eligible agent are offered again, and supervisors are alerted
    about those that waited longer than their team allows."""
    return assign_waiting(), alert_waiting()
