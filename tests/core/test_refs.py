from __future__ import annotations

import pytest

from playerdesk.core import refs


def test_format_and_round_trip() -> None:
    ref = refs.reference_for_sequence(42)
    assert ref.startswith("PD-") and len(ref) == 11
    assert refs.sequence_for_reference(ref) == 42


def test_one_million_references_are_unique() -> None:
    seen = {refs.reference_for_sequence(n) for n in range(1, 1_000_001)}
    assert len(seen) == 1_000_000


@pytest.mark.parametrize("sequence", [1, 2, 999, 123_456, 34_000_000_000])
def test_check_catches_every_single_substitution(sequence: int) -> None:
    ref = refs.reference_for_sequence(sequence)
    body = ref[3:]
    for i, original in enumerate(body):
        alphabet = refs.CHECK_ALPHABET if i == len(body) - 1 else refs.ALPHABET
        for replacement in alphabet:
            if replacement == original:
                continue
            typo = "PD-" + body[:i] + replacement + body[i + 1 :]
            assert not refs.is_valid(typo), typo


@pytest.mark.parametrize("sequence", range(1, 3001, 7))
def test_check_catches_every_adjacent_transposition(sequence: int) -> None:
    body = refs.reference_for_sequence(sequence)[3:]
    for i in range(len(body) - 1):
        if body[i] == body[i + 1]:
            continue
        swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
        assert not refs.is_valid("PD-" + swapped), swapped


def test_lookup_is_tolerant() -> None:
    ref = refs.reference_for_sequence(7777)
    body = ref[3:]
    assert refs.normalize(ref.lower()) == ref
    assert refs.normalize("pd" + body.lower()) == ref
    assert refs.normalize(f" PD {body[:4]} {body[4:]} ") == ref
    confusable = body.replace("0", "o").replace("1", "l")
    assert refs.normalize("PD-" + confusable) == ref


@pytest.mark.parametrize(
    "text", ["", "PD-", "PD-123", "hello world", "PD-ÉÉÉÉÉÉÉÉ", "PD-UUUUUUUU", "x" * 10_000]
)
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(refs.InvalidReference):
        refs.normalize(text)
