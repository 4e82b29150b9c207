"""Sender kinds: phone numbers, short codes, alphanumeric ids and their rule."""

from __future__ import annotations

import pytest

from smsurvey.sms.sender_ids import SenderKind, can_receive_replies, sender_kind


@pytest.mark.parametrize(
    ("sender", "kind"),
    [
        ("+15005550006", SenderKind.PHONE_NUMBER),
        ("+447911123456", SenderKind.PHONE_NUMBER),
        ("12345", SenderKind.SHORT_CODE),
        ("QUALTRICSXM", SenderKind.ALPHANUMERIC),
        ("Acme Shop", SenderKind.ALPHANUMERIC),
        ("ACME2026", SenderKind.ALPHANUMERIC),
    ],
)
def test_kinds(sender: str, kind: SenderKind) -> None:
    assert sender_kind(sender) is kind
    assert can_receive_replies(sender) is (kind is not SenderKind.ALPHANUMERIC)


@pytest.mark.parametrize(
    "sender",
    ["ACMESHOPLTD12", "Acme-Shop", "Acme_Shop", "Café", "", " Acme", "123456789012", "+0123"],
)
def test_refused_senders_name_the_rule(sender: str) -> None:
    with pytest.raises(ValueError, match="sender"):
        sender_kind(sender)
