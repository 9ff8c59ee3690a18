"""Install the default calendars, policies and escalation rules (see ``playerdesk.sla.defaults``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import migrations


def install(apps: Any, schema_editor: Any) -> None:
    from playerdesk.sla import defaults

    Calendar = apps.get_model("sla", "Calendar")
    CalendarInterval = apps.get_model("sla", "CalendarInterval")
    Policy = apps.get_model("sla", "Policy")
    EscalationRule = apps.get_model("sla", "EscalationRule")
    now = dt.datetime.now(dt.UTC)
    calendars = {}
    for spec in defaults.CALENDARS:
        spec = dict(spec)
        hours = spec.pop("hours")
        calendar, created = Calendar.objects.get_or_create(slug=spec["slug"], defaults={**spec, "updated_at": now})
        calendars[calendar.slug] = calendar
        if created:
            for weekday, spans in hours.items():
                for span in spans:
                    start, end = span.split("-")
                    CalendarInterval.objects.create(
                        calendar=calendar,
                        weekday=weekday,
                        start=dt.time.fromisoformat(start),
                        end=dt.time.fromisoformat(end),
                    )
    if not Policy.objects.exists():
        for spec in defaults.POLICIES:
            spec = dict(spec)
            calendar = spec.pop("calendar")
            Policy.objects.create(
                **spec,
                calendar=calendars[calendar] if calendar else None,
                version=1,
                created_at=now,
                created_by="defaults",
            )
    if not EscalationRule.objects.exists():
        for spec in defaults.RULES:
            EscalationRule.objects.create(**spec, updated_at=now)


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
