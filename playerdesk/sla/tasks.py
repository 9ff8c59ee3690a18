"""Scheduled work of the service standards: the breach sweep.

Huey's scheduler fires once a minute; each firing sweeps now and schedules the rest of the minute's sweeps
every ``SLA_SWEEP_SECONDS`` (15 s by default), so a breach is detected within that period plus one pass,
well inside 60 s. Several workers or schedulers may sweep at once: every clock is claimed exactly once
(see ``sla.sweep``).
"""

from __future__ import annotations

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from playerdesk.sla.sweep import sweep


@db_task(retries=0, expires=60)
def sweep_clocks() -> int:
    return sweep().total


@db_periodic_task(crontab(minute="*"))
def sweep_every_minute() -> int:
    done = sweep().total
    step = settings.SLA_SWEEP_SECONDS
    for delay in range(step, 60, step):
        sweep_clocks.schedule(delay=delay)
    return done
