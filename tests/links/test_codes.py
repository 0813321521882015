"""Short codes: random, short, from an alphabet without look-alikes, unique."""

from __future__ import annotations

from engage.links.codes import ALPHABET, MAX_LENGTH, new_code, normalise


def test_codes_are_short_and_use_no_look_alike_characters():
    for _ in range(500):
        code = new_code()
        assert len(code) <= MAX_LENGTH
        assert set(code) <= set(ALPHABET)
    assert not set("01OILU") & set(ALPHABET)


def test_codes_are_random():
    assert len({new_code() for _ in range(2000)}) == 2000


def test_typed_codes_are_accepted_in_any_case():
    assert normalise(" abc2345 ") == "ABC2345"


def test_malformed_codes_are_refused():
    assert normalise("ABCDEFGHJ") is None  # too long
    assert normalise("ABC0123") is None  # look-alike characters
    assert normalise("AB<script>") is None
    assert normalise("") is None
    assert normalise("ABC%20") is None
