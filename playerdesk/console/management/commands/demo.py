"""``playerdesk demo``: load the demo desk once (running it again adds nothing)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from playerdesk.console import demo


class Command(BaseCommand):
    help = (
        "Load demo teams, agents (password 'playerdesk-demo'), players and cases in English and French. "
        "Idempotent; only in demo mode (PLAYERDESK_DEMO=1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cases",
            type=int,
            default=None,
            help="number of cases to load (default: PLAYERDESK_DEMO_CASES, 1000)",
        )
        parser.add_argument("--players", type=int, default=None, help="number of players (default 200)")

    def handle(self, *args: Any, **options: Any) -> None:
        cases = options["cases"] if options["cases"] is not None else settings.DEMO_CASES
        verbosity = options["verbosity"]

        def progress(done: int, total: int) -> None:
            if verbosity >= 1 and (done % 500 == 0 or done == total):
                self.stderr.write(f"  {done}/{total} cases")

        try:
            summary = demo.build(cases, players=options["players"], progress=progress)
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from exc
        if summary.already_loaded:
            self.stdout.write(f"Demo data already loaded ({demo.loaded_cases()} cases): nothing to do.")
        else:
            self.stdout.write(
                f"Loaded {summary.created_cases} demo cases for {summary.players} players "
                f"({summary.agents} agents, {summary.teams} teams) in {summary.seconds:.1f} s."
            )
        if verbosity >= 1:
            self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
            for username, _password, about in demo.logins():
                self.stdout.write(f"  {username:<8} {about}")
