"""Files at rest are encrypted (Fernet: AES-128-CBC + HMAC-SHA256) on the local disk.

The key comes from ``PLAYERDESK_FILES_KEY`` (a Fernet key) or, when unset, from ``<data dir>/keys/files.key``,
created with mode 0600 on first use. Losing the key loses the files: back it up with the data dir.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage


@functools.cache
def files_key() -> bytes:
    env_key = os.environ.get("PLAYERDESK_FILES_KEY", "").strip()
    if env_key:
        return env_key.encode()
    key_path = settings.DATA_DIR / "keys" / "files.key"
    if not key_path.exists():
        key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(Fernet.generate_key())
    return key_path.read_bytes().strip()


class EncryptedFileSystemStorage(FileSystemStorage):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("location", settings.FILES_DIR)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        kwargs.setdefault("file_permissions_mode", 0o600)
        super().__init__(**kwargs)

    def _save(self, name: str, content: File) -> str:
        content.seek(0)
        token = Fernet(files_key()).encrypt(content.read())
        return super()._save(name, ContentFile(token))  # type: ignore[misc]

    def _open(self, name: str, mode: str = "rb") -> File:
        with super()._open(name, "rb") as fh:  # type: ignore[misc]
            raw = fh.read()
        try:
            plain = Fernet(files_key()).decrypt(raw)
        except InvalidToken as exc:
            raise OSError(f"{name}: cannot be decrypted with the configured key") from exc
        return ContentFile(plain, name=name)

    def size(self, name: str) -> int:
        with self._open(name) as fh:
            return int(fh.size)

    def url(self, name: str | None) -> str:
        raise ValueError("Stored files are never served directly; use the access-checked download view.")


def read_bytes(field_file: Any) -> bytes:
    with field_file.storage.open(field_file.name) as fh:
        data: bytes = fh.read()
    return data
