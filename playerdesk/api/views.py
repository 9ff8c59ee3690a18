"""Ticket endpoints: create, read, list (keyset pages), add a message, change status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status
from ninja.errors import AuthorizationError, HttpError

from playerdesk.api.auth import Principal
from playerdesk.api.schemas import (
    ErrorOut,
    MessageCreatedOut,
    MessageIn,
    StatusIn,
    TicketChangeIn,
    TicketFilters,
    TicketIn,
    TicketOut,
    TicketPage,
    ValidationErrorOut,
)
from playerdesk.core import cursors, refs
from playerdesk.core.models import Team
from playerdesk.core.text import clean_line
from playerdesk.intake.actions import do_intake
from playerdesk.intake.contact import Contact, Overrides
from playerdesk.players.models import Player
from playerdesk.tickets import search
from playerdesk.tickets.actions import (
    ActionError,
    Requester,
    check_body,
    do_assign,
    do_change_category,
    do_change_priority,
    do_change_status,
    do_change_team,
    do_reply,
)
from playerdesk.tickets.models import Message, MessageKind, Ticket
from playerdesk.tickets.models import Status as TicketStatus

router = Router(tags=["tickets"])

ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}
NOT_FOUND = "No such case."


# ---------------------------------------------------------------- representation


def principal_of(request: HttpRequest) -> Principal:
    principal = getattr(request, "auth", None)
    assert isinstance(principal, Principal)
    return principal


def with_relations(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.select_related("team", "assignee__agent", "player", "linked_from").prefetch_related("tags")


def assignee_label(ticket: Ticket) -> str | None:
    user = ticket.assignee
    if user is None:
        return None
    agent = getattr(user, "agent", None)
    return agent.display_name if agent is not None else user.get_username()


def ticket_data(ticket: Ticket) -> dict[str, Any]:
    player = ticket.player
    return {
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "channel": ticket.channel,
        "language": ticket.language,
        "category": ticket.category,
        "priority": ticket.priority,
        "team": ticket.team.slug if ticket.team else None,
        "assignee": assignee_label(ticket),
        "requester": {
            "email": ticket.requester_email,
            "name": ticket.requester_name or (player.full_name if player else ""),
            "player_external_id": player.external_id if player else None,
        },
        "created_at": ticket.received_at,
        "updated_at": ticket.updated_at,
        "first_response_at": ticket.first_response_at,
        "solved_at": ticket.solved_at,
        "tags": sorted(tag.name for tag in ticket.tags.all()),
        "linked_from": ticket.linked_from.reference if ticket.linked_from else None,
        "message_count": ticket.message_count,
    }


def message_data(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "kind": message.kind,
        "author": message.author_name or message.author_email,
        "body": message.body_text,
        "created_at": message.created_at,
        "channel": message.channel,
    }


def full_ticket(principal: Principal, reference: str) -> dict[str, Any]:
    """A case with its messages as this token may see them (notes only for staff tokens)."""
    ticket = find_ticket(principal, reference, relations=True)
    messages = Message.objects.filter(ticket=ticket).order_by("created_at", "id")
    if not principal.sees_notes:
        messages = messages.exclude(kind=MessageKind.NOTE)
    return {**ticket_data(ticket), "messages": [message_data(m) for m in messages]}


def find_ticket(principal: Principal, reference: str, *, relations: bool = False) -> Ticket:
    """The case ``reference`` if this token may see it; 404 otherwise (never reveal that it exists)."""
    try:
        canonical = refs.normalize(reference)
    except refs.InvalidReference as exc:
        raise Http404(NOT_FOUND) from exc
    qs = principal.tickets().filter(reference=canonical)
    ticket = (with_relations(qs) if relations else qs).first()
    if ticket is None:
        raise Http404(NOT_FOUND)
    return ticket


# ---------------------------------------------------------------- cursors


def encode_cursor(ticket: Ticket) -> str:
    return cursors.encode(ticket.priority, ticket.received_at, ticket.pk)


def decode_cursor(cursor: str) -> tuple[int, datetime, int]:
    try:
        priority, moment, pk = cursors.decode(cursor, cursors.INT, cursors.MOMENT, cursors.INT)
    except cursors.BadCursor:
        priority = 0
    if not 1 <= priority <= 4:
        raise HttpError(400, "Invalid cursor: pass next_cursor from the previous page unchanged.")
    return priority, moment, pk


def after_cursor(qs: QuerySet[Ticket], cursor: str) -> QuerySet[Ticket]:
    priority, received, pk = decode_cursor(cursor)
    return qs.filter(
        Q(priority__gt=priority)
        | Q(priority=priority, received_at__gt=received)
        | Q(priority=priority, received_at=received, id__gt=pk)
    )


# ---------------------------------------------------------------- filters


def filtered(principal: Principal, filters: TicketFilters) -> QuerySet[Ticket]:
    qs = principal.tickets()
    if filters.status:
        wanted = [s.strip() for s in filters.status.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in TicketStatus.values]
        if unknown:
            raise HttpError(400, f"Unknown status {unknown[0]!r}: use {', '.join(TicketStatus.values)}.")
        qs = qs.filter(status__in=wanted)
    if filters.team:
        qs = qs.filter(team__isnull=True) if filters.team == "none" else qs.filter(team__slug=filters.team)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.assignee:
        if filters.assignee == "none":
            qs = qs.filter(assignee__isnull=True)
        elif filters.assignee == "me":
            if principal.user is None:
                raise HttpError(400, "assignee=me needs a token bound to an agent.")
            qs = qs.filter(assignee=principal.user)
        else:
            qs = qs.filter(assignee__username=filters.assignee)
    if filters.q:
        qs = search.search(qs, filters.q)
    return qs


# ---------------------------------------------------------------- endpoints


@router.post("/tickets", response={200: TicketOut, 201: TicketOut, **ERRORS}, summary="Open a case")
def create_ticket(request: HttpRequest, payload: TicketIn) -> Status[dict[str, Any]]:
    """Open a case from a player's first message. With ``external_id``, sending the same request again
    returns the case it opened (200) instead of a duplicate."""
    principal = principal_of(request)
    player = None
    if payload.player_external_id:
        player = Player.objects.filter(external_id=clean_line(payload.player_external_id, 64)).first()
        if player is None:
            raise HttpError(
                422,
                "No player with this player_external_id is known to the desk; "
                "omit it to open the case for the email address alone.",
            )
    landing = do_intake(
        Contact(
            channel=payload.channel,
            requester=Requester(payload.email, payload.name, player),
            subject=payload.subject,
            body=payload.body,
            external_id=payload.external_id or "",
            once=True,
            acknowledge=payload.acknowledge,
            no_reply_reason="the request asked for none",
            overrides=Overrides(
                language=payload.language, category=payload.category, priority=payload.priority
            ),
            actor=principal.user,
        )
    )
    return Status(200 if landing.duplicate else 201, full_ticket(principal, landing.ticket.reference))


@router.get("/tickets", response={200: TicketPage, **ERRORS}, summary="List cases")
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> dict[str, Any]:
    """Cases in queue order (priority, then oldest first), one keyset page at a time."""
    principal = principal_of(request)
    qs = filtered(principal, filters)
    if filters.cursor:
        qs = after_cursor(qs, filters.cursor)
    page = list(with_relations(qs).order_by("priority", "received_at", "id")[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {
        "items": [ticket_data(t) for t in page],
        "next_cursor": encode_cursor(page[-1]) if more else None,
    }


@router.get("/tickets/{reference}", response={200: TicketOut, **ERRORS}, summary="Get a case")
def get_ticket(request: HttpRequest, reference: str) -> dict[str, Any]:
    """A case and its messages. The reference is matched like a person types it (any case, no dash)."""
    return full_ticket(principal_of(request), reference)


@router.post(
    "/tickets/{reference}/messages",
    response={200: MessageCreatedOut, 201: MessageCreatedOut, 409: ErrorOut, **ERRORS},
    summary="Add a message",
)
def add_message(request: HttpRequest, reference: str, payload: MessageIn) -> Status[dict[str, Any]]:
    """The player wrote (``inbound``, service tokens), or an agent replies or writes an internal note.
    A player message on a closed case opens a new linked case: its reference is in the answer."""
    principal = principal_of(request)
    ticket = find_ticket(principal, reference)
    kind = payload.kind or ("inbound" if principal.agent_user is None else "reply")
    if kind == "inbound":
        if not principal.adds_player_messages:
            raise AuthorizationError(
                message=f"This token's role ({principal.role}) cannot add player messages."
            )
    else:
        principal.require_staff(f"write a {kind}")
        if principal.agent_user is None:
            raise AuthorizationError(message=f"A {kind} needs a token bound to an agent account.")
        if payload.external_id:
            raise HttpError(400, "external_id applies to inbound messages only.")
    try:
        body = check_body(payload.body)
    except ActionError as exc:
        raise HttpError(400, str(exc)) from exc

    if kind == "inbound":
        external_id = clean_line(payload.external_id or "", 255)
        if external_id:
            existing = (
                Message.objects.filter(
                    Q(ticket=ticket) | Q(ticket__linked_from=ticket),
                    external_id=external_id,
                    kind=MessageKind.INBOUND,
                )
                .select_related("ticket")
                .order_by("id")
                .first()
            )
            if existing is not None:
                return Status(200, created_data(existing, ticket))
        try:
            landing = do_intake(
                Contact(
                    channel=ticket.channel,
                    requester=Requester(ticket.requester_email, ticket.requester_name, ticket.player),
                    body=body,
                    external_id=external_id,
                    thread=ticket,
                    actor=principal.user,
                )
            )
        except ActionError as exc:
            raise HttpError(409, str(exc)) from exc
        return Status(201, created_data(landing.message, ticket))

    try:
        message = do_reply(ticket, author=principal.agent_user, body=body, internal=kind == "note")
    except ActionError as exc:
        raise HttpError(409, str(exc)) from exc
    message.ticket = ticket
    return Status(201, created_data(message, ticket))


def created_data(message: Message, asked: Ticket) -> dict[str, Any]:
    landed = message.ticket
    return {
        **message_data(message),
        "reference": landed.reference,
        "follow_up_of": asked.reference if landed.pk != asked.pk else None,
    }


@router.post(
    "/tickets/{reference}/status",
    response={200: TicketOut, 409: ErrorOut, **ERRORS},
    summary="Change the status of a case",
)
def change_status(request: HttpRequest, reference: str, payload: StatusIn) -> dict[str, Any]:
    """Move a case along its lifecycle (new → open → waiting → solved → closed). A change the lifecycle
    does not allow answers 409 with the reason."""
    principal = principal_of(request)
    principal.require_staff("change the status of a case")
    ticket = find_ticket(principal, reference)
    try:
        do_change_status(ticket, payload.status, actor=principal.user, reason=clean_line(payload.reason, 500))
    except ActionError as exc:
        raise HttpError(409, str(exc)) from exc
    return full_ticket(principal, ticket.reference)


@router.patch(
    "/tickets/{reference}",
    response={200: TicketOut, 409: ErrorOut, **ERRORS},
    summary="Change the team, priority, category or assignee of a case",
)
def change_ticket(request: HttpRequest, reference: str, payload: TicketChangeIn) -> dict[str, Any]:
    """Each field given is changed by its own action (one timeline event each), in the order team,
    assignee, priority, category. A change the desk refuses answers 409 with the reason (for instance, a
    self-excluded player's case stays with the responsible-gambling team); the fields before it stay
    changed. An unknown team or agent answers 422."""
    principal = principal_of(request)
    principal.require_staff("change a case")
    ticket = find_ticket(principal, reference)
    reason = clean_line(payload.reason, 500)
    team = assignee = None
    if payload.team is not None and payload.team != "none":
        team = Team.objects.filter(slug=payload.team, is_active=True).first()
        if team is None:
            raise HttpError(422, f"No active team {payload.team!r}.")
    if payload.assignee is not None and payload.assignee != "none":
        assignee = User.objects.filter(username=payload.assignee, is_active=True, agent__isnull=False).first()
        if assignee is None:
            raise HttpError(422, f"No active agent {payload.assignee!r}.")
    actor = principal.user
    try:
        if payload.team is not None:
            ticket = do_change_team(ticket, team, actor=actor, reason=reason)
        if payload.assignee is not None:
            ticket = do_assign(ticket, assignee, actor=actor, reason=reason)
        if payload.priority is not None:
            ticket = do_change_priority(ticket, payload.priority, actor=actor, reason=reason)
        if payload.category is not None:
            ticket = do_change_category(ticket, payload.category, actor=actor, reason=reason)
    except ActionError as exc:
        raise HttpError(409, str(exc)) from exc
    return full_ticket(principal, ticket.reference)
