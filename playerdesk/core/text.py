"""Making untrusted text safe to store and to display."""

from __future__ import annotations

import re
import unicodedata

import nh3

# Bidirectional overrides/isolates can disguise text ("right-to-left override" spoofing); C0 controls
# other than tab/newline and NUL have no place in a support message.
_CONTROL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")

ALLOWED_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "img",
}


def clean_text(value: str, max_chars: int | None = None) -> str:
    """Drop control characters and bidi overrides, normalise newlines, cut to ``max_chars``."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    if max_chars is not None:
        value = value[:max_chars]
    return value


def clean_line(value: str, max_chars: int) -> str:
    """A single-line field (subject, name): controls removed, whitespace folded."""
    return _SPACES.sub(" ", clean_text(value)).strip()[:max_chars]


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "img": {"alt", "src"}, "td": {"colspan"}, "th": {"colspan"}},
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
    )


def fold(value: str) -> str:
    """Lower-case and strip accents: ``Dépôt RETIRÉ`` → ``depot retire`` (search and matching)."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
