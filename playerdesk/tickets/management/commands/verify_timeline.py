"""``playerdesk verify-timeline``: recompute the hash chain of cases and report any tampering."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from playerdesk.core import refs
from playerdesk.tickets.models import Ticket, TicketEvent
from playerdesk.tickets.timeline import ChainReport, verify_chain

BATCH = 500


class Command(BaseCommand):
    help = "Verify the tamper-evident timeline of cases (exit status 1 when any is broken)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("references", nargs="*", metavar="PD-…")
        parser.add_argument("--all", action="store_true", help="verify every case")

    def handle(self, *args: Any, **options: Any) -> None:
        references: list[str] = options["references"]
        if not references and not options["all"]:
            raise CommandError("Give one or more references, or --all.")
        failures = 0
        checked = 0
        if references:
            for reports in self._by_reference(references):
                checked += 1
                if reports is None:
                    failures += 1
                    continue
                failures += 0 if reports.ok else 1
                self._print(reports)
        if options["all"]:
            for report in self._all():
                checked += 1
                if not report.ok:
                    failures += 1
                    self._print(report)
                elif options["verbosity"] >= 2:
                    self._print(report)
            self.stdout.write(
                f"{checked} case(s) verified: " + (f"{failures} broken." if failures else "all OK.")
            )
        if failures:
            raise CommandError(f"{failures} case(s) failed verification.", returncode=1)

    def _print(self, report: ChainReport) -> None:
        if report.ok:
            self.stdout.write(f"{report.reference} OK ({report.events} events)")
        else:
            self.stdout.write(f"{report.reference} BROKEN at event {report.broken_at}: {report.reason}")

    def _by_reference(self, references: list[str]) -> Any:
        for raw in references:
            try:
                reference = refs.normalize(raw)
            except refs.InvalidReference as exc:
                self.stdout.write(f"{raw} NOT FOUND: {exc}")
                yield None
                continue
            ticket = Ticket.objects.filter(reference=reference).only("reference", "last_event_hash").first()
            if ticket is None:
                self.stdout.write(f"{reference} NOT FOUND")
                yield None
                continue
            events = TicketEvent.objects.filter(ticket=ticket).order_by("seq")
            yield verify_chain(ticket.reference, events.iterator(), ticket.last_event_hash)

    def _all(self) -> Any:
        last_id = 0
        while True:
            tickets = list(
                Ticket.objects.filter(pk__gt=last_id)
                .order_by("pk")
                .values_list("pk", "reference", "last_event_hash")[:BATCH]
            )
            if not tickets:
                return
            last_id = tickets[-1][0]
            events: dict[int, list[TicketEvent]] = defaultdict(list)
            rows = TicketEvent.objects.filter(ticket_id__in=[t[0] for t in tickets]).order_by(
                "ticket_id", "seq"
            )
            for event in rows:
                events[event.ticket_id].append(event)
            for pk, reference, last_hash in tickets:
                yield verify_chain(reference, events[pk], last_hash)
