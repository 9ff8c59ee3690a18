"""What every channel hands to intake: a channel-neutral contact, parsed and checked by the channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from playerdesk.core.models import Team
from playerdesk.tickets.actions import Requester
from playerdesk.tickets.models import Ticket


@dataclass(frozen=True)
class Overrides:
    """Values the caller fixes for a new case (an integrator's fields, a mailbox an admin tied to a team).
    Each one replaces triage's decision, and the case's triage reasons say so. Never a default."""

    language: str | None = None
    category: str | None = None
    priority: int | None = None
    team: Team | None = None


@dataclass(frozen=True)
class File:
    filename: str
    data: bytes


@dataclass
class Contact:
    """A player's message as a channel received it.

    ``subject``: what the player wrote as a subject (triaged with the text); ``title``: a case title the
    channel makes when the player wrote none ("Chat: …"; not triaged). ``thread``: the case the channel
    found this message answers (a reply to our email, a portal link, the
    chat's case), read under its lock when ``thread_locked``. ``language_hint``: the language of the
    page, widget or address it came through; ``category_hint``: the topic the player chose;
    ``entry_point``: "address:<email>" or "widget:<key>" (triage settings may tie one to a language,
    category or team). ``once``: the channel sends ``external_id`` again on a retry (API, offline form),
    so the same requester's id already received returns its case. ``present``: the player is in a live
    conversation and sees the case open (no acknowledgement message); ``live_turn``: a turn of a chat an
    agent is answering (the response clocks wait for the chat to end). ``acknowledge`` False (with
    ``no_reply_reason``): never an automatic reply (mail from a robot, an integrator asking for none).
    ``message_id`` and ``references``: the channel's own ids of this message and of those it answers,
    for the acknowledgement to thread under."""

    channel: str
    requester: Requester
    body: str
    subject: str = ""
    title: str = ""
    body_html: str = ""
    language_hint: str = ""
    category_hint: str = ""
    entry_point: str = ""
    files: Sequence[File] = ()
    external_id: str = ""
    once: bool = False
    thread: Ticket | None = None
    thread_locked: bool = False
    present: bool = False
    live_turn: bool = False
    acknowledge: bool = True
    no_reply_reason: str = ""
    message_id: str = ""
    references: Sequence[str] = ()
    received_at: datetime | None = None
    overrides: Overrides = field(default_factory=Overrides)
    actor: Any = None
