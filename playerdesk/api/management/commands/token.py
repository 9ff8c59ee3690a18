"""``playerdesk token create|list|revoke``: API bearer tokens. ``create`` prints only the token."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from playerdesk.api.actions import TOKEN_PREFIX, do_create_token, do_revoke_token
from playerdesk.api.models import ApiToken, TokenRole
from playerdesk.core.errors import ActionError

PREFIX_LENGTH = len(TOKEN_PREFIX) + 6


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it (shown only once)")
        create.add_argument("--role", required=True, choices=TokenRole.values)
        create.add_argument("--name", default="", help="what the token is for")
        create.add_argument("--user", default=None, help="username the token acts as (agent roles)")
        sub.add_parser("list", help="list tokens (prefix, role, last use)")
        revoke = sub.add_parser("revoke", help="revoke the token with this prefix")
        revoke.add_argument("prefix", help=f"the {PREFIX_LENGTH}-character prefix shown by 'token list'")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        try:
            token, _row = do_create_token(options["name"] or options["role"], options["role"], user=user)
        except ActionError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(token)

    def _list(self, options: dict[str, Any]) -> None:
        rows = ApiToken.objects.select_related("user").order_by("created_at", "id")
        self.stdout.write(f"{'PREFIX':<12} {'ROLE':<11} {'NAME':<24} {'USER':<12} {'CREATED':<17} STATE")
        for row in rows:
            state = (
                f"revoked {row.revoked_at:%Y-%m-%d %H:%M}"
                if row.revoked_at
                else (f"used {row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used")
            )
            self.stdout.write(
                f"{row.prefix:<12} {row.role:<11} {row.name[:24]:<24} "
                f"{(row.user.get_username() if row.user else '-'):<12} {row.created_at:%Y-%m-%d %H:%M} "
                f"{state}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        prefix = options["prefix"].strip()[:PREFIX_LENGTH]
        if len(prefix) < PREFIX_LENGTH or not prefix.startswith(TOKEN_PREFIX):
            raise CommandError(f"Give the {PREFIX_LENGTH}-character prefix shown by 'token list'.")
        rows = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True))
        if not rows:
            raise CommandError(f"No live token with prefix {prefix}.")
        if len(rows) > 1:
            raise CommandError(f"Several live tokens share prefix {prefix}; revoke them from the console.")
        do_revoke_token(rows[0])
        self.stdout.write(f"Revoked {prefix} ({rows[0].name}).")
