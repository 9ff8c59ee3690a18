"""``playerdesk reset-2fa``: turn off an agent's two-step sign-in when they lost their authenticator.

The agent then signs in with their password alone and, where the desk requires it, sets up a new key
before anything else. The reset is audited with its reason."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from playerdesk.core.actions import do_disable_two_factor
from playerdesk.core.models import AgentProfile
from playerdesk.core.text import clean_line


class Command(BaseCommand):
    help = "Turn off an agent's two-step sign-in (for a lost or replaced phone); audited with the reason."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="why, for the audit log (a case reference)")

    def handle(self, *args: Any, **options: Any) -> None:
        reason = clean_line(options["reason"], 200)
        if not reason:
            raise CommandError("Give a reason for the audit log with --reason.")
        username = options["username"]
        profile = AgentProfile.objects.filter(user__username=username).first()
        if profile is None:
            raise CommandError(f"No agent signs in as {username!r}.")
        if not profile.two_factor_on:
            self.stdout.write(f"{username} has no two-step sign-in; nothing to reset.")
            return
        do_disable_two_factor(profile, actor=None, reason=reason)
        self.stdout.write(f"Two-step sign-in reset for {username}.")
