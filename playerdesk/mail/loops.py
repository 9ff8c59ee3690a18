"""Mail loops and bounces (RFC 3834, RFC 3464): when never to answer automatically, how to recognise a
bounce or our own mail coming back, and the headers our automatic mail carries."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

from playerdesk.mail.parse import LOOP_HEADER, ParsedEmail

_ROBOT_LOCAL = re.compile(
    r"^(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply|noreply[-_.].*|.*[-_.]noreply|bounces?|"
    r"bounce[-+].*|mail-?daemon|auto-?reply)$",
    re.IGNORECASE,
)
_DAEMON_LOCAL = re.compile(r"^(?:mailer-daemon|postmaster|mail-?daemon)$", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (?:status notification|failure|failed|has failed|problem)|"
    r"returned mail|failure notice|mail delivery (?:failed|failure|system|subsystem)|"
    r"could not (?:be )?deliver|non remis|non distribu|échec de (?:la )?remise|unzustellbar|"
    r"delivery notification|message not delivered|rejected:|mail system error|nondeliverable",
    re.IGNORECASE,
)
_LIST_HEADERS = ("List-Id", "List-Unsubscribe", "List-Post", "List-Help", "List-Owner", "List-Archive")
_BOUNCE_LOCAL = re.compile(r"^bounce\+(\d{1,18})-([0-9a-f]{12})$", re.IGNORECASE)


def loop_marker() -> str:
    """Value of our own header on every mail we send (recognised when it comes back)."""
    return f"playerdesk; {settings.MAIL_DOMAIN}"


def outbound_headers(*, automatic: bool, auto_reply: bool = False) -> dict[str, str]:
    headers = {LOOP_HEADER: loop_marker()}
    if automatic:
        headers["Auto-Submitted"] = "auto-replied" if auto_reply else "auto-generated"
        # Ask Exchange/Outlook not to answer our automatic mail with out-of-office replies.
        headers["X-Auto-Response-Suppress"] = "All"
    return headers


def local_part(address: str) -> str:
    return address.rpartition("@")[0] if "@" in address else address


def is_own_mail(parsed: ParsedEmail) -> bool:
    return loop_marker() in parsed.header(LOOP_HEADER)


def suppression_reason(parsed: ParsedEmail, envelope_from: str) -> str:
    """Why this mail must get no automatic reply (empty: an acknowledgement may be sent)."""
    auto = parsed.header("Auto-Submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto[:40]}"
    precedence = parsed.header("Precedence").strip().lower()
    if precedence in {"bulk", "list", "junk"}:
        return f"Precedence: {precedence}"
    if parsed.has_header("X-Auto-Response-Suppress"):
        return "X-Auto-Response-Suppress"
    for name in _LIST_HEADERS:
        if parsed.has_header(name):
            return f"mailing list ({name})"
    if parsed.has_header("X-Autoreply") or parsed.has_header("X-Autorespond"):
        return "auto-responder header"
    envelope = envelope_from.strip().strip("<>")
    if not envelope:
        return "empty sender (bounce address)"
    for address in (envelope, parsed.from_address):
        if address and _ROBOT_LOCAL.match(local_part(address)):
            return f"automatic sender ({address[:80]})"
    if is_own_mail(parsed):
        return "our own mail"
    return ""


def bounce_address(outbound_id: int) -> str:
    """The envelope sender of an outbound email: bounces come back to it and name the email (VERP)."""
    return f"bounce+{outbound_id}-{_bounce_sig(outbound_id)}@{settings.MAIL_DOMAIN}"


def outbound_of_bounce_address(address: str) -> int | None:
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if domain.lower() != settings.MAIL_DOMAIN.lower():
        return None
    match = _BOUNCE_LOCAL.match(local)
    if not match:
        return None
    outbound_id = int(match.group(1))
    return outbound_id if hmac.compare_digest(match.group(2).lower(), _bounce_sig(outbound_id)) else None


def _bounce_sig(outbound_id: int) -> str:
    key = f"playerdesk-bounce:{settings.SECRET_KEY}".encode()
    return hmac.new(key, str(outbound_id).encode(), hashlib.sha256).hexdigest()[:12]


def looks_like_bounce(parsed: ParsedEmail, envelope_from: str, envelope_to: list[str]) -> bool:
    if parsed.content_type == "multipart/report" or parsed.report_type or parsed.deliveries:
        return True
    if any(outbound_of_bounce_address(a) for a in envelope_to):
        return True
    sender = parsed.from_address
    if sender and _DAEMON_LOCAL.match(local_part(sender)):
        return True
    subject_says = bool(_BOUNCE_SUBJECT.search(parsed.subject))
    envelope_empty = not envelope_from.strip().strip("<>")
    if envelope_empty and (subject_says or parsed.original_ids):
        return True
    return subject_says and bool(parsed.original_ids) and not parsed.in_reply_to


_PERMANENT = re.compile(
    r"\b5\.\d{1,3}\.\d{1,3}\b|\b55[0-4]\b|user unknown|unknown user|no such user|does not exist|"
    r"mailbox unavailable|address rejected|invalid recipient|recipient rejected|not found",
    re.IGNORECASE,
)
_TEMPORARY = re.compile(r"\b4\.\d{1,3}\.\d{1,3}\b|delayed|will (?:be )?retr|still trying", re.IGNORECASE)


def is_permanent(parsed: ParsedEmail) -> bool:
    """A hard bounce (the address will not work) rather than a delay notice."""
    if parsed.deliveries:
        return any(d.action == "failed" or d.status.startswith("5") for d in parsed.deliveries)
    if parsed.report_type == "feedback-report":
        return False
    text = f"{parsed.subject}\n{parsed.text[:20000]}"
    if _PERMANENT.search(text):
        return True
    return not _TEMPORARY.search(text)
