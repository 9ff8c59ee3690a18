"""Model fields for secrets that must be kept in the database (e.g. an IMAP account's password)."""

from __future__ import annotations

import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.db import models

from playerdesk.core.storage import files_key

log = logging.getLogger(__name__)


class EncryptedCharField(models.CharField):
    """Text stored encrypted with the files key (Fernet) and read back in clear by the application.

    ``max_length`` is the column's size, which holds the encrypted form (about 1.4 × the text + 60)."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return Fernet(files_key()).encrypt(str(value).encode()).decode()

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        try:
            return Fernet(files_key()).decrypt(value.encode()).decode()
        except InvalidToken:
            log.error("%s: a stored secret cannot be decrypted with the configured files key", self.name)
            return ""
