"""IMAP polling of existing mailboxes.

Each mailbox is polled by one job at a time across every worker and machine: the job takes a lease on the
mailbox row (an atomic UPDATE) and renews it while it works. A message is stored (raw, durable) before it
is marked seen or moved, so a poller that dies mid-way fetches it again next time and the sha256 makes the
second copy a no-op.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import Q

from playerdesk.core import clock
from playerdesk.mail import inbound
from playerdesk.mail.models import Mailbox

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
BATCH = 200
TIMEOUT = 30
BUSY = -1
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


def mailboxes_to_poll() -> list[int]:
    return list(Mailbox.objects.filter(is_active=True).exclude(imap_host="").values_list("pk", flat=True))


def _take_lease(mailbox_id: int, owner: str) -> bool:
    now = clock.now()
    return bool(
        Mailbox.objects.filter(pk=mailbox_id, is_active=True)
        .exclude(imap_host="")
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now))
        .update(poll_owner=owner, poll_lease_until=now + LEASE)
    )


def _renew(mailbox_id: int, owner: str) -> bool:
    return bool(
        Mailbox.objects.filter(pk=mailbox_id, poll_owner=owner).update(poll_lease_until=clock.now() + LEASE)
    )


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    if mailbox.imap_ssl:
        return imaplib.IMAP4_SSL(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT)
    return imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT)


def poll(mailbox_id: int) -> int:
    """Fetch and store the new messages of one mailbox. Returns how many were stored (``BUSY``: another
    poller holds this mailbox)."""
    owner = uuid.uuid4().hex
    if not _take_lease(mailbox_id, owner):
        return BUSY
    mailbox = Mailbox.objects.get(pk=mailbox_id)
    stored = 0
    error = ""
    try:
        stored = _poll(mailbox, owner)
    except (imaplib.IMAP4.error, OSError, EOFError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("polling mailbox %s failed: %s", mailbox.local_part, error)
    finally:
        Mailbox.objects.filter(pk=mailbox_id, poll_owner=owner).update(
            poll_owner="", poll_lease_until=None, last_polled_at=clock.now(), last_poll_error=error
        )
    return stored


def _poll(mailbox: Mailbox, owner: str) -> int:
    conn = _connect(mailbox)
    stored = 0
    try:
        conn.login(mailbox.imap_user, mailbox.imap_password)
        typ, _data = conn.select(_quote(mailbox.imap_folder))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {mailbox.imap_folder!r}")
        criteria = "UNDELETED" if mailbox.imap_done_folder else "UNSEEN UNDELETED"
        typ, data = conn.uid("SEARCH", criteria)
        uids = data[0].split() if typ == "OK" and data and data[0] else []
        address = f"{mailbox.local_part}@{settings.MAIL_DOMAIN}"
        can_move = b"MOVE" in b" ".join(c.encode() if isinstance(c, str) else c for c in conn.capabilities)
        for uid in uids[:BATCH]:
            fetched = _fetch(conn, uid)
            if fetched is None:
                continue
            raw, size = fetched
            inbound.receive(
                raw,
                source="imap",
                envelope_to=[address],
                peer=mailbox.imap_host,
                mailbox=mailbox,
                full_size=size,
            )
            stored += 1
            # Only now that the message is stored: mark it seen, or move it out of the folder.
            if mailbox.imap_done_folder:
                folder = _quote(mailbox.imap_done_folder)
                if can_move:
                    conn.uid("MOVE", uid.decode(), folder)
                else:
                    conn.uid("COPY", uid.decode(), folder)
                    conn.uid("STORE", uid.decode(), "+FLAGS", r"(\Deleted)")
                    conn.expunge()
            else:
                conn.uid("STORE", uid.decode(), "+FLAGS", r"(\Seen)")
            if not _renew(mailbox.pk, owner):
                log.warning("lost the lease on mailbox %s: stopping", mailbox.local_part)
                break
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()
    return stored


def _fetch(conn: imaplib.IMAP4, uid: bytes) -> tuple[bytes, int] | None:
    """The message, or its beginning when it is over the size cap, and its full size."""
    typ, data = conn.uid("FETCH", uid.decode(), "(RFC822.SIZE)")
    size = 0
    if typ == "OK" and data and isinstance(data[0], bytes):
        match = _SIZE.search(data[0])
        size = int(match.group(1)) if match else 0
    part = f"BODY.PEEK[]<0.{inbound.KEEP_BYTES}>" if size > settings.MAIL_MAX_BYTES else "BODY.PEEK[]"
    typ, data = conn.uid("FETCH", uid.decode(), f"({part})")
    if typ != "OK":
        return None
    raw = _literal(data)
    return raw, max(size, len(raw))


def _literal(data: list[object]) -> bytes:
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
            return item[1]
    return b""


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
