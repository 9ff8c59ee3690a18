"""``playerdesk createuser``: an agent, supervisor or admin login with teams and languages."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from playerdesk.core import staff
from playerdesk.core.errors import ActionError
from playerdesk.core.models import Role

PASSWORD_ENV = "PLAYERDESK_NEW_USER_PASSWORD"  # noqa: S105 - the name of the variable, not a secret


class Command(BaseCommand):
    help = (
        "Create a desk login. The password comes from --password, else $PLAYERDESK_NEW_USER_PASSWORD, "
        "else a prompt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", choices=Role.values, default=Role.AGENT)
        parser.add_argument(
            "--team", action="append", default=[], dest="teams", help="team slug (repeat for several)"
        )
        parser.add_argument("--languages", default="en", help="comma-separated: en,fr")
        parser.add_argument("--name", default="", help="name shown to colleagues and players")
        parser.add_argument("--password", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or os.environ.get(PASSWORD_ENV) or self._prompt()
        try:
            teams = staff.teams_by_slug(options["teams"])
            user = staff.do_create_agent(
                options["username"],
                email=options["email"],
                password=password,
                role=options["role"],
                teams=teams,
                languages=options["languages"].split(","),
                display_name=options["name"],
            )
        except ActionError as exc:
            raise CommandError(str(exc)) from exc
        team_list = ", ".join(t.slug for t in teams) or "no team"
        self.stdout.write(f"Created {options['role']} {user.get_username()} ({team_list}).")

    def _prompt(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError(f"No password given: use --password or set {PASSWORD_ENV}.")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return first
