"""Every email of the shared real-world corpus, sent over SMTP to the running receiver, becomes a case, a
follow-up, a bounce record or a logged rejection: no exception, no lost body, each within 2 s.

The default run sends a fixed sample (every 6th file, about 150 messages, ~1 minute); set
PLAYERDESK_CORPUS_FULL=1 to send all 870. Skipped when ../shared/corpus is absent.
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path
from typing import Any

import pytest

from playerdesk.mail.models import InboundEmail, InboundOutcome, InboundStatus
from tests.mail.conftest import CORPUS, Receiver
from tests.mail.mails import make_mail

FULL = os.environ.get("PLAYERDESK_CORPUS_FULL", "") == "1"
SAMPLE_EVERY = 6
BUDGET_SECONDS = 2.0


def corpus_files() -> list[Path]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["kind"].startswith("email-")]
    files = sorted(CORPUS / r["file"] for r in rows)
    files = [f for f in files if f.is_file() and f.name != ".gitattributes"]
    return files if FULL else files[::SAMPLE_EVERY]


@pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").exists(), reason="the shared corpus is absent")
def test_every_corpus_email_has_an_outcome(receiver: Receiver, caplog: Any) -> None:
    files = corpus_files()
    assert files
    # One ordinary email first: loading models and templates on first use is not a per-message cost.
    assert receiver.send(make_mail(sender="warm-up@example.org"), mail_from="warm-up@example.org")[0] == 250
    slow: list[tuple[str, float]] = []
    refused: list[tuple[str, int, str]] = []
    for path in files:
        raw = path.read_bytes()
        started = time.perf_counter()
        code, reply = receiver.send(raw, mail_from="corpus@example.org")
        elapsed = time.perf_counter() - started
        if os.environ.get("PLAYERDESK_CORPUS_TIMES"):
            print(f"{elapsed * 1000:8.1f} ms {code} {path.relative_to(CORPUS)}")
        if elapsed > BUDGET_SECONDS:
            slow.append((str(path), elapsed))
        if code != 250:
            refused.append((path.name, code, reply))
            assert code in (552, 554), (path, code, reply)  # a rejection with its reason, never a crash
    assert not slow, slow
    rows = list(InboundEmail.objects.select_related("ticket_message"))
    assert not [r for r in rows if r.status in (InboundStatus.PENDING, InboundStatus.PROCESSING)]
    # Refused messages are logged with their reason (quarantine or rejection), accepted ones have an outcome.
    for row in rows:
        if row.status in (InboundStatus.QUARANTINED, InboundStatus.REJECTED):
            assert row.reason, row.pk
            assert "could not be read" not in row.reason and "Processing failed" not in row.reason, row.reason
        else:
            assert row.outcome in {
                InboundOutcome.CASE,
                InboundOutcome.FOLLOW_UP,
                InboundOutcome.BOUNCE,
                InboundOutcome.DUPLICATE,
                InboundOutcome.LOOP,
            }, (row.pk, row.outcome)
        if row.outcome in (InboundOutcome.CASE, InboundOutcome.FOLLOW_UP):
            assert row.ticket_message is not None and row.ticket_message.body_text.strip()  # no lost body
    assert not [r for r in caplog.records if r.levelname == "ERROR" and r.name.startswith("playerdesk")]
    outcomes = {o: sum(1 for r in rows if r.outcome == o) for o in InboundOutcome.values}
    assert outcomes[InboundOutcome.CASE] > 0 and outcomes[InboundOutcome.BOUNCE] > 0
