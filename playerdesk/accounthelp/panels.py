"""The player panel of the console's case page: flags at the top (head), the account and its actions
beside the case (side), transactions and the player's other cases under the timeline (main).

The three panels share one computation per request, with a constant number of queries whatever the
number of transactions. Without a verified requester nothing of the account is shown."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpRequest

from playerdesk.accounthelp.models import (
    AccountRequest,
    DocumentRequest,
    DocumentType,
    RequestKind,
    VerificationMethod,
)
from playerdesk.accounthelp.verification import Identity, identity, mask_email, mask_phone
from playerdesk.core.panels import Panel
from playerdesk.players.models import LIMIT_KINDS, Player, PlayerStatus, Transaction, TxStatus, TxType
from playerdesk.players.transactions import transaction_page
from playerdesk.tickets.models import Attachment, Message, Ticket, TicketEvent

PAGE_SIZE = 20
OTHER_CASES = 20
# Operator transaction ids as agents and players write them: letters, digits, dashes, with a digit.
TX_CANDIDATE = re.compile(r"\b(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9][A-Za-z0-9_-]{5,63}\b")
MAX_CANDIDATES = 300


@dataclass
class PanelData:
    ticket: Ticket
    player: Player | None
    ident: Identity
    suggestions: list[Player] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    next_cursor: str = ""
    other_cases: list[Ticket] = field(default_factory=list)
    more_cases: bool = False
    requests: list[AccountRequest] = field(default_factory=list)
    documents: list[DocumentRequest] = field(default_factory=list)
    snapshots: list[TicketEvent] = field(default_factory=list)
    mentioned: list[Transaction] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.ident.verified

    @property
    def self_excluded(self) -> bool:
        return self.player is not None and self.player.status == PlayerStatus.SELF_EXCLUDED

    @property
    def limits(self) -> list[tuple[str, str]]:
        if self.player is None:
            return []
        return [
            (str(LIMIT_KINDS.get(k, k)), v)
            for k, v in sorted((self.player.limits or {}).items())
            if v is not None
        ]

    @property
    def previous_cases(self) -> str:
        count = len(self.other_cases)
        return f"{count}+" if self.more_cases else str(count)

    @property
    def method_label(self) -> str:
        if not self.ident.method:
            return ""
        return str(VerificationMethod(self.ident.method).label)

    @property
    def mentioned_ids(self) -> str:
        return json.dumps([t.external_id for t in self.mentioned])

    @property
    def masked_email(self) -> str:
        return mask_email(self.player.email) if self.player else ""

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.player.phone) if self.player and self.player.phone else ""


def candidates(texts: list[str]) -> list[str]:
    found: dict[str, None] = {}
    for text in texts:
        for match in TX_CANDIDATE.finditer(text):
            found[match.group(0)] = None
            if len(found) >= MAX_CANDIDATES:
                return list(found)
    return list(found)


def collect(request: HttpRequest, ticket: Ticket) -> PanelData:
    cache: dict[int, PanelData] = request.__dict__.setdefault("_player_panel", {})
    if ticket.pk in cache:
        return cache[ticket.pk]
    player = ticket.player
    data = PanelData(ticket=ticket, player=player, ident=identity(ticket))
    data.documents = list(DocumentRequest.objects.filter(ticket=ticket)[:10])
    if player is None:
        data.suggestions = list(
            Player.objects.filter(email__iexact=ticket.requester_email).only(
                "id", "external_id", "first_name", "last_name", "email"
            )[:5]
        )
    elif data.verified:
        data.transactions, data.next_cursor = transaction_page(player, {})
        others = list(
            Ticket.objects.filter(player=player)
            .exclude(pk=ticket.pk)
            .only("id", "reference", "subject", "status", "channel", "category", "received_at", "solved_at")
            .order_by("-received_at", "-id")[: OTHER_CASES + 1]
        )
        data.more_cases = len(others) > OTHER_CASES
        data.other_cases = others[:OTHER_CASES]
        data.requests = list(AccountRequest.objects.filter(ticket=ticket)[:20])
        data.snapshots = list(
            TicketEvent.objects.filter(ticket=ticket, kind="player_snapshot").order_by("-seq")[:5]
        )
        texts = list(Message.objects.filter(ticket=ticket).values_list("body_text", flat=True)[:200])
        found = candidates(texts)
        if found:
            data.mentioned = list(
                Transaction.objects.filter(player=player, external_id__in=found).order_by("-occurred_at")[:20]
            )
        data.attachments = list(Attachment.objects.filter(ticket=ticket).only("id", "filename")[:20])
    cache[ticket.pk] = data
    return data


def head_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    data = collect(request, ticket)
    if data.player is None and not data.suggestions:
        return None
    return Panel("accounthelp/panel_head.html", {"d": data}, place="head")


def side_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    data = collect(request, ticket)
    return Panel(
        "accounthelp/panel_side.html",
        {
            "d": data,
            "request_kinds": RequestKind.choices,
            "document_types": DocumentType.choices,
            "limit_kinds": [(k, str(v)) for k, v in LIMIT_KINDS.items()],
        },
        place="side",
    )


def main_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    data = collect(request, ticket)
    if data.player is None or not data.verified:
        return None
    return Panel(
        "accounthelp/panel_main.html",
        {
            "d": data,
            "tx_types": TxType.choices,
            "tx_statuses": TxStatus.choices,
            "filters": {},
            "rows": data.transactions,
            "next_cursor": data.next_cursor,
        },
        place="main",
    )


def money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"
