"""Default service standards, installed once by a data migration and editable afterwards in the console
(Supervision → Service standards). Pure data: targets are minutes of the policy's calendar.

- Chat: first response within 3 minutes, 24/7.
- P1 (any channel but chat): first response within 2 hours any time, resolution within 1 day.
- Email and other written channels: automatic acknowledgement within 24 hours, first human response within
  1 business day (8 business hours), resolution within 5 business days.
"""

from __future__ import annotations

from typing import Any

BUSINESS_DAY_MINUTES = 8 * 60

CALENDARS: list[dict[str, Any]] = [
    {
        "slug": "business-hours",
        "name": "Business hours (Toronto)",
        "time_zone": "America/Toronto",
        "always_open": False,
        "province": "ON",
        "observe_holidays": True,
        "is_default": True,
        # weekday (0 = Monday) → "HH:MM-HH:MM" intervals
        "hours": {
            0: ["09:00-17:00"],
            1: ["09:00-17:00"],
            2: ["09:00-17:00"],
            3: ["09:00-17:00"],
            4: ["09:00-17:00"],
        },
    },
    {
        "slug": "always-open",
        "name": "24/7",
        "time_zone": "America/Toronto",
        "always_open": True,
        "province": "",
        "observe_holidays": False,
        "is_default": False,
        "hours": {},
    },
]

POLICIES: list[dict[str, Any]] = [
    {
        "key": "chat",
        "name": "Live chat",
        "rank": 10,
        "channels": ["chat"],
        "calendar": "always-open",
        "first_response_minutes": 3,
        "next_response_minutes": 3,
    },
    {
        "key": "urgent",
        "name": "Urgent (P1)",
        "rank": 20,
        "priorities": [1],
        "calendar": "always-open",
        "acknowledgement_minutes": 24 * 60,
        "first_response_minutes": 120,
        "next_response_minutes": 120,
        "resolution_minutes": 24 * 60,
        "update_minutes": 4 * 60,
    },
    {
        "key": "written",
        "name": "Email and web form",
        "rank": 30,
        "channels": ["email", "web", "api", "phone"],
        "calendar": None,  # the team's business hours, or the default calendar
        "acknowledgement_minutes": 24 * 60,
        "first_response_minutes": BUSINESS_DAY_MINUTES,
        "next_response_minutes": BUSINESS_DAY_MINUTES,
        "resolution_minutes": 5 * BUSINESS_DAY_MINUTES,
    },
]

RULES: list[dict[str, Any]] = [
    {"name": "Warn the assignee and the team", "rank": 10, "trigger": "warning", "notify": True},
    {
        "name": "Breach: raise the priority and alert",
        "rank": 20,
        "trigger": "breach",
        "targets": ["first_response", "next_response", "resolution"],
        "raise_priority": True,
        "notify": True,
    },
]
