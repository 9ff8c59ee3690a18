"""Case reference numbers: ``PD-`` + Crockford base32 + a mod-37 check symbol.

The sequence number is spread over a 35-bit space by a fixed bijection (so references do not reveal the
desk's volume and neighbouring cases do not look alike), then written as 7 Crockford symbols. The check
symbol is the value mod 37 (Crockford's check alphabet), which catches every single-symbol substitution
and every transposition of adjacent symbols. Look-up is case-insensitive and tolerant of a missing dash,
spaces, and of the letters Crockford maps (O→0, I/L→1).
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
PREFIX = "PD-"
WIDTH = 7
SPACE = 32**WIDTH  # 2**35
# Multiplier is odd, hence invertible modulo 2**35: the mapping is a bijection of the sequence space.
_MULT = 0x5DEECE66D & (SPACE - 1) | 1
_ADD = 0x2F1A5C3D9 % SPACE
_INV = pow(_MULT, -1, SPACE)

_DECODE = {ch: i for i, ch in enumerate(CHECK_ALPHABET)}
_DECODE.update({"O": 0, "I": 1, "L": 1})
_CLEAN = re.compile(r"[\s\-_.]")


class InvalidReference(ValueError):
    pass


def encode(value: int) -> str:
    if not 0 <= value < SPACE:
        raise ValueError("value out of range")
    symbols = []
    for _ in range(WIDTH):
        value, digit = divmod(value, 32)
        symbols.append(ALPHABET[digit])
    return "".join(reversed(symbols))


def check_symbol(value: int) -> str:
    return CHECK_ALPHABET[value % 37]


def reference_for_sequence(sequence: int) -> str:
    """The reference of the ``sequence``-th case (1-based). Deterministic and collision-free."""
    if not 1 <= sequence < SPACE:
        raise ValueError("sequence out of range")
    value = (sequence * _MULT + _ADD) % SPACE
    return f"{PREFIX}{encode(value)}{check_symbol(value)}"


def sequence_for_reference(reference: str) -> int:
    value = _value_of(normalize(reference))
    return ((value - _ADD) * _INV) % SPACE


def _value_of(normalized: str) -> int:
    body = normalized[len(PREFIX) : -1]
    value = 0
    for ch in body:
        value = value * 32 + _DECODE[ch]
    return value


def normalize(text: str) -> str:
    """Canonical form of a typed reference, or ``InvalidReference``.

    Accepts ``pd-7k2m9qx*``, ``PD7K2M9QX*``, ``PD 7K2M 9QX*`` and ``PD-7K2M9QX*`` with O/I/L typed for 0/1/1.
    """
    raw = _CLEAN.sub("", (text or "").strip().upper())
    if raw.startswith("PD"):
        raw = raw[2:]
    if len(raw) != WIDTH + 1:
        raise InvalidReference("A reference looks like PD-XXXXXXXX.")
    body, check = raw[:WIDTH], raw[WIDTH]
    digits = []
    for ch in body:
        if ch not in _DECODE or _DECODE[ch] >= 32:
            raise InvalidReference("This is not a valid reference.")
        digits.append(ALPHABET[_DECODE[ch]])
    if check not in _DECODE:
        raise InvalidReference("This is not a valid reference.")
    candidate = f"{PREFIX}{''.join(digits)}{CHECK_ALPHABET[_DECODE[check]]}"
    if check_symbol(_value_of(candidate)) != candidate[-1]:
        raise InvalidReference("This reference has a typo: please check it.")
    return candidate


def is_valid(text: str) -> bool:
    try:
        normalize(text)
    except InvalidReference:
        return False
    return True


REFERENCE_PATTERN = re.compile(r"\bPD-?[0-9A-HJKMNP-TV-Z]{7}[0-9A-HJKMNP-TV-Z*~$=U]", re.IGNORECASE)
