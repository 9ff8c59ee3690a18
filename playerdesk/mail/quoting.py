"""Cut quoted history and signatures from an email's text for display (the original stays viewable).

Recognises the reply headers of the common clients in English and French ("On … wrote:", "Le … a écrit :",
Outlook's "-----Original Message-----" / "From: … Sent: …" blocks, "De : … Envoyé : …"), trailing ``>``
quotes, the ``-- `` signature delimiter and "Sent from my phone" lines.
"""

from __future__ import annotations

import re

_REPLY_HEADER = re.compile(
    r"^\s*(?:"
    r"on\b.{0,300}\bwrote\s*:"
    r"|le\b.{0,300}\ba\s+[ée]crit\s*:"
    r"|-{2,}\s*(?:original message|message d'origine|forwarded message|message transf[ée]r[ée])\s*-{2,}"
    r"|_{10,}"
    r")\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(?:from|de)\s*\*?\s*:", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(?:sent|date|envoy[ée]|to|[àa]|subject|objet)\s*\*?\s*:", re.IGNORECASE)
_SIGNATURE = re.compile(r"^-- ?$")
_MOBILE = re.compile(
    r"^\s*(?:sent from my|envoy[ée] de mon|get outlook for|obtenir outlook pour)\b.{0,60}$", re.IGNORECASE
)


def strip_quotes(text: str) -> str:
    """The new part of a reply: everything before the first quote header, trailing quotes or signature.
    Returns "" when nothing would remain (the caller then shows the whole text)."""
    lines = text.split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        if i > 0 and _REPLY_HEADER.match(line):
            cut = i
            break
        # "On Mon, 3 Mar 2025 at 10:00, Someone <x@y>" + "wrote:" on the next line.
        if i > 0 and i + 1 < len(lines) and re.match(r"^\s*(?:on|le)\b", line, re.IGNORECASE):
            joined = f"{line} {lines[i + 1]}"
            if _REPLY_HEADER.match(joined):
                cut = i
                break
        if i > 0 and _OUTLOOK_FROM.match(line) and _is_outlook_block(lines, i):
            cut = i
            break
        if _SIGNATURE.match(line):
            cut = i
            break
    kept = lines[:cut]
    # Trailing quoted lines (bottom-posted history) and blank lines.
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    while kept and _MOBILE.match(kept[-1]):
        kept.pop()
        while kept and not kept[-1].strip():
            kept.pop()
    result = "\n".join(kept).strip()
    return result


def _is_outlook_block(lines: list[str], start: int) -> bool:
    following = [line for line in lines[start + 1 : start + 5] if line.strip()]
    return sum(1 for line in following if _OUTLOOK_NEXT.match(line)) >= 2
