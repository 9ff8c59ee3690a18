"""Gap-tolerant unique sequence numbers that hold under concurrent writers on both databases."""

from __future__ import annotations

from django.db import connection

from playerdesk.core import refs

TICKET_SEQUENCE = "playerdesk_ticket_seq"


def next_value(name: str = TICKET_SEQUENCE) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A native sequence: no row lock held until commit, distinct values for every caller.
            cursor.execute("SELECT nextval(%s)", [name])
        else:
            # SQLite runs writers one at a time (IMMEDIATE transactions); the counter row is the sequence.
            cursor.execute(
                "INSERT INTO core_counter (name, value) VALUES (%s, 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
                [name],
            )
        row = cursor.fetchone()
    return int(row[0])


def next_reference() -> str:
    return refs.reference_for_sequence(next_value(TICKET_SEQUENCE))
