"""One intake for every channel. Mail, chat, the portal and the API parse their input into a ``Contact``
and hand it to ``do_intake``, which decides once, in one transaction:

1. thread or new case: a message on a case that still takes player messages lands there; one on a closed
   case (or solved longer ago than the reopen window) opens a new case linked to it;
2. for a new case, language (one detector), category, priority and team (triage, with the values the
   caller fixed as explicit overrides), and the agent who takes it (the team's assignment mode);
3. the case is written once by the journal (a self-excluded player's case goes to responsible gambling
   there, whoever asks), which starts the service clocks;
4. one acknowledgement policy for all channels: at most one automatic acknowledgement per address a day,
   none to robots or to a player who watches the case open in a chat; the case's channel sends it
   (``settings.HOOKS["acknowledgement"]``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction

from playerdesk.core import clock, hooks
from playerdesk.core.errors import ActionError
from playerdesk.core.models import Team
from playerdesk.core.text import clean_line
from playerdesk.intake.contact import Contact, Overrides
from playerdesk.players.protection import required_team_for
from playerdesk.tickets import actions as journal
from playerdesk.tickets.attachments import do_add_attachment
from playerdesk.tickets.models import Message, MessageKind, Ticket
from playerdesk.triage import actions as triage

ACKNOWLEDGEMENT_INTERVAL = timedelta(hours=24)


@dataclass
class Landing:
    """Where a contact landed: the case and its message, whether the case is new (first message, or a
    follow-up of ``follow_up_of``), whether it was received before (``duplicate``), whether the player
    was acknowledged (else why not), and the files refused (name, reason)."""

    ticket: Ticket
    message: Message
    created: bool
    duplicate: bool = False
    follow_up_of: Ticket | None = None
    acknowledged: bool = False
    no_acknowledgement: str = ""
    refused_files: list[tuple[str, str]] = field(default_factory=list)


def do_intake(contact: Contact) -> Landing:
    """Receive a player's message from any channel (see the module docstring). Refuses (``ActionError``)
    what no case may hold: no valid address, an empty or oversized text."""
    contact.external_id = clean_line(contact.external_id, 255)
    contact.body = journal.check_body(contact.body)
    if contact.thread is None:
        email = journal.check_email(contact.requester.email)
        contact.requester = journal.Requester(email, contact.requester.name, contact.requester.player)
    with transaction.atomic():
        if contact.once and contact.external_id:
            earlier = _received_before(contact)
            if earlier is not None:
                return Landing(earlier.ticket, earlier, created=False, duplicate=True)
        if contact.thread is not None:
            case = contact.thread if contact.thread_locked else journal.lock_case(contact.thread.pk)
            if journal.takes_player_message(case):
                return _thread(contact, case)
            landing = _open(contact, follow_up_of=case)
            journal.do_record_event(case, "follow_up", {"reference": landing.ticket.reference}, locked=True)
            return landing
        return _open(contact)


def _received_before(contact: Contact) -> Message | None:
    """The requester's message with this external id, if it arrived before. On PostgreSQL a transaction
    lock on (requester, id) makes two identical requests arriving at once open one case; SQLite already
    runs writers one at a time."""
    email = contact.requester.email
    _serialise("external-id", email, contact.external_id)
    return (
        Message.objects.filter(
            external_id=contact.external_id, kind=MessageKind.INBOUND, ticket__requester_email=email
        )
        .select_related("ticket")
        .order_by("id")
        .first()
    )


def _serialise(*key: str) -> None:
    """Hold a transaction lock on ``key`` (PostgreSQL; SQLite already runs writers one at a time), so a
    check and the write it leads to are never split by a concurrent contact of the same requester."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256("\n".join(("intake", *key)).encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)])


def _thread(contact: Contact, case: Ticket) -> Landing:
    message = journal.do_add_player_message(
        case,
        body=contact.body,
        channel=contact.channel,
        body_html=contact.body_html,
        external_id=contact.external_id,
        author_name=contact.requester.name,
        author_email=contact.requester.email,
        live_chat=contact.live_turn,
        locked=True,
    )
    landing = Landing(message.ticket, message, created=False)
    _store_files(landing, contact)
    return landing


def _open(contact: Contact, follow_up_of: Ticket | None = None) -> Landing:
    requester = contact.requester
    player = requester.player
    fixed = contact.overrides
    if follow_up_of is not None:  # the matter goes on: it keeps the case's language, category, team
        fixed = Overrides(
            language=fixed.language or follow_up_of.language,
            category=fixed.category or follow_up_of.category,
            priority=fixed.priority or follow_up_of.priority,
            team=fixed.team or follow_up_of.team,
        )
    subject = (
        contact.subject
        or contact.title
        or (follow_up_of.subject if follow_up_of else "")
        or _title(contact.body)
    )
    result = triage.triage_text(
        contact.subject,
        contact.body,
        player_locale=player.locale if player is not None else "",
        entry_point=contact.entry_point,
        language_hint=contact.language_hint,
        category_hint=contact.category_hint,
        email=requester.email,
        language=fixed.language,
        category=fixed.category,
        priority=fixed.priority,
        team_id=fixed.team.pk if fixed.team is not None else None,
    )
    team = fixed.team
    if team is None and result.team_id is not None:
        team = Team.objects.filter(pk=result.team_id, is_active=True).first()
    # A self-excluded player's case goes to responsible gambling (the journal enforces it and says why):
    # its agent comes from that team.
    assignment = triage.choose_agent(required_team_for(player) or team, result.language)
    email = requester.email
    refusal = acknowledgement_refusal(contact, email)
    ticket = journal.do_create_ticket(
        subject=subject,
        body=contact.body,
        channel=contact.channel,
        requester=journal.Requester(email, requester.name, player),
        language=result.language,
        category=result.category,
        priority=result.priority,
        team=team,
        assignee=assignment.user,
        assign_reason=assignment.why,
        decision=result.as_data(),
        acknowledged=not refusal,
        body_html=contact.body_html,
        external_id=contact.external_id,
        actor=contact.actor,
        received_at=contact.received_at,
        linked_from=follow_up_of,
    )
    triage.do_record_decision(ticket, result, assignment)
    message = ticket.messages.get()
    landing = Landing(
        ticket,
        message,
        created=True,
        follow_up_of=follow_up_of,
        acknowledged=not refusal,
        no_acknowledgement=refusal,
    )
    if not refusal:
        hooks.first("acknowledgement", ticket, contact)
    _store_files(landing, contact)
    return landing


def _title(body: str) -> str:
    first = next((line for line in body.splitlines() if line.strip()), "")
    return clean_line(first, 80) or "(no subject)"


def acknowledgement_refusal(contact: Contact, email: str) -> str:
    """Why a new case from this contact gets no automatic acknowledgement ("" when it gets one)."""
    if contact.present:
        return "the player watches the case open in the chat"
    if not contact.acknowledge:
        return contact.no_reply_reason or "the channel asked for none"
    _serialise("acknowledgement", email.lower())  # two new cases of one address at once: one reply
    since = clock.now() - ACKNOWLEDGEMENT_INTERVAL
    if Ticket.objects.filter(requester_email=email, acknowledged_at__gte=since).exists():
        return "this address got an automatic acknowledgement in the last 24 hours"
    return ""


def _store_files(landing: Landing, contact: Contact) -> None:
    for file in contact.files:
        try:
            do_add_attachment(
                landing.ticket, filename=file.filename, data=file.data, message=landing.message, locked=True
            )
        except ActionError as exc:
            landing.refused_files.append((file.filename, str(exc)))
