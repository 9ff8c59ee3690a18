"""Time-based one-time codes (RFC 6238: HMAC-SHA1, six digits, 30-second steps), the second factor of
staff sign-in. Any authenticator app (FreeOTP, Google Authenticator, 1Password, Authy…) reads the
``otpauth://`` link, as a QR code or typed in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import struct
from typing import Any
from urllib.parse import quote, urlencode

import segno
from cryptography.fernet import Fernet, InvalidToken
from django.utils.crypto import salted_hmac

from playerdesk.core.storage import files_key

log = logging.getLogger(__name__)

STEP_SECONDS = 30
DIGITS = 6
RECOVERY_CODES = 10
RECOVERY_CHARS = 10  # base32: 50 random bits each
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
# A code is accepted from one step before to one step after the server's clock (a phone's clock drifts,
# and a code typed at the end of its step arrives in the next).
DRIFT_STEPS = 1


def new_secret() -> str:
    """160 random bits, base32 without padding (32 characters), as RFC 4226 recommends."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def seal(secret: str) -> str:
    """The key as stored: encrypted with the files key."""
    return Fernet(files_key()).encrypt(secret.encode("ascii")).decode("ascii")


def unseal(sealed: str) -> str:
    """The stored key in clear, or "" (no code matches) when it cannot be decrypted with the files key."""
    if not sealed:
        return ""
    try:
        return Fernet(files_key()).decrypt(sealed.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        log.error("a stored authenticator key cannot be decrypted with the configured files key")
        return ""


def code_at(secret: str, step: int) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def step_of(timestamp: float) -> int:
    return int(timestamp // STEP_SECONDS)


def normalize(code: str) -> str | None:
    """The six digits typed (spaces and a dash allowed, as apps show ``123 456``); None if it is not a
    code at all."""
    digits = "".join(code.split()).replace("-", "")
    if len(digits) != DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    return digits


def matching_step(secret: str, code: str, timestamp: float, *, after_step: int = 0) -> int | None:
    """The time step whose code ``code`` is, within the drift window and later than ``after_step`` (a code
    already used never counts again); None otherwise."""
    digits = normalize(code)
    if digits is None or not secret:
        return None
    current = step_of(timestamp)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > after_step and hmac.compare_digest(code_at(secret, step), digits):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS})
    return f"otpauth://totp/{label}?{query}&period={STEP_SECONDS}"


def qr_data_uri(uri: str) -> str:
    """The link as a QR code, an SVG ``data:`` URI (the pages' CSP allows ``data:`` images only)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#111827", light="#ffffff")


def grouped(secret: str) -> str:
    """The key in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes() -> list[str]:
    """One-time codes for signing in without the phone, shown once (``ABCDE-FGHIJ``)."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii")[:RECOVERY_CHARS]
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def recovery_digest(code: str) -> str | None:
    """What is stored of a recovery code: a keyed hash (the secret key), so the stored list alone cannot
    be turned back into codes. None if ``code`` does not look like a recovery code."""
    raw = "".join(code.split()).replace("-", "").upper()
    if len(raw) != RECOVERY_CHARS or not set(raw) <= _BASE32:
        return None
    return salted_hmac("playerdesk.totp.recovery", raw, algorithm="sha256").hexdigest()


def recovery_digests(codes: list[str]) -> list[str]:
    return [digest for digest in map(recovery_digest, codes) if digest is not None]


# In a signed-in staff session: the enrolment (its start time) whose code the session gave. A session
# signed in before the second step was turned on, or before it was reset and set up again, has not.
SESSION_KEY = "playerdesk:2fa"


def session_passed(agent: Any, session: Any) -> bool:
    """Whether this session passed the agent's second step (always, for an agent without one)."""
    if agent.totp_enabled_at is None:
        return True
    return bool(session.get(SESSION_KEY) == agent.totp_enabled_at.isoformat())


def mark_session(agent: Any, session: Any) -> None:
    session[SESSION_KEY] = agent.totp_enabled_at.isoformat()
