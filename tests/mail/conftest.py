"""Real mail components for the tests: the PlayerDesk SMTP receiver on a free port, an SMTP sink (aiosmtpd)
that answers 250, 421 or 550 on demand, and a Dovecot IMAP server with its own configuration."""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import re
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from playerdesk.mail.smtp import Handler, ReceiverController

DOMAIN = "playerdesk.localhost"
SUPPORT = f"support@{DOMAIN}"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


@pytest.fixture(autouse=True)
def _fresh_mailbox_cache() -> Iterator[None]:
    from playerdesk.mail.inbound import forget_mailboxes

    forget_mailboxes()
    yield
    forget_mailboxes()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Receiver:
    host: str
    port: int

    def send(
        self, raw: bytes, *, mail_from: str = "player@example.com", to: tuple[str, ...] = (SUPPORT,)
    ) -> tuple[int, str]:
        """One SMTP transaction; returns the final reply (code, text) of RCPT or DATA."""
        with smtplib.SMTP(self.host, self.port, timeout=30) as client:
            client.ehlo("client.example.com")
            code, reply = client.mail(mail_from)
            if code != 250:
                return code, reply.decode()
            accepted = 0
            last: tuple[int, bytes] = (0, b"")
            for rcpt in to:
                last = client.rcpt(rcpt)
                accepted += last[0] in (250, 251)
            if not accepted:
                return last[0], last[1].decode()
            # On the wire, lines end with CRLF (smtplib leaves bytes as given; an MTA would convert).
            code, reply = client.data(re.sub(rb"\r\n|\r|\n", b"\r\n", raw))
            return code, reply.decode()


@pytest.fixture
def receiver(transactional_db: Any) -> Iterator[Receiver]:
    port = free_port()
    handler = Handler()
    controller = ReceiverController(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Receiver("127.0.0.1", port)
    finally:
        controller.stop()
        # The receiver's database work runs in the handler's own thread: close its connections there, or
        # the test database could not be dropped at the end of the run.
        handler.close()


# ---------------------------------------------------------------- outbound: an SMTP sink


@dataclass
class Sink:
    host: str
    port: int
    # What the sink answers at DATA: "250", "421" or "550".
    mode: str = "250"
    messages: list[bytes] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.mode == "421":
            self.refused += 1
            return "421 4.3.2 Service not available, try again later"
        if self.mode == "550":
            self.refused += 1
            return "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown"
        self.messages.append(bytes(envelope.original_content or b""))
        self.envelopes.append((envelope.mail_from or "", list(envelope.rcpt_tos)))
        return "250 2.0.0 Queued"


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    port = free_port()
    box = Sink("127.0.0.1", port)
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield box
    finally:
        controller.stop()


# ---------------------------------------------------------------- IMAP: a real Dovecot


@dataclass
class Dovecot:
    host: str
    port: int
    password: str
    root: Path

    def connect(self, user: str) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(user, self.password)
        return conn

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        conn = self.connect(user)
        try:
            conn.create(folder)  # no harm when it exists
            typ, data = conn.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def count(self, user: str, criteria: str = "ALL", folder: str = "INBOX") -> int:
        conn = self.connect(user)
        try:
            conn.select(folder)
            typ, data = conn.search(None, criteria)
            return len(data[0].split()) if data and data[0] else 0
        finally:
            conn.logout()


DOVECOT_CONF = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        pytest.skip("dovecot is not installed (make test installs dovecot-imapd)")
    try:
        uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
    except KeyError:
        pytest.skip("the dovecot user does not exist")
    root = Path(tempfile.mkdtemp(prefix="pd-dovecot-"))
    root.chmod(0o755)
    (root / "mail").mkdir()
    os.chown(root / "mail", uid, gid)
    port = free_port()
    password = "imap-test-password"
    conf = root / "dovecot.conf"
    conf.write_text(DOVECOT_CONF.format(root=root, port=port, password=password))
    # The daemon keeps its stdout open: start it with stdout closed or the test run would hang on it.
    process = subprocess.Popen(
        [binary, "-F", "-c", str(conf)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            break
        if process.poll() is not None:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            pytest.fail(f"dovecot exited with {process.returncode}: {log[-2000:]}")
        time.sleep(0.1)
    else:
        process.terminate()
        pytest.fail("dovecot did not start listening within 20 s")
    try:
        yield Dovecot("127.0.0.1", port, password, root)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
