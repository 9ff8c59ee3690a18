"""The local mailbox: in demo mode and on installs without a relay, mail is 'delivered' to the outbox
rows themselves, which the console shows at /desk/mailbox/. Nothing leaves the machine."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class LocalMailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        return len(email_messages)
