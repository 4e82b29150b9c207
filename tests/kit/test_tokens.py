"""Link tokens: short, bound to a purpose, refused when altered."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsurvey.kit.tokens import InvalidToken, mint, read

KEY = b"k" * 32


@given(st.integers(min_value=0, max_value=2**63))
def test_round_trip(number: int) -> None:
    assert read("survey", mint("survey", number, KEY), KEY) == number


def test_tokens_are_short_and_url_safe() -> None:
    token = mint("survey", 123_456_789, KEY)
    assert len(token) <= 22
    assert token.replace("-", "").replace("_", "").isalnum()


def test_purpose_key_and_tampering_are_refused() -> None:
    token = mint("survey", 42, KEY)
    with pytest.raises(InvalidToken):
        read("opt-out", token, KEY)
    with pytest.raises(InvalidToken):
        read("survey", token, b"other key")
    forged = mint("survey", 43, b"attacker")
    with pytest.raises(InvalidToken):
        read("survey", forged, KEY)
    with pytest.raises(InvalidToken):
        read("survey", token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), KEY)
    with pytest.raises(InvalidToken):
        read("survey", "!!!", KEY)
