"""Caps before parsing, and the parser's fallbacks."""

from __future__ import annotations

from typing import Any

from playerdesk.mail.limits import check_limits
from playerdesk.mail.parse import parse
from playerdesk.mail.quoting import strip_quotes


def test_header_bomb_and_parameter_bomb_are_caught_by_the_scan() -> None:
    bomb = b"Subject: x\r\n" + b"X-A: " + b"a" * 300_000 + b"\r\n\r\nbody"
    assert check_limits(bomb).code == "header_too_big"  # type: ignore[union-attr]
    params = b"Content-Type: text/plain; " + b";".join(b"a%d=b" % i for i in range(32_000)) + b"\r\n\r\nbody"
    assert check_limits(params).code in {"header_too_big", "too_many_params"}  # type: ignore[union-attr]
    compact = b"Content-Type: text/plain; " + b"a=b;" * 32_000 + b"\r\n\r\nbody"  # under the size cap
    assert len(compact) < 131_072
    assert check_limits(compact).code == "too_many_params"  # type: ignore[union-attr]
    in_part = (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; '
        + b";".join(b"a%d=b" % i for i in range(5000))
        + b"\r\n\r\nx\r\n--b--\r\n"
    )
    assert check_limits(in_part).code == "too_many_params"  # type: ignore[union-attr]


def test_parts_and_depth(settings: Any) -> None:
    settings.MAIL_MAX_DEPTH = 5
    nested = b""
    for level in range(8):
        nested += b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
    nested += b"Content-Type: text/plain\r\n\r\ndeep\r\n"
    for level in reversed(range(8)):
        nested += b"--b%d--\r\n" % level
    assert check_limits(b"Subject: deep\r\n" + nested).code == "too_deep"  # type: ignore[union-attr]
    assert check_limits(b"Subject: ok\r\n\r\nhello") is None
    assert check_limits(b"  \r\n").code == "empty"  # type: ignore[union-attr]


def test_quote_and_signature_stripping() -> None:
    text = "Merci!\n\nLe lun. 3 mars 2025 à 10:00, Support <s@x> a écrit :\n> Bonjour\n"
    assert strip_quotes(text) == "Merci!"
    assert strip_quotes("Hi\n-- \nPat\nPhone 555") == "Hi"
    assert strip_quotes("Ok\n\nSent from my iPhone") == "Ok"
    assert strip_quotes("> only a quote") == ""


def test_encoded_headers_and_unknown_charset() -> None:
    raw = (
        b"From: =?utf-8?q?Ren=C3=A9e?= <renee@EXAMPLE.com>\r\nSubject: =?iso-8859-1?q?D=E9p=F4t?=\r\n"
        b"Content-Type: text/plain; charset=klingon\r\n\r\nD\xe9p\xf4t manquant\r\n"
    )
    parsed = parse(raw)
    assert parsed.from_name == "Renée" and parsed.from_address == "renee@example.com"
    assert parsed.subject == "Dépôt"
    assert "manquant" in parsed.text and parsed.fallbacks
