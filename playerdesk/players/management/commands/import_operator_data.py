"""``playerdesk import players|transactions FILE``: bulk-load operator data from JSONL or CSV.

Rows are validated like API pushes and applied in batches (idempotent: event ids and versions). Bad rows
are reported with their line number and field, and skipped; the exit status is 1 when any row was bad.
A progress bar goes to stderr; the summary to stdout."""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from playerdesk.players import ingest
from playerdesk.players.schemas import PlayerPush, TransactionPush

MAX_LINE_BYTES = 64 * 1024
KINDS: dict[str, tuple[Any, Any]] = {
    "players": (PlayerPush, ingest.ingest_players),
    "transactions": (TransactionPush, ingest.ingest_transactions),
}


def _csv_row(row: dict[str, str]) -> dict[str, Any]:
    """CSV cells are strings: empty cells are left out, ``limits.<name>`` columns form the limits."""
    item: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    for key, value in row.items():
        if key is None or value is None:
            continue
        key, value = key.strip(), value.strip()
        if not key or value == "":
            continue
        if key.startswith("limits."):
            limits[key.removeprefix("limits.")] = value
        else:
            item[key] = value
    if limits:
        item["limits"] = limits
    return item


def read_rows(path: Path, fmt: str) -> Iterator[tuple[int, Any, int]]:
    """(line number, parsed row or an error string, bytes read so far)."""
    with path.open("rb") as raw:
        if fmt == "csv":
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.DictReader(text)
            for row in reader:
                yield reader.line_num, _csv_row(row), raw.tell()
            return
        for number, line in enumerate(raw, start=1):
            if not line.strip():
                continue
            if len(line) > MAX_LINE_BYTES:
                yield number, f"line longer than {MAX_LINE_BYTES} bytes", raw.tell()
                continue
            try:
                yield number, json.loads(line.decode("utf-8")), raw.tell()
            except (UnicodeDecodeError, ValueError) as exc:
                yield number, f"not a JSON object ({exc})", raw.tell()


class Progress:
    def __init__(self, total: int, stream: Any, enabled: bool) -> None:
        self.total, self.stream, self.enabled = max(1, total), stream, enabled
        self.started = time.monotonic()
        self.last = 0.0

    def update(self, done_bytes: int, rows: int, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self.last < 0.2):
            return
        self.last = now
        share = min(1.0, done_bytes / self.total)
        width = 30
        filled = int(share * width)
        rate = rows / max(0.001, now - self.started)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {share:6.1%} {rows:,} rows {rate:,.0f}/s")
        if final:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Bulk-load players or transactions from a JSONL or CSV file (see docs/operator-api.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS), help="what the file holds")
        parser.add_argument("file", help="path of a .jsonl/.ndjson or .csv file")
        parser.add_argument(
            "--format", choices=["jsonl", "csv"], default=None, help="default: from the extension"
        )
        parser.add_argument("--batch", type=int, default=2000, help="rows per transaction (default 2000)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        model, apply = KINDS[kind]
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        fmt = options["format"] or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
        batch_size = max(1, min(10_000, options["batch"]))
        progress = Progress(path.stat().st_size, sys.stderr, not options["no_progress"])
        total = ingest.IngestResult()
        bad: list[str] = []
        batch: list[tuple[int, Any]] = []
        rows = 0
        started = time.monotonic()
        position = 0

        def flush() -> None:
            valid, errors = ingest.validate(model, [item for _, item in batch])
            lines = [line for line, _ in batch]
            for error in errors:
                bad.append(self._describe(lines[error["index"]], error))
            numbered = [(lines[index], item) for index, item in valid]
            result = apply([(i, item) for i, (_, item) in enumerate(numbered)], actor=None)
            for error in result.errors:
                bad.append(self._describe(numbered[error["index"]][0], error))
            total.add(result)
            batch.clear()

        for line, item, position in read_rows(path, fmt):
            rows += 1
            if isinstance(item, str):
                bad.append(f"line {line}: {item}")
            else:
                batch.append((line, item))
            if len(batch) >= batch_size:
                flush()
                progress.update(position, rows)
        if batch:
            flush()
        progress.update(position, rows, final=True)
        seconds = time.monotonic() - started
        for message in bad[:50]:
            self.stderr.write(message)
        if len(bad) > 50:
            self.stderr.write(f"… and {len(bad) - 50} more bad rows")
        self.stdout.write(
            f"{kind}: {rows:,} rows read in {seconds:.1f} s: {total.applied:,} applied, "
            f"{total.ignored_older:,} ignored (older version), {total.duplicates:,} duplicates, "
            f"{len(bad):,} bad"
        )
        if bad:
            raise CommandError(f"{len(bad)} row(s) were not imported (see above).", returncode=1)

    @staticmethod
    def _describe(line: int, error: dict[str, Any]) -> str:
        where = f" field {error['field']}" if error.get("field") else ""
        return f"line {line}:{where}: {error['message']}"
