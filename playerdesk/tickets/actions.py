"""The only writers of cases. Each ``do_*`` writes the change, its timeline event and its side effects
(live events, emails) in one transaction; side effects leave only after commit. ``check_*`` validate."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify

from playerdesk.core import clock, events, sequences
from playerdesk.core.audit import actor_label
from playerdesk.core.enums import Language
from playerdesk.core.errors import ActionError
from playerdesk.core.hooks import hooks
from playerdesk.core.models import Team
from playerdesk.core.text import clean_line, clean_text, sanitize_html
from playerdesk.players.models import Player
from playerdesk.tickets import delivery, search
from playerdesk.tickets.models import (
    TRANSITIONS,
    Category,
    Channel,
    Macro,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)
from playerdesk.tickets.timeline import GENESIS, event_hash

# Whoever acts: an agent (User), an anonymous request, or None for the system itself.
User = Any


class StaleTicket(ActionError):
    """The case changed (new message or reply) since the agent loaded it."""

    def __init__(self, ticket: Ticket, since_seq: int) -> None:
        super().__init__("The case changed while you were writing. Review the new activity, then send again.")
        self.ticket = ticket
        self.since_seq = since_seq


# ---------------------------------------------------------------- checks


def check_subject(subject: str) -> str:
    subject = clean_line(subject or "", settings.MAX_SUBJECT_CHARS)
    if not subject:
        raise ActionError("A subject is required.")
    return subject


def check_body(body: str) -> str:
    if body is None or len(body) > settings.MAX_BODY_CHARS:
        raise ActionError(f"The message is too long (at most {settings.MAX_BODY_CHARS:,} characters).")
    body = clean_text(body).strip()
    if not body:
        raise ActionError("The message is empty.")
    return body


def check_email(email: str) -> str:
    """A player's address as mail systems and people write it. Quoted local parts (``"<b>x"@example.com``,
    valid by the RFC but never a player's) are refused: they would carry markup and quotes into headers,
    pages and searches."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ActionError("A valid email address is required.") from exc
    local, _, domain = email.rpartition("@")
    if '"' in local or "\\" in local:
        raise ActionError("A valid email address is required.")
    return f"{local}@{domain.lower()}"


def check_choice(value: Any, choices: Any, label: str) -> Any:
    if value not in choices.values:
        raise ActionError(f"Unknown {label}: {value!r}.")
    return value


def check_transition(ticket: Ticket, status: str) -> None:
    check_choice(status, Status, "status")
    if status != ticket.status and status not in TRANSITIONS[ticket.status]:
        raise ActionError(
            f"A {ticket.get_status_display().lower()} case cannot become {Status(status).label.lower()}."
        )


def check_not_stale(ticket: Ticket, seen_seq: int | None) -> None:
    """Refuse a reply written against an older view of the case when public activity happened since."""
    if seen_seq is None or seen_seq >= ticket.last_event_seq:
        return
    if TicketEvent.objects.filter(ticket=ticket, seq__gt=seen_seq, kind="message", public=True).exists():
        raise StaleTicket(ticket, seen_seq)


# ---------------------------------------------------------------- the journal
#
# The public primitives other apps use to record what they do on a case, inside their own transaction:
# ``lock_case`` reads the case under its row lock, ``append_event`` adds a timeline event (hash-chained),
# ``set_status`` moves the status (checked), and ``save_case`` writes the changed fields with the chain
# head, lets the services react (``settings.HOOKS["case_changed"]``) and sends the live events on commit.


def lock_case(ticket_id: int) -> Ticket:
    """Read a case under its row lock (PostgreSQL; SQLite writers are already serialised), held to the end
    of the current transaction. Writers given it with ``locked=True`` use it as it is."""
    return Ticket.objects.select_for_update().get(pk=ticket_id)


def _lock(ticket: Ticket, locked: bool = False) -> Ticket:
    return ticket if locked else lock_case(ticket.pk)


def append_event(
    ticket: Ticket,
    kind: str,
    actor: User,
    data: dict[str, Any],
    *,
    public: bool = False,
    label: str | None = None,
) -> TicketEvent:
    """Add an event to a locked case's timeline; ``save_case`` then writes the new chain head."""
    now = clock.now()
    seq = ticket.last_event_seq + 1
    prev = ticket.last_event_hash or GENESIS
    actor_obj = actor if actor is not None and actor.is_authenticated else None
    actor_id = actor_obj.pk if actor_obj is not None else None
    label = label or actor_label(actor)
    digest = event_hash(
        reference=ticket.reference,
        seq=seq,
        kind=kind,
        actor_id=actor_id,
        actor_label=label,
        data=data,
        public=public,
        created_at=now.isoformat(),
        prev_hash=prev,
    )
    event = TicketEvent.objects.create(
        ticket=ticket,
        seq=seq,
        kind=kind,
        actor_id=actor_id,
        actor_label=label,
        data=data,
        public=public,
        created_at=now,
        prev_hash=prev,
        hash=digest,
    )
    ticket.last_event_seq = seq
    ticket.last_event_hash = digest
    ticket.updated_at = now
    return event


# A turn of a live chat (agent and player both in the conversation) does not move the response clocks:
# the chat is being answered as it happens. The first answer still meets the first-response clock, status
# changes still count, and the clocks catch up with the last message when the chat stops being live.
CHAT_TURN_FIELDS = frozenset({"message_count", "last_player_message_at"})
LIVE_CHAT_INDEX_EVERY = 10


def save_case(ticket: Ticket, *fields: str, live_chat: bool = False) -> None:
    """Write ``fields`` of a locked case with its chain head. Before the row is written, each function of
    ``settings.HOOKS["case_changed"]`` receives the case and the changed fields (the service clocks follow
    the change; their own timeline event comes before the row). ``live_chat``: a turn of a live chat (see
    ``CHAT_TURN_FIELDS``)."""
    changed = fields
    if live_chat and "first_response_at" not in fields:
        changed = tuple(f for f in fields if f not in CHAT_TURN_FIELDS)
    for react in hooks("case_changed"):
        react(ticket, changed)
    ticket.save(update_fields=[*fields, "last_event_seq", "last_event_hash", "updated_at"])
    events.send_on_commit(
        events.DESK_GROUP, {"kind": "ticket", "id": ticket.pk, "reference": ticket.reference}
    )
    events.send_on_commit(
        events.ticket_group(ticket.pk), {"kind": "ticket", "id": ticket.pk, "seq": ticket.last_event_seq}
    )


# ---------------------------------------------------------------- create and messages


@dataclass(frozen=True)
class Requester:
    email: str
    name: str = ""
    player: Player | None = None


def do_create_ticket(
    *,
    subject: str,
    body: str,
    channel: str,
    requester: Requester,
    language: str | None = None,
    category: str | None = None,
    priority: int | None = None,
    team: Team | None = None,
    body_html: str = "",
    external_id: str = "",
    actor: User = None,
    received_at: Any = None,
    linked_from: Ticket | None = None,
    entry_point: str = "",
) -> Ticket:
    """Open a case from a player's first message (any channel).

    Language, category, priority and team the caller leaves out are decided by triage (which also
    assigns the case when the team's mode says so); ``entry_point`` ("address:<email>" or
    "widget:<key>") lets the address or widget a case came through weigh in."""
    subject = check_subject(subject)
    body = check_body(body)
    check_choice(channel, Channel, "channel")
    if category is not None:
        check_choice(category, Category, "category")
    if priority is not None:
        check_choice(priority, Priority, "priority")
    if language:
        check_choice(language, Language, "language")
    email = check_email(requester.email)
    triaged = None
    if not language or category is None or priority is None or team is None:
        from playerdesk.triage.actions import triage_new_ticket

        triaged = triage_new_ticket(
            subject=subject,
            body=body,
            channel=channel,
            requester=Requester(email, requester.name, requester.player),
            language=language or None,
            category=category,
            priority=priority,
            team=team,
            entry_point=entry_point,
        )
        language, category, priority = triaged.language, triaged.category, triaged.priority
        if team is None and triaged.team_id is not None:
            team = Team.objects.filter(pk=triaged.team_id, is_active=True).first()
    assert language is not None and category is not None and priority is not None  # noqa: S101
    now = received_at or clock.now()
    name = clean_line(requester.name, 120)
    with transaction.atomic():
        ticket = Ticket(
            reference=sequences.next_reference(),
            subject=subject,
            status=Status.NEW,
            channel=channel,
            language=language,
            category=category,
            priority=priority,
            team=team,
            player=requester.player,
            requester_email=email,
            requester_name=name,
            received_at=now,
            updated_at=now,
            last_player_message_at=now,
            linked_from=linked_from,
        )
        ticket.save()
        append_event(
            ticket,
            "created",
            actor,
            {
                "channel": channel,
                "subject": subject,
                "requester": email,
                "language": language,
                "category": category,
                "priority": priority,
                "team": team.slug if team else None,
                "linked_from": linked_from.reference if linked_from else None,
                # Why the case got its language, category, priority and team.
                **({"triage": triaged.as_data()} if triaged is not None else {}),
            },
            public=True,
            label=(name or email) if actor is None else None,
        )
        _store_message(
            ticket,
            kind=MessageKind.INBOUND,
            channel=channel,
            body=body,
            body_html=body_html,
            author=None,
            author_name=name,
            author_email=email,
            external_id=external_id,
            created_at=now,
        )
        save_case(ticket, "message_count")
        search.index_ticket(ticket)
        if ticket.player_id is not None:
            from playerdesk.players.protection import route_if_protected

            ticket = route_if_protected(ticket)  # a self-excluded player's case goes to responsible gambling
        if triaged is not None:
            from playerdesk.triage.actions import after_create

            after_create(ticket, triaged)  # the decision and its reasons; assignment by the team's mode
            ticket.refresh_from_db()
    return ticket


def do_record_event(ticket: Ticket, kind: str, data: dict[str, Any], *, actor: User = None) -> Ticket:
    """Add an event to a case's timeline without changing the case (alerts, notices from other apps)."""
    with transaction.atomic():
        ticket = _lock(ticket)
        append_event(ticket, kind, actor, data)
        save_case(ticket)
    return ticket


def _store_message(
    ticket: Ticket,
    *,
    kind: str,
    channel: str,
    body: str,
    body_html: str,
    author: User,
    author_name: str,
    author_email: str,
    external_id: str,
    created_at: Any,
) -> Message:
    html = sanitize_html(body_html) if body_html else ""
    author_obj = author if author is not None and author.is_authenticated else None
    message = Message.objects.create(
        ticket=ticket,
        kind=kind,
        channel=channel,
        author=author_obj,
        author_name=author_name,
        author_email=author_email,
        body_text=body,
        body_html=html,
        created_at=created_at,
        external_id=clean_line(external_id, 255),
        sha256=hashlib.sha256(body.encode()).hexdigest(),
    )
    ticket.message_count += 1
    append_event(
        ticket,
        "message",
        author,
        {"message": message.pk, "kind": kind, "channel": channel, "sha256": message.sha256},
        public=kind != MessageKind.NOTE,
        label=author_name or author_email or None,
    )
    return message


def do_add_player_message(
    ticket: Ticket,
    *,
    body: str,
    channel: str,
    body_html: str = "",
    external_id: str = "",
    author_name: str = "",
    author_email: str = "",
    live_chat: bool = False,
    locked: bool = False,
) -> tuple[Ticket, Message]:
    """A player wrote on a case. A solved case reopens within the reopen window; a closed case (or one
    solved longer ago) gets a new linked case instead. Returns the case the message landed on.
    ``live_chat``: a turn of a chat an agent is answering (see ``CHAT_TURN_FIELDS``). ``locked``: the
    caller read ``ticket`` with ``lock_case`` in the current transaction."""
    body = check_body(body)
    check_choice(channel, Channel, "channel")
    now = clock.now()
    with transaction.atomic():
        ticket = _lock(ticket, locked)
        # A live chat has already dropped a second copy by its client id (under the same lock).
        if external_id and not live_chat and ticket.messages.filter(external_id=external_id).exists():
            return ticket, ticket.messages.get(external_id=external_id)
        window = timedelta(days=settings.REOPEN_WINDOW_DAYS)
        if ticket.status == Status.CLOSED or (
            ticket.status == Status.SOLVED and ticket.solved_at and now - ticket.solved_at > window
        ):
            follow_up = do_create_ticket(
                subject=ticket.subject,
                body=body,
                body_html=body_html,
                channel=channel,
                requester=Requester(ticket.requester_email, ticket.requester_name, ticket.player),
                language=ticket.language,
                category=ticket.category,
                priority=ticket.priority,
                team=ticket.team,
                external_id=external_id,
                linked_from=ticket,
            )
            append_event(ticket, "follow_up", None, {"reference": follow_up.reference})
            save_case(ticket)
            return follow_up, follow_up.messages.get()
        message = _store_message(
            ticket,
            kind=MessageKind.INBOUND,
            channel=channel,
            body=body,
            body_html=body_html,
            author=None,
            author_name=author_name or ticket.requester_name,
            author_email=author_email or ticket.requester_email,
            external_id=external_id,
            created_at=now,
        )
        fields = ["message_count", "last_player_message_at"]
        ticket.last_player_message_at = now
        if ticket.status in (Status.SOLVED, Status.WAITING_PLAYER):
            previous = ticket.status
            ticket.status = Status.OPEN
            if previous == Status.SOLVED:
                ticket.solved_at = None
                fields.append("solved_at")
            append_event(
                ticket, "status", None, {"from": previous, "to": Status.OPEN, "reason": "player_reply"}
            )
            fields.append("status")
        save_case(ticket, *fields, live_chat=live_chat)
        _index_turn(ticket, live_chat)
    return ticket, message


def do_reply(
    ticket: Ticket,
    *,
    author: AbstractBaseUser,
    body: str,
    internal: bool = False,
    seen_seq: int | None = None,
    status: str | None = None,
    force: bool = False,
    live_chat: bool = False,
    locked: bool = False,
) -> Message:
    """An agent answers the player (or writes an internal note). A public reply goes to the player by
    email with a link to the case in the portal. ``seen_seq`` is the timeline position the agent saw:
    if the player wrote since, the reply is held (``StaleTicket``) unless ``force``. ``locked``: as for
    ``do_add_player_message``."""
    body = check_body(body)
    now = clock.now()
    with transaction.atomic():
        ticket = _lock(ticket, locked)
        if not force:
            check_not_stale(ticket, seen_seq)
        if status:
            check_transition(ticket, status)
        elif not internal and ticket.status == Status.CLOSED:
            raise ActionError("This case is closed. The player's next message opens a linked case.")
        agent = getattr(author, "agent", None)
        name = agent.display_name if agent else author.get_username()
        message = _store_message(
            ticket,
            kind=MessageKind.NOTE if internal else MessageKind.OUTBOUND,
            channel=ticket.channel if ticket.channel != Channel.API else Channel.EMAIL,
            body=body,
            body_html="",
            author=author,
            author_name=name,
            author_email="",
            external_id="",
            created_at=now,
        )
        fields = ["message_count"]
        if not internal:
            if ticket.first_response_at is None:
                ticket.first_response_at = now
                fields.append("first_response_at")
            if ticket.status == Status.NEW and not status:  # a live chat stays open while it lasts
                status = Status.OPEN if live_chat else Status.WAITING_PLAYER
        if status and status != ticket.status:
            fields += set_status(ticket, status, author)
        save_case(ticket, *fields, live_chat=live_chat)
        _index_turn(ticket, live_chat)
        if not internal:
            delivery.deliver_reply(ticket, message)
    return message


def do_settle_live_chat(ticket: Ticket, *, locked: bool = False) -> None:
    """A chat stopped being live: the response clocks follow its last message (a player left waiting
    starts the next-response clock from that message; an answer meets what is open) and the search
    document takes in the whole conversation."""
    with transaction.atomic():
        ticket = _lock(ticket, locked)
        save_case(ticket, "message_count")
        search.index_ticket(ticket)


def _index_turn(ticket: Ticket, live_chat: bool) -> None:
    # A live chat refreshes its search document every few turns (and fully when it stops being live).
    if not live_chat or ticket.message_count % LIVE_CHAT_INDEX_EVERY == 0:
        search.index_ticket(ticket)


# ---------------------------------------------------------------- properties of a case


def set_status(ticket: Ticket, status: str, actor: User, reason: str = "") -> list[str]:
    """Move a locked case to ``status`` with its timeline event; returns the fields to pass to
    ``save_case``. The caller has checked the transition (``check_transition``)."""
    previous = ticket.status
    ticket.status = status
    fields = ["status"]
    now = clock.now()
    if status == Status.SOLVED:
        ticket.solved_at = now
        fields.append("solved_at")
    elif previous == Status.SOLVED and status != Status.CLOSED:
        # Reopened: the case is no longer solved. Closing keeps the time it was solved.
        ticket.solved_at = None
        fields.append("solved_at")
    if status == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    data = {"from": previous, "to": status}
    if reason:
        data["reason"] = reason
    append_event(ticket, "status", actor, data, public=status in (Status.SOLVED, Status.CLOSED))
    return fields


def do_change_status(ticket: Ticket, status: str, *, actor: User, reason: str = "") -> Ticket:
    with transaction.atomic():
        ticket = _lock(ticket)
        check_transition(ticket, status)
        if status == ticket.status:
            return ticket
        fields = set_status(ticket, status, actor, reason)
        save_case(ticket, *fields)
    return ticket


def do_close_solved_tickets(older_than: timedelta | None = None, limit: int = 500) -> int:
    """Close cases solved for longer than the reopen window (the player's next message opens a new case)."""
    cutoff = clock.now() - (older_than or timedelta(days=settings.REOPEN_WINDOW_DAYS))
    ids = list(
        Ticket.objects.filter(status=Status.SOLVED, solved_at__lt=cutoff).values_list("pk", flat=True)[:limit]
    )
    closed = 0
    for pk in ids:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=pk)
            if ticket.status != Status.SOLVED:
                continue
            save_case(ticket, *set_status(ticket, Status.CLOSED, None, "auto_close"))
            closed += 1
    return closed


def do_change_priority(ticket: Ticket, priority: int, *, actor: User, reason: str = "") -> Ticket:
    check_choice(priority, Priority, "priority")
    return _change_field(ticket, "priority", priority, actor, reason)


def do_change_category(ticket: Ticket, category: str, *, actor: User, reason: str = "") -> Ticket:
    check_choice(category, Category, "category")
    return _change_field(ticket, "category", category, actor, reason)


def do_change_language(ticket: Ticket, language: str, *, actor: User) -> Ticket:
    check_choice(language, Language, "language")
    return _change_field(ticket, "language", language, actor, "")


def _change_field(ticket: Ticket, field: str, value: Any, actor: User, reason: str) -> Ticket:
    with transaction.atomic():
        ticket = _lock(ticket)
        previous = getattr(ticket, field)
        if previous == value:
            return ticket
        setattr(ticket, field, value)
        data: dict[str, Any] = {"from": previous, "to": value}
        if reason:
            data["reason"] = reason
        append_event(ticket, field, actor, data)
        save_case(ticket, field)
    return ticket


def do_change_team(ticket: Ticket, team: Team | None, *, actor: User, reason: str = "") -> Ticket:
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.team_id == (team.pk if team else None):
            return ticket
        previous = ticket.team.slug if ticket.team else None
        ticket.team = team
        data: dict[str, Any] = {"from": previous, "to": team.slug if team else None}
        if reason:
            data["reason"] = reason
        append_event(ticket, "team", actor, data)
        save_case(ticket, "team")
    return ticket


def do_assign(ticket: Ticket, assignee: AbstractBaseUser | None, *, actor: User, reason: str = "") -> Ticket:
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.assignee_id == (assignee.pk if assignee else None):
            return ticket
        if assignee is not None and not hasattr(assignee, "agent"):
            raise ActionError("Cases can only be assigned to agents.")
        previous = actor_label(ticket.assignee) if ticket.assignee else None
        ticket.assignee = assignee  # type: ignore[assignment]
        data: dict[str, Any] = {"from": previous, "to": actor_label(assignee) if assignee else None}
        if reason:
            data["reason"] = reason
        append_event(ticket, "assignee", actor, data)
        fields = ["assignee"]
        if ticket.status == Status.NEW and assignee is not None:
            fields += set_status(ticket, Status.OPEN, actor, "assigned")
        save_case(ticket, *fields)
    return ticket


def check_tag_names(names: Iterable[str]) -> list[str]:
    cleaned = []
    for name in names:
        slug = slugify(clean_line(name, 50), allow_unicode=True)
        if slug and slug not in cleaned:
            cleaned.append(slug)
    if len(cleaned) > 20:
        raise ActionError("A case has at most 20 tags.")
    return cleaned


def do_set_tags(ticket: Ticket, names: Sequence[str], *, actor: User) -> Ticket:
    wanted = check_tag_names(names)
    with transaction.atomic():
        ticket = _lock(ticket)
        current = set(ticket.tags.values_list("name", flat=True))
        if current == set(wanted):
            return ticket
        tags = []
        for name in wanted:
            tag, _ = Tag.objects.get_or_create(name=name)
            tags.append(tag)
        ticket.tags.set(tags)
        append_event(
            ticket,
            "tags",
            actor,
            {"added": sorted(set(wanted) - current), "removed": sorted(current - set(wanted))},
        )
        save_case(ticket)
        search.index_ticket(ticket)
    return ticket


# ---------------------------------------------------------------- macros


def render_macro(macro: Macro, ticket: Ticket, agent_name: str) -> str:
    from playerdesk.players.protection import check_macro
    from playerdesk.tickets.macros import render

    check_macro(macro, ticket)  # promotional / account-revealing macros: refused when not allowed
    return render(macro.body_fr if ticket.language == "fr" else macro.body_en, ticket, agent_name)


def do_apply_macro(
    ticket: Ticket,
    macro: Macro,
    *,
    author: AbstractBaseUser,
    seen_seq: int | None = None,
    force: bool = False,
) -> Message:
    """Send the macro's text in the case language, then apply its status and tags."""
    agent = getattr(author, "agent", None)
    body = render_macro(macro, ticket, agent.display_name if agent else author.get_username())
    with transaction.atomic():
        message = do_reply(
            ticket, author=author, body=body, seen_seq=seen_seq, status=macro.set_status or None, force=force
        )
        if macro.add_tags:
            current = list(message.ticket.tags.values_list("name", flat=True))
            do_set_tags(message.ticket, current + list(macro.add_tags), actor=author)
    return message


def do_create_macro(
    name: str,
    *,
    body_en: str,
    body_fr: str,
    team: Team | None = None,
    set_status: str = "",
    add_tags: Sequence[str] = (),
    actor: User = None,
) -> Macro:
    """A canned reply in English and French (placeholders: see ``tickets.macros``)."""
    from playerdesk.core import audit

    name = clean_line(name, 100)
    if not name:
        raise ActionError("A macro needs a name.")
    body_en, body_fr = check_body(body_en), check_body(body_fr)
    if set_status:
        check_choice(set_status, Status, "status")
    tags = check_tag_names(add_tags)
    with transaction.atomic():
        if Macro.objects.filter(name=name).exists():
            raise ActionError(f"A macro named {name!r} already exists.")
        macro = Macro.objects.create(
            name=name, body_en=body_en, body_fr=body_fr, team=team, set_status=set_status, add_tags=tags
        )
        audit.record("macro.create", object_type="macro", object_id=str(macro.pk), user=actor)
    return macro
