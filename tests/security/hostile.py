"""Hostile payloads shared by every security test, how to send them, and what a safe answer looks like.

A payload is ``str`` (sent as a client would encode it: UTF-8, lone surrogates as the invalid bytes
ED A0 80) or ``bytes`` (sent raw, so invalid UTF-8 reaches the server unchanged)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from email import message_from_bytes
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from django.core import mail
from django.db import models
from django.http import HttpResponseBase
from django.test import Client

from playerdesk.core.models import AuditLog
from playerdesk.mail.models import OutboundEmail
from playerdesk.players.models import Player
from playerdesk.tickets.models import Attachment, Message, Tag, Ticket, TicketEvent

Payload = str | bytes

ONE_MB = 1024 * 1024

# Text payloads: every free-text field gets all of them.
TEXT: dict[str, Payload] = {
    "1mb-word": "x" * ONE_MB,
    "1mb-multibyte": ("é🎰" * (ONE_MB // 2))[:ONE_MB],
    "long-word-10k": "W" * 10_000,
    "nul": "before\x00after bell\x07esc\x1b[31mred\x7fdel\x0bvt",
    "lone-surrogate": "half \ud800 pair",
    "invalid-utf8": b"caf\xe9 \xff\xfe \xc3( \xed\xa0\x80",
    "rtl-override": "invoice\u202egpj.exe \u2066isolate\u2069",
    "zero-width": "pay\u200bpal\u200c\u200d\u2060\ufeffbom",
    "script": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "javascript-url": "javascript:alert(1)",
    "attr-breakout": '"><svg onload=alert(1)>',
    "single-quote-breakout": "' onmouseover='alert(1)' x='",
    "textarea-breakout": "</textarea><script>alert(1)</script>",
    "sql": "' OR '1'='1'; DROP TABLE tickets_ticket; --",
    "fts-syntax": 'NEAR("a" b) OR * AND "unbalanced ^ -x',
    "format-string": "{0.__class__} {x!r} %s%n%(x)s %d",
    "template": "pd{{7*7}}pd {% debug %} ${7*7} #{7*7}",
    "emoji-combining": "🎰💸👨‍👩‍👧 Z̴̡̛a̷l̶g̸o̵ e\u0301 \u0e01\u0e34\u0e34\u0e34",
    "crlf-header": "a@b.com\r\nBcc: x@y.z",
    "crlf-body": "Pat\r\nBcc: x@y.z\r\n\r\n<b>body</b>",
    "whitespace-only": " \t\n\u00a0\u3000 ",
}

# Addresses that pass an RFC-minded validator yet carry markup, or try to smuggle a header or a second
# recipient.
EMAILS: dict[str, Payload] = {
    "quoted-markup-address": '"<script>alert(1)</script>"@example.com',
    "quoted-svg-address": '"><svg/onload=alert(1)>"@example.com',
    "quoted-crlf-address": '"a\r\nBcc: x@y.z"@example.com',
    "two-addresses": "a@example.com, x@y.z",
    "display-name": "Pat <x@y.z>",
    "idn-address": "joueur@exemple-québec.ca",
    "newline-domain": "a@example.com\nBcc:x@y.z",
}

# Choice, number and identifier fields: a shorter list, plus numbers that are not what they look like.
SHORT: dict[str, Payload] = {
    key: TEXT[key]
    for key in (
        "1mb-word",
        "nul",
        "lone-surrogate",
        "invalid-utf8",
        "rtl-override",
        "script",
        "attr-breakout",
        "sql",
        "template",
        "crlf-header",
    )
}
SHORT.update(
    {
        "path-traversal": "../../../../etc/passwd%00",
        "superscript-digit": "²",
        "arabic-digits": "١٢٣",
        "negative": "-1",
        "huge-int": "9" * 19,
        "huger-int": "9" * 40,
        "float": "1e309",
        "nan": "NaN",
    }
)


# Fields whose value must be one of a few fixed words (status, category, language…): a few of each kind.
CHOICE: dict[str, Payload] = {
    k: SHORT[k]
    for k in ("1mb-word", "nul", "invalid-utf8", "lone-surrogate", "script", "superscript-digit", "negative")
}


def _b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# Opaque page cursors, forged: well-formed outside, hostile inside.
CURSORS: dict[str, Payload] = {
    **SHORT,
    "cursor-huge-id": _b64([1, "2025-01-01T00:00:00+00:00", 10**30]),
    "cursor-huge-id-dict": _b64({"p": 1, "r": "2025-01-01T00:00:00+00:00", "i": 10**30}),
    "cursor-naive-date": _b64([1, "2025-01-01T00:00:00", 1]),
    "cursor-year-0": _b64([1, "0000-01-01T00:00:00+00:00", 1]),
    "cursor-nested": _b64([[1], {"a": 1}, None]),
    "cursor-not-base64": "!!!***",
}

DANGEROUS_TEXT = [
    re.compile(r"<script>alert", re.I),
    re.compile(r"<img src=x onerror", re.I),
    re.compile(r"<svg onload", re.I),
    re.compile(r"pd49pd"),  # {{7*7}} evaluated by a template engine
    re.compile(r"<class '"),  # {0.__class__} evaluated by str.format
]


def params(payloads: Mapping[str, Any]) -> list[Any]:
    return [pytest.param(value, id=key) for key, value in payloads.items()]


def field_params(fields: list[str], payloads: Mapping[str, Payload]) -> list[Any]:
    """(field, payload) pairs: every field with every payload, and email fields with the address tricks."""
    out = []
    for field in fields:
        extra = EMAILS if field == "email" else {}
        for key, value in {**payloads, **extra}.items():
            out.append(pytest.param(field, value, id=f"{field}-{key}"))
    return out


def for_query(payloads: Mapping[str, Payload]) -> dict[str, Payload]:
    """Query strings: a 1 MB ASCII value is enough (servers refuse long request lines before Django)."""
    return {k: v for k, v in payloads.items() if k != "1mb-multibyte"}


def as_bytes(value: Payload) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def form_body(data: Mapping[str, Payload]) -> bytes:
    """``application/x-www-form-urlencoded`` with the exact bytes of every value."""
    return "&".join(
        f"{quote_from_bytes(as_bytes(key), safe='')}={quote_from_bytes(as_bytes(value), safe='')}"
        for key, value in data.items()
    ).encode("ascii")


def post_form(client: Client, url: str, data: Mapping[str, Payload], **extra: Any) -> Any:
    return client.post(url, form_body(data), content_type="application/x-www-form-urlencoded", **extra)


def get_query(client: Client, url: str, data: Mapping[str, Payload], **extra: Any) -> Any:
    return client.get(f"{url}?{form_body(data).decode()}", **extra)


def json_body(data: Mapping[str, Any], raw_field: str | None = None, raw: bytes = b"") -> bytes:
    """A JSON object; ``raw_field``'s value is spliced in as raw bytes (invalid UTF-8 stays invalid)."""
    if raw_field is None:
        return json.dumps(data).encode()
    marker = "__raw_value_marker__"
    document = json.dumps({**data, raw_field: marker}).encode()
    return document.replace(json.dumps(marker).encode(), b'"' + raw + b'"')


def json_with(base: Mapping[str, Any], field: str, value: Any) -> bytes:
    """``base`` with ``field`` set to ``value``: any JSON value, or raw bytes spliced in as a string."""
    if isinstance(value, bytes):
        return json_body(base, field, value)
    return json_body({**base, field: value})


# ---------------------------------------------------------------- what the answer may contain


class MarkupScanner(HTMLParser):
    """Collects every piece of markup that could run script (or break the strict content policy)."""

    URL_ATTRS = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"})
    DATA_TYPES = frozenset({"application/json", "application/ld+json"})
    FORBIDDEN_TAGS = frozenset({"iframe", "object", "embed", "base", "frame", "frameset", "applet"})

    def __init__(self, *, allow_style: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.allow_style = allow_style
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        data_block = dict(attrs).get("type", "") in self.DATA_TYPES  # json_script: data, never run
        if tag == "script" and "src" not in names and not data_block:
            self.problems.append("inline <script>")
        if tag in self.FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "style" and not self.allow_style:
            self.problems.append("inline <style>")
        if tag == "meta" and any(n == "http-equiv" and (v or "").lower() == "refresh" for n, v in attrs):
            self.problems.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name == "style" and not self.allow_style:
                self.problems.append(f"<{tag} style=…>")
            if name in self.URL_ATTRS and value:
                squashed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if squashed.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"<{tag} {name}={value[:40]!r}>")

    handle_startendtag = handle_starttag


def markup_problems(html: str, *, allow_style: bool = False) -> list[str]:
    scanner = MarkupScanner(allow_style=allow_style)
    scanner.feed(html)
    scanner.close()
    return scanner.problems


def assert_safe_response(response: HttpResponseBase, *, context: str = "", json_markup: bool = False) -> None:
    """Never a server error; never live markup, evaluated templates or sniffable content from input."""
    where = f"{context} " if context else ""
    assert response.status_code < 500, f"{where}answered {response.status_code}"
    if getattr(response, "streaming", False):
        return
    content: bytes = response.content  # type: ignore[attr-defined]
    text = content.decode("utf-8", "replace")
    for pattern in DANGEROUS_TEXT:
        assert not pattern.search(text), f"{where}response contains {pattern.pattern!r}"
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html"):
        problems = markup_problems(text)
        assert not problems, f"{where}HTML response has unsafe markup: {problems}"
    elif content_type.startswith("application/json") and not json_markup:
        # The API escapes < > & in JSON strings: no markup for a client that mis-sniffs it.
        assert b"<" not in content, f"{where}JSON contains a raw '<'"
    if content:
        assert response.get("X-Content-Type-Options") == "nosniff", f"{where}no nosniff header"


# ---------------------------------------------------------------- what may be stored

UNSAFE_CHARS = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069\ufeff\r]")
SCANNED_MODELS: list[type[models.Model]] = [
    Ticket,
    Message,
    Tag,
    TicketEvent,
    Attachment,
    Player,
    OutboundEmail,
    AuditLog,
]
# Generated from our own templates (inline styles are normal in email), not from the input alone.
EMAIL_HTML = {(OutboundEmail, "body_html")}


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def text_problem(value: str, *, single_line: bool) -> str | None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "lone surrogate"
    match = UNSAFE_CHARS.search(value)
    if match:
        return f"control/bidi character U+{ord(match.group()):04X}"
    if single_line and "\n" in value:
        return "newline in a one-line field"
    return None


def assert_rows_safe() -> None:
    """Every stored text of the case tables: valid Unicode, no controls or bidi overrides, one-line
    fields on one line, stored HTML sanitized."""
    for model in SCANNED_MODELS:
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        names = [f.name for f in fields]
        for row in model.objects.values_list("pk", *names):
            pk, values = row[0], row[1:]
            for field, value in zip(fields, values, strict=True):
                single = isinstance(field, models.CharField)
                for text in _strings(value):
                    problem = text_problem(text, single_line=single)
                    assert problem is None, f"{model.__name__}#{pk}.{field.name}: {problem}: {text[:80]!r}"
                if field.name == "body_html" and value:
                    problems = markup_problems(value, allow_style=(model, field.name) in EMAIL_HTML)
                    assert not problems, f"{model.__name__}#{pk}.body_html: {problems}"


def assert_mail_safe() -> None:
    """Queued and sent mail: one recipient, no injected headers, no live markup."""
    for email in OutboundEmail.objects.all():
        assert "\n" not in email.to and "\r" not in email.to and "," not in email.to, email.to
        assert "\n" not in email.subject and "\r" not in email.subject, email.subject
        assert not email.last_error, f"outbound email {email.pk} failed: {email.last_error}"
        assert not markup_problems(email.body_html, allow_style=True)
    for sent in mail.outbox:
        parsed = message_from_bytes(sent.message().as_bytes())
        assert parsed.get_all("Bcc") is None, parsed.get_all("Bcc")
        assert parsed.get_all("Cc") is None, parsed.get_all("Cc")
        recipients = getaddresses(parsed.get_all("To") or [])
        assert len(recipients) == 1, recipients
        assert "x@y.z" not in str(recipients)
        for name, value in parsed.items():
            assert "\n" not in str(value).replace("\n ", "").replace("\n\t", ""), (name, value)
