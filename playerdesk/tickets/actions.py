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
from django.utils.translation import gettext as _

from playerdesk.core import audit, clock, events, hooks, sequences
from playerdesk.core.audit import actor_label
from playerdesk.core.enums import Language
from playerdesk.core.errors import ActionError
from playerdesk.core.models import Team
from playerdesk.core.text import clean_line, clean_text, sanitize_html
from playerdesk.players.models import Player
from playerdesk.players.protection import SELF_EXCLUDED_REASON, required_team_for
from playerdesk.tickets import delivery, search
from playerdesk.tickets.macros import render
from playerdesk.tickets.models import (
    OPEN_STATUSES,
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


def check_team(ticket: Ticket, team: Team | None) -> None:
    """A self-excluded player's cases stay with the responsible-gambling team: any other team is refused,
    whoever asks (console, API, escalation rule, chat transfer)."""
    required = required_team_for(ticket.player) if ticket.player_id else None
    if required is not None and (team is None or team.pk != required.pk):
        raise ActionError(
            _("This player is self-excluded: their cases stay with the %(team)s team.")
            % {"team": required.name}
        )


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
    hooks.run("case_changed", ticket, changed)
    ticket.save(update_fields=[*fields, "last_event_seq", "last_event_hash", "updated_at"])
    events.send_on_commit(
        events.DESK_GROUP, {"kind": "ticket", "id": ticket.pk, "reference": ticket.reference}
    )
    events.send_on_commit(
        events.ticket_group(ticket.pk), {"kind": "ticket", "id": ticket.pk, "seq": ticket.last_event_seq}
    )


def _record_change(ticket: Ticket, field: str, previous: Any, value: Any, actor: User, reason: str) -> None:
    data: dict[str, Any] = {"from": previous, "to": value}
    if reason:
        data["reason"] = reason
    append_event(ticket, field, actor, data)


def _route_protected(ticket: Ticket, actor: User) -> list[str]:
    """Move an open case whose player is self-excluded to the responsible-gambling team (under its lock);
    returns the fields to save."""
    required = required_team_for(ticket.player) if ticket.player_id else None
    if required is None or ticket.team_id == required.pk or ticket.status not in OPEN_STATUSES:
        return []
    previous = ticket.team.slug if ticket.team_id and ticket.team else None
    ticket.team = required
    _record_change(ticket, "team", previous, required.slug, actor, SELF_EXCLUDED_REASON)
    return ["team"]


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
    language: str,
    category: str,
    priority: int,
    team: Team | None,
    assignee: AbstractBaseUser | None = None,
    assign_reason: str = "",
    decision: dict[str, Any] | None = None,
    acknowledged: bool = False,
    body_html: str = "",
    external_id: str = "",
    actor: User = None,
    received_at: Any = None,
    linked_from: Ticket | None = None,
) -> Ticket:
    """Write a new case from a player's first message, as intake decided it: language, category, priority,
    team and (when one was chosen) the assignee, with ``decision`` (why: triage's reasons) in the created
    event. ``acknowledged``: an automatic acknowledgement goes to the player with the case.

    The case row is inserted, its created and message events appended, then written once with its chain
    head (the service clocks start there). A self-excluded player's case goes to the responsible-gambling
    team whatever team was chosen (and keeps its assignee only if they are of that team)."""
    subject = check_subject(subject)
    body = check_body(body)
    check_choice(channel, Channel, "channel")
    check_choice(category, Category, "category")
    check_choice(priority, Priority, "priority")
    check_choice(language, Language, "language")
    email = check_email(requester.email)
    if assignee is not None and not hasattr(assignee, "agent"):
        raise ActionError("Cases can only be assigned to agents.")
    now = received_at or clock.now()
    name = clean_line(requester.name, 120)
    protected = required_team_for(requester.player)
    team_reason = ""
    if protected is not None and (team is None or team.pk != protected.pk):
        team, team_reason = protected, SELF_EXCLUDED_REASON
        if assignee is not None and not assignee.agent.teams.filter(pk=protected.pk).exists():
            assignee = None
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
            acknowledged_at=clock.now() if acknowledged else None,
            linked_from=linked_from,
        )
        ticket.save()
        data: dict[str, Any] = {
            "channel": channel,
            "subject": subject,
            "requester": email,
            "language": language,
            "category": category,
            "priority": priority,
            "team": team.slug if team else None,
            "linked_from": linked_from.reference if linked_from else None,
        }
        if team_reason:
            data["team_reason"] = team_reason
        if decision is not None:
            data["triage"] = decision  # why the case got its language, category, priority and team
        append_event(
            ticket, "created", actor, data, public=True, label=(name or email) if actor is None else None
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
        fields = ["message_count"]
        if assignee is not None:
            ticket.assignee = assignee  # type: ignore[assignment]
            _record_change(ticket, "assignee", None, actor_label(assignee), None, assign_reason)
            fields += ["assignee", *set_status(ticket, Status.OPEN, None, "assigned")]
        if acknowledged:
            append_event(ticket, "acknowledged", None, {"channel": channel}, public=True)
            fields.append("acknowledged_at")
        save_case(ticket, *fields)
        search.index_ticket(ticket)
    return ticket


def do_record_event(
    ticket: Ticket, kind: str, data: dict[str, Any], *, actor: User = None, locked: bool = False
) -> Ticket:
    """Add an event to a case's timeline without changing the case (alerts, notices from other apps)."""
    with transaction.atomic():
        ticket = _lock(ticket, locked)
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


def takes_player_message(ticket: Ticket) -> bool:
    """Whether a player's message may land on this case: a closed case never reopens, nor one solved
    longer ago than the reopen window (the message opens a new linked case instead: intake's call)."""
    if ticket.status == Status.CLOSED:
        return False
    if ticket.status == Status.SOLVED and ticket.solved_at is not None:
        return clock.now() - ticket.solved_at <= timedelta(days=settings.REOPEN_WINDOW_DAYS)
    return True


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
) -> Message:
    """A player wrote on a case. A solved case reopens; a case that no longer takes player messages
    (``takes_player_message``) refuses it. ``live_chat``: a turn of a chat an agent is answering (see
    ``CHAT_TURN_FIELDS``). ``locked``: the caller read ``ticket`` with ``lock_case`` in the current
    transaction. A message whose ``external_id`` the case already has is returned as it is."""
    body = check_body(body)
    check_choice(channel, Channel, "channel")
    now = clock.now()
    with transaction.atomic():
        ticket = _lock(ticket, locked)
        # A live chat has already dropped a second copy by its client id (under the same lock).
        if external_id and not live_chat:
            existing = ticket.messages.filter(external_id=external_id).first()
            if existing is not None:
                return existing
        if not takes_player_message(ticket):
            raise ActionError("This case is closed: the player's message opens a new linked case.")
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
    return message


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
        _record_change(ticket, field, previous, value, actor, reason)
        save_case(ticket, field)
    return ticket


def do_change_team(ticket: Ticket, team: Team | None, *, actor: User, reason: str = "") -> Ticket:
    """Move a case to another team (or to none); refused for a self-excluded player's case."""
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.team_id == (team.pk if team else None):
            return ticket
        check_team(ticket, team)
        previous = ticket.team.slug if ticket.team else None
        ticket.team = team
        _record_change(ticket, "team", previous, team.slug if team else None, actor, reason)
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
        to = actor_label(assignee) if assignee else None
        _record_change(ticket, "assignee", previous, to, actor, reason)
        fields = ["assignee"]
        if ticket.status == Status.NEW and assignee is not None:
            fields += set_status(ticket, Status.OPEN, actor, "assigned")
        save_case(ticket, *fields)
    return ticket


def do_link_player(ticket: Ticket, player: Player | None, *, actor: User, reason: str = "") -> Ticket:
    """Link a case to a player account (or unlink it). A self-excluded player's open case moves to the
    responsible-gambling team in the same step."""
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.player_id == (player.pk if player else None):
            return ticket
        previous = (
            Player.objects.filter(pk=ticket.player_id or 0).values_list("external_id", flat=True).first()
        )
        ticket.player = player
        data: dict[str, Any] = {"from": previous, "to": player.external_id if player else None}
        if reason:
            data["reason"] = clean_line(reason, 200)
        append_event(ticket, "player_linked", actor, data)
        save_case(ticket, "player", *_route_protected(ticket, actor))
        audit.record(
            "ticket.link_player", object_type="ticket", object_id=ticket.reference, user=actor, data=data
        )
    return Ticket.objects.select_related("player", "team").get(pk=ticket.pk)


def route_protected_cases(players: Sequence[Player], limit: int = 500) -> int:
    """Players just became self-excluded: their open cases move to the responsible-gambling team
    (``settings.HOOKS["players_self_excluded"]``, from the operator's pushes). Returns how many moved."""
    moved = 0
    rows = Ticket.objects.filter(player__in=players, status__in=OPEN_STATUSES).order_by("pk")[:limit]
    for pk in list(rows.values_list("pk", flat=True)):
        with transaction.atomic():
            ticket = lock_case(pk)
            fields = _route_protected(ticket, None)
            if fields:
                save_case(ticket, *fields)
                moved += 1
    return moved


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
    """The macro's text for this case. Each function of ``settings.HOOKS["macro_checks"]`` may refuse it
    first (``(macro, ticket)``, raising ``ActionError``): promotions to a self-excluded player, account data
    to an unverified requester."""
    hooks.run("macro_checks", macro, ticket)
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
