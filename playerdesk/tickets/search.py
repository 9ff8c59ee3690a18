"""Full-text search over cases, accents folded, on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

``index_ticket`` rebuilds a case's search document inside the writing transaction; ``search`` turns the
agent's words into a safe prefix query (no query syntax from the user reaches the engine).
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from playerdesk.core import refs
from playerdesk.core.text import fold
from playerdesk.tickets.models import SearchEntry, Ticket

MAX_DOCUMENT_CHARS = 100_000
_WORD = re.compile(r"\w+", re.UNICODE)


def build_document(ticket: Ticket) -> str:
    parts = [ticket.reference, ticket.subject, ticket.requester_name, ticket.requester_email]
    if ticket.player_id:
        parts.append(ticket.player.external_id if ticket.player else "")
    parts += list(ticket.tags.values_list("name", flat=True))
    size = sum(len(p) for p in parts)
    for body in ticket.messages.order_by("-id").values_list("body_text", flat=True).iterator():
        if size >= MAX_DOCUMENT_CHARS:
            break
        parts.append(body[: MAX_DOCUMENT_CHARS - size])
        size += len(parts[-1])
    return fold(" ".join(p for p in parts if p))


def index_ticket(ticket: Ticket) -> None:
    SearchEntry.objects.update_or_create(ticket=ticket, defaults={"document": build_document(ticket)})


def terms(query: str) -> list[str]:
    return _WORD.findall(fold(query))[:12]


def matching_ids_sql(query: str) -> tuple[str, list[str]] | None:
    words = terms(query)
    if not words:
        return None
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{w}:*" for w in words)
        return (
            "SELECT ticket_id FROM tickets_searchentry "
            "WHERE to_tsvector('simple', document) @@ to_tsquery('simple', %s)",
            [tsquery],
        )
    fts = " ".join('"' + w.replace('"', "") + '"*' for w in words)
    return ("SELECT rowid FROM tickets_search_fts WHERE tickets_search_fts MATCH %s", [fts])


def search(queryset: QuerySet, query: str) -> QuerySet:
    """Filter ``queryset`` by an agent's search: a reference, an email, a player id or free text."""
    query = (query or "").strip()[:200]
    if not query:
        return queryset
    if refs.is_valid(query):
        return queryset.filter(reference=refs.normalize(query))
    if "@" in query and " " not in query:
        return queryset.filter(requester_email__iexact=query)
    sql = matching_ids_sql(query)
    if sql is None:
        return queryset.filter(player__external_id=query)
    return queryset.filter(Q(player__external_id=query) | Q(id__in=RawSQL(*sql)))  # noqa: S611 (constant SQL, bound params)
