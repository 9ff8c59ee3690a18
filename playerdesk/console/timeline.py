"""A case's timeline as the console shows it: messages in place, other events as readable lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from playerdesk.core.enums import Language
from playerdesk.core.models import Team
from playerdesk.core.text import sanitize_html
from playerdesk.sla.models import clock_change_label, target_label
from playerdesk.tickets.models import Category, Channel, Message, Priority, Status, TicketEvent


@dataclass
class Entry:
    kind: str  # "message" or "event"
    created_at: dt.datetime
    seq: int = 0
    message: Message | None = None
    html: SafeString | None = None
    text: str = ""
    actor: str = ""
    is_new: bool = False
    css: list[str] = field(default_factory=list)

    @property
    def css_class(self) -> str:
        return " ".join(self.css)


def _label(choices: Any, value: Any) -> str:
    if value is None or value == "":
        return _("none")
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def describe(event: TicketEvent, team_names: dict[str, str]) -> str:
    """One line in plain words, e.g. "Alice changed priority P3 → P1"."""
    data = event.data or {}
    actor = event.actor_label if event.actor_label and event.actor_label != "system" else "PlayerDesk"
    kind = event.kind
    labels: dict[str, Any] = {
        "status": Status,
        "priority": Priority,
        "category": Category,
        "language": Language,
    }
    if kind == "created":
        text = _("%(actor)s opened the case by %(channel)s") % {
            "actor": actor,
            "channel": _label(Channel, data.get("channel")).lower(),
        }
        if data.get("linked_from"):
            text += " " + _("(follow-up of %(reference)s)") % {"reference": data["linked_from"]}
        return text
    if kind in labels:
        names = {
            "status": _("status"),
            "priority": _("priority"),
            "category": _("category"),
            "language": _("language"),
        }
        text = _("%(actor)s changed %(field)s %(old)s → %(new)s") % {
            "actor": actor,
            "field": names[kind],
            "old": _label(labels[kind], data.get("from")),
            "new": _label(labels[kind], data.get("to")),
        }
        reason = data.get("reason")
        reasons = {
            "player_reply": _("the player wrote"),
            "assigned": _("the case was assigned"),
            "auto_close": _("solved long enough ago"),
        }
        if reason:
            text += f" ({reasons.get(reason, str(reason))})"
        return text
    if kind == "team":
        return _("%(actor)s moved the case from team %(old)s to %(new)s") % {
            "actor": actor,
            "old": team_names.get(data.get("from") or "", data.get("from") or _("none")),
            "new": team_names.get(data.get("to") or "", data.get("to") or _("none")),
        }
    if kind == "assignee":
        if data.get("to") and data.get("to") == event.actor_label:
            return _("%(actor)s took the case") % {"actor": actor}
        if data.get("to"):
            return _("%(actor)s assigned the case to %(agent)s") % {"actor": actor, "agent": data["to"]}
        return _("%(actor)s unassigned the case (was %(agent)s)") % {
            "actor": actor,
            "agent": data.get("from") or _("nobody"),
        }
    if kind == "tags":
        parts = []
        if data.get("added"):
            parts.append(_("added tags %(tags)s") % {"tags": ", ".join(data["added"])})
        if data.get("removed"):
            parts.append(_("removed tags %(tags)s") % {"tags": ", ".join(data["removed"])})
        return f"{actor} " + (_(" and ").join(parts) or _("changed tags"))
    if kind == "follow_up":
        return _("The player wrote again after closing: follow-up case %(reference)s") % {
            "reference": data.get("reference", "")
        }
    if kind == "message":
        return _("%(actor)s wrote a message") % {"actor": actor}
    if kind in SLA_KINDS:
        return _describe_sla(kind, data)
    return _("%(actor)s: %(kind)s") % {"actor": actor, "kind": kind.replace("_", " ")}


SLA_KINDS = ("sla", "sla_warning", "sla_breach", "sla_update")


def _target(data: dict[str, Any]) -> str:
    return target_label(str(data.get("target") or ""))


def _describe_sla(kind: str, data: dict[str, Any]) -> str:
    """Service-standards events: clock changes, warnings, breaches and automatic updates."""
    if kind == "sla_warning":
        return _("Service standard due soon: %(target)s") % {"target": _target(data)}
    if kind == "sla_breach":
        return _("Service standard missed: %(target)s") % {"target": _target(data)}
    if kind == "sla_update":
        if data.get("sent"):
            channel = str(data.get("channel", ""))
            return _("Automatic update sent to the player by %(channel)s") % {"channel": channel}
        return _("Automatic update not sent (%(reason)s)") % {
            "reason": str(data.get("skipped", "")).replace("_", " ")
        }
    changes = ", ".join(
        (
            _("%(target)s %(change)s")
            % {"target": _target(c), "change": clock_change_label(str(c.get("change", "")))}
        ).strip()
        for c in data.get("changes", [])
        if isinstance(c, dict)
    )
    return _("Service clocks: %(changes)s") % {"changes": changes or _("all recomputed")}


def build(
    messages: Iterable[Message],
    events: Iterable[TicketEvent],
    teams: Iterable[Team],
    *,
    new_after: int | None = None,
) -> list[Entry]:
    """Merge messages and events in timeline order; entries after ``new_after`` are flagged new."""
    by_id = {m.pk: m for m in messages}
    team_names = {t.slug: t.name for t in teams}
    entries: list[Entry] = []
    placed: set[int] = set()
    for event in events:
        is_new = new_after is not None and event.seq > new_after
        if event.kind == "message":
            message_id = (event.data or {}).get("message")
            message = by_id.get(message_id) if isinstance(message_id, int) else None
            if message is not None:
                placed.add(message.pk)
                entries.append(_message_entry(message, event.seq, is_new))
                continue
        css = ["tl-event"]
        if is_new:
            css.append("is-new")
        entries.append(
            Entry(
                kind="event",
                created_at=event.created_at,
                seq=event.seq,
                text=describe(event, team_names),
                actor=event.actor_label,
                is_new=is_new,
                css=css,
            )
        )
    for message in by_id.values():
        if message.pk not in placed:
            entries.append(_message_entry(message, 0, False))
    return entries


def _message_entry(message: Message, seq: int, is_new: bool) -> Entry:
    css = ["tl-message", f"tl-{message.kind}"]
    if is_new:
        css.append("is-new")
    # body_html was sanitized by nh3 when stored; it is cleaned again here so that nothing unsanitized
    # can ever be marked safe.
    html = mark_safe(sanitize_html(message.body_html)) if message.body_html else None  # noqa: S308
    return Entry(
        kind="message",
        created_at=message.created_at,
        seq=seq,
        message=message,
        html=html,
        actor=message.author_name or message.author_email,
        is_new=is_new,
        css=css,
    )
