from __future__ import annotations

from collections.abc import Callable

from playerdesk.tickets import actions
from playerdesk.tickets.models import Ticket
from playerdesk.tickets.search import search


def found(q: str) -> set[str]:
    return set(search(Ticket.objects.all(), q).values_list("reference", flat=True))


def test_search_by_reference_email_player_and_text(
    make_ticket: Callable[..., Ticket], player: object
) -> None:
    a = make_ticket(
        subject="Dépôt non crédité", body="Mon DÉPÔT de 50 $ n'apparaît pas", email="a@example.ca"
    )
    b = make_ticket(subject="RETRAIT bloqué", body="retrait en attente depuis lundi", email="b@example.ca")
    c = make_ticket(subject="Password reset", body="cannot log in", player=player, email="c@example.ca")
    assert found("depot") == {a.reference}
    assert found("dépôt crédité") == {a.reference}
    assert found("retrait") == {b.reference}
    assert found("passw") == {c.reference}  # prefix match
    assert found(a.reference.lower().replace("-", "")) == {a.reference}
    assert found("B@EXAMPLE.CA") == {b.reference}
    assert found("P-1001") == {c.reference}
    assert found("nothing-like-this") == set()


def test_search_sees_later_messages_and_ignores_query_syntax(make_ticket: Callable[..., Ticket]) -> None:
    ticket = make_ticket(subject="Game froze", body="Mid-round freeze on Book of Dead")
    actions.do_add_player_message(ticket, body="Round id 88812 lost my winnings", channel="web")
    assert found("88812") == {ticket.reference}
    for hostile in ['"', "NEAR(a b)", "a OR", "*", "col:val", "') OR 1=1 --", "x" * 5000]:
        search(Ticket.objects.all(), hostile).count()  # never raises
