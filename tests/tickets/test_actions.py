from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail

from playerdesk.core import clock, refs
from playerdesk.core.errors import ActionError
from playerdesk.mail.models import OutboundEmail
from playerdesk.tickets import actions
from playerdesk.tickets.models import Message, MessageKind, Status, Ticket, TicketEvent
from playerdesk.tickets.timeline import verify_chain


def chain_ok(ticket: Ticket) -> bool:
    ticket.refresh_from_db()
    return verify_chain(ticket.reference, ticket.events.order_by("seq"), ticket.last_event_hash).ok


def test_create_ticket_stores_case_message_and_timeline(make_ticket: Callable[..., Ticket]) -> None:
    ticket = make_ticket(email="Pat@Example.COM")
    assert refs.is_valid(ticket.reference)
    stored = Ticket.objects.get(reference=ticket.reference)
    assert stored.status == Status.NEW
    assert stored.requester_email == "Pat@example.com"
    assert stored.message_count == 1
    assert list(stored.events.values_list("kind", flat=True)) == ["created", "message"]
    assert stored.messages.get().kind == MessageKind.INBOUND
    assert chain_ok(stored)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("subject", "   ", "subject is required"),
        ("body", "", "empty"),
        ("body", "x" * 200_001, "too long"),
        ("email", "not-an-email", "valid email"),
        ("email", '"<script>alert(1)</script>"@example.com', "valid email"),
        ("email", '"o\\"hara"@example.com', "valid email"),
        ("channel", "pigeon", "Unknown channel"),
        ("priority", 9, "Unknown priority"),
        ("language", "de", "Unknown language"),
    ],
)
def test_create_refuses_bad_input(
    make_ticket: Callable[..., Ticket], field: str, value: Any, error: str
) -> None:
    with pytest.raises(ActionError, match=error):
        make_ticket(**{field: value})
    assert Ticket.objects.count() == 0


def test_hostile_text_is_cleaned_not_lost(make_ticket: Callable[..., Ticket]) -> None:
    ticket = make_ticket(
        subject="Hi\u202e\x00 <script>alert(1)</script>\n  there",
        body="line1\r\nline2\x00\u202egnp.exe",
    )
    assert ticket.subject == "Hi <script>alert(1)</script> there"
    assert ticket.messages.get().body_text == "line1\nline2gnp.exe"


def test_reply_answers_player_sets_first_response_and_emails(
    ticket: Ticket, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.do_reply(ticket, author=agent, body="We are checking your withdrawal.")
    ticket.refresh_from_db()
    assert message.kind == MessageKind.OUTBOUND
    assert ticket.first_response_at is not None
    assert ticket.status == Status.WAITING_PLAYER
    outbound = OutboundEmail.objects.get(ticket=ticket, kind="reply")
    assert outbound.status == "sent"
    assert len(mail.outbox) == 1
    assert ticket.reference in mail.outbox[0].subject
    assert "We are checking your withdrawal." in mail.outbox[0].body
    assert chain_ok(ticket)


def test_internal_note_is_not_sent_and_not_a_response(ticket: Ticket, agent: User) -> None:
    actions.do_reply(ticket, author=agent, body="Checked the PSP dashboard", internal=True)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert not OutboundEmail.objects.exists()
    assert TicketEvent.objects.get(ticket=ticket, kind="message", data__kind="note").public is False


def test_stale_reply_is_held_until_forced(ticket: Ticket, agent: User) -> None:
    seen = ticket.last_event_seq
    actions.do_add_player_message(ticket, body="Any news?", channel="web")
    with pytest.raises(actions.StaleTicket):
        actions.do_reply(ticket, author=agent, body="Old draft", seen_seq=seen)
    assert not Message.objects.filter(body_text="Old draft").exists()
    actions.do_reply(ticket, author=agent, body="Old draft", seen_seq=seen, force=True)
    assert Message.objects.filter(body_text="Old draft").exists()


def test_own_team_changes_do_not_make_reply_stale(ticket: Ticket, agent: User) -> None:
    seen = ticket.last_event_seq
    actions.do_change_priority(ticket, 1, actor=agent)
    actions.do_reply(ticket, author=agent, body="Fine", seen_seq=seen)


def test_status_lifecycle_and_invalid_transition(ticket: Ticket, agent: User) -> None:
    actions.do_change_status(ticket, Status.OPEN, actor=agent)
    actions.do_change_status(ticket, Status.WAITING_THIRD_PARTY, actor=agent)
    actions.do_change_status(ticket, Status.SOLVED, actor=agent)
    ticket.refresh_from_db()
    assert ticket.solved_at is not None
    actions.do_change_status(ticket, Status.CLOSED, actor=agent)
    with pytest.raises(ActionError, match="cannot become"):
        actions.do_change_status(ticket, Status.OPEN, actor=agent)
    assert chain_ok(ticket)


def test_player_reply_reopens_solved_case_within_window(ticket: Ticket, agent: User) -> None:
    actions.do_change_status(ticket, Status.SOLVED, actor=agent)
    message = actions.do_add_player_message(ticket, body="It happened again", channel="email")
    landed = message.ticket
    assert landed.pk == ticket.pk
    assert landed.status == Status.OPEN
    assert landed.solved_at is None


def test_the_journal_never_reopens_a_closed_case(ticket: Ticket, agent: User) -> None:
    """Whoever calls it: a closed case (or one solved longer ago than the reopen window) refuses a
    player's message; intake opens a linked case instead (tests/intake)."""
    ticket = actions.do_change_status(ticket, Status.SOLVED, actor=agent)
    with clock.frozen(clock.now() + timedelta(days=30)):
        assert not actions.takes_player_message(ticket)
        with pytest.raises(ActionError, match="closed"):
            actions.do_add_player_message(ticket, body="New problem", channel="email")
    actions.do_change_status(ticket, Status.CLOSED, actor=agent)
    with pytest.raises(ActionError, match="closed"):
        actions.do_add_player_message(ticket, body="Hello again", channel="web")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.message_count == 1
    assert chain_ok(ticket)


def test_auto_close_of_solved_cases(ticket: Ticket, agent: User) -> None:
    actions.do_change_status(ticket, Status.SOLVED, actor=agent)
    with clock.frozen(clock.now() + timedelta(days=15)):
        assert actions.do_close_solved_tickets() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert chain_ok(ticket)


def test_duplicate_player_message_by_external_id_is_dropped(ticket: Ticket) -> None:
    actions.do_add_player_message(ticket, body="hello", channel="chat", external_id="client-1")
    actions.do_add_player_message(ticket, body="hello", channel="chat", external_id="client-1")
    assert ticket.messages.filter(external_id="client-1").count() == 1


def test_assign_team_priority_tags_each_leave_an_event(ticket: Ticket, agent: User, other_team: Any) -> None:
    actions.do_assign(ticket, agent, actor=agent)
    actions.do_change_team(ticket, other_team, actor=agent, reason="KYC documents")
    actions.do_change_priority(ticket, 1, actor=agent, reason="charged twice")
    actions.do_change_category(ticket, "verification", actor=agent)
    actions.do_change_language(ticket, "fr", actor=agent)
    actions.do_set_tags(ticket, ["VIP", "vip", "Retrait urgent"], actor=agent)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN  # assignment opens a new case
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["retrait-urgent", "vip"]
    kinds = list(ticket.events.values_list("kind", flat=True))
    for kind in ("assignee", "team", "priority", "category", "language", "tags"):
        assert kind in kinds
    assert ticket.events.get(kind="priority").data == {"from": 3, "to": 1, "reason": "charged twice"}
    assert chain_ok(ticket)


def test_assign_only_to_agents(ticket: Ticket, agent: User) -> None:
    stranger = User.objects.create_user("stranger")
    with pytest.raises(ActionError):
        actions.do_assign(ticket, stranger, actor=agent)


def test_macro_renders_in_case_language(make_ticket: Callable[..., Ticket], player: Any, agent: User) -> None:
    from playerdesk.tickets.models import Macro

    macro = Macro.objects.create(
        name="withdrawal-eta",
        body_en="Hi {{ first_name }}, about {{ reference }}: {{ unknown }} — {{agent_name}}",
        body_fr="Bonjour {{ first_name }}, au sujet de {{ reference }} — {{ agent_name }}",
        set_status=Status.WAITING_PLAYER,
        add_tags=["withdrawal"],
    )
    ticket = make_ticket(player=player, email=player.email)
    assert ticket.language == "fr"
    message = actions.do_apply_macro(ticket, macro, author=agent)
    assert message.body_text == f"Bonjour Marie, au sujet de {ticket.reference} — Alice"
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_PLAYER
    assert list(ticket.tags.values_list("name", flat=True)) == ["withdrawal"]
    english = make_ticket(email="x@example.com", name="Joe Bloggs")
    assert actions.render_macro(macro, english, "Alice").startswith("Hi Joe, about PD-")
    assert "{{ unknown }}" in actions.render_macro(macro, english, "Alice")
