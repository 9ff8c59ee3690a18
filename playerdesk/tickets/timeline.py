"""The hash chain of a case's timeline.

Each event stores the hash of the previous event of the same ticket and its own hash over a canonical
JSON form of its content. Changing, inserting or removing any stored event breaks the chain, which
``verify_chain`` (and ``playerdesk verify-timeline``) reports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def event_hash(
    *,
    reference: str,
    seq: int,
    kind: str,
    actor_id: int | None,
    actor_label: str,
    data: dict[str, Any],
    public: bool,
    created_at: str,
    prev_hash: str,
) -> str:
    payload = json.dumps(
        {
            "reference": reference,
            "seq": seq,
            "kind": kind,
            "actor": actor_id,
            "actor_label": actor_label,
            "data": data,
            "public": public,
            "created_at": created_at,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class ChainReport:
    reference: str
    events: int
    ok: bool
    broken_at: int | None = None
    reason: str = ""


def verify_chain(reference: str, events: Iterable[Any], last_hash: str | None = None) -> ChainReport:
    prev = GENESIS
    expected_seq = 1
    count = 0
    for event in events:
        count += 1
        if event.seq != expected_seq:
            return ChainReport(reference, count, False, event.seq, f"event {expected_seq} is missing")
        if event.prev_hash != prev:
            return ChainReport(reference, count, False, event.seq, "link to the previous event is broken")
        recomputed = event_hash(
            reference=reference,
            seq=event.seq,
            kind=event.kind,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            data=event.data,
            public=event.public,
            created_at=event.created_at.isoformat(),
            prev_hash=event.prev_hash,
        )
        if recomputed != event.hash:
            return ChainReport(reference, count, False, event.seq, "event content was changed")
        prev = event.hash
        expected_seq += 1
    if last_hash is not None and last_hash != prev:
        return ChainReport(reference, count, False, expected_seq, "events were removed from the end")
    return ChainReport(reference, count, True)
