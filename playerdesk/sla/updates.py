"""Keeping the player informed: a short automatic update when a case passes its timeframe or its update
interval while the desk is still working on it.

Rules: at most one automatic update per interval (the policy's update interval, else
``SLA_MIN_UPDATE_HOURS``); never while the case waits on the player; never to an address mail could not be
delivered to (the email channel refuses it). Every decision is a ``PlayerUpdate`` row, sent or skipped
with the reason, and a timeline event of the case.

Channel: the player's channel (``tickets.delivery.deliver_update``). A chat case whose player is in the
chat right now gets the update there; otherwise, and for every other channel, the update goes by email.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings

from playerdesk.core import clock
from playerdesk.sla.models import Clock, PlayerUpdate, UpdateTemplate
from playerdesk.tickets import delivery
from playerdesk.tickets.actions import append_event
from playerdesk.tickets.macros import render
from playerdesk.tickets.models import Status, Ticket

DEFAULTS_DIR = Path(__file__).resolve().parent / "templates" / "sla" / "updates"


def default_template(kind: str, language: str) -> tuple[str, str]:
    """(subject, body) of the file default: first line ``Subject: …``, then a blank line, then the body."""
    text = (DEFAULTS_DIR / f"{kind}.{language}.txt").read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    return head.removeprefix("Subject:").strip(), body.strip() + "\n"


def template_for(kind: str, language: str) -> tuple[str, str]:
    row = UpdateTemplate.objects.filter(kind=kind, language=language).only("subject", "body").first()
    if row is not None:
        return row.subject, row.body
    return default_template(kind, language)


def render_update(kind: str, ticket: Ticket) -> tuple[str, str]:
    subject, body = template_for(kind, ticket.language)
    return render(subject, ticket, ""), render(body, ticket, "")


def min_interval(c: Clock | None) -> dt.timedelta:
    minutes = c.policy.update_minutes if c is not None and c.policy.update_minutes else None
    return dt.timedelta(minutes=minutes) if minutes else dt.timedelta(hours=settings.SLA_MIN_UPDATE_HOURS)


def skip_reason(ticket: Ticket, c: Clock | None, now: dt.datetime) -> str:
    if ticket.status not in (Status.NEW, Status.OPEN, Status.WAITING_THIRD_PARTY):
        return "waiting_player" if ticket.status == Status.WAITING_PLAYER else "not_open"
    since = now - min_interval(c)
    if PlayerUpdate.objects.filter(ticket=ticket, sent=True, created_at__gt=since).exists():
        return "recent_update"
    if not ticket.requester_email:
        return "no_address"
    return ""


def send_update(ticket: Ticket, c: Clock | None, kind: str) -> PlayerUpdate:
    """Decide, send (or skip) and record one automatic update. The caller holds the ticket's row lock and
    writes the ticket afterwards (``tickets.actions.save_case``)."""
    now = clock.now()
    reason = skip_reason(ticket, c, now)
    update = PlayerUpdate(
        ticket=ticket, clock=c, kind=kind, channel="", language=ticket.language, created_at=now
    )
    if reason:
        update.skipped_reason = reason
    else:
        subject, body = render_update(kind, ticket)
        done = delivery.deliver_update(ticket, kind="sla_update", subject=subject, body=body)
        update.channel = done.channel
        update.skipped_reason = done.refused
        update.sent = not done.refused
    update.save()
    data = {"kind": kind, "sent": update.sent, "channel": update.channel, "language": update.language}
    if update.skipped_reason:
        data["skipped"] = update.skipped_reason
    if c is not None:
        data["target"] = c.target
    append_event(ticket, "sla_update", None, data)
    return update
