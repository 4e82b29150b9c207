"""Who a text comes from: a phone number, a short code or an alphanumeric sender id."""

from __future__ import annotations

import re
from enum import StrEnum

_ALPHANUMERIC = re.compile(r"[A-Za-z0-9 ]{1,11}")
_SHORT_CODE = re.compile(r"\d{3,8}")
_PHONE = re.compile(r"\+[1-9]\d{6,14}")

ALPHANUMERIC_RULE = (
    "an alphanumeric sender id has at most 11 characters among A-Z, a-z, 0-9 and space,"
    " and not only digits"
)


class SenderKind(StrEnum):
    """What kind of sender a text comes from."""

    PHONE_NUMBER = "phone number"
    SHORT_CODE = "short code"
    ALPHANUMERIC = "alphanumeric"


def sender_kind(sender: str) -> SenderKind:
    """The kind of ``sender``; ``ValueError`` naming the rule when it is none of them.

    Phone numbers are E.164 (``+15005550006``); short codes are 3 to 8 digits.
    """
    if _PHONE.fullmatch(sender):
        return SenderKind.PHONE_NUMBER
    if _SHORT_CODE.fullmatch(sender):
        return SenderKind.SHORT_CODE
    if _ALPHANUMERIC.fullmatch(sender) and not sender.replace(" ", "").isdigit():
        if sender.strip() != sender or not sender.strip():
            raise ValueError(f"sender {sender!r}: no leading or trailing spaces")
        return SenderKind.ALPHANUMERIC
    raise ValueError(
        f"sender {sender!r} is not an E.164 number or short code, and {ALPHANUMERIC_RULE}"
    )


def can_receive_replies(sender: str) -> bool:
    """Whether people can text back to ``sender`` (alphanumeric ids cannot take replies)."""
    return sender_kind(sender) is not SenderKind.ALPHANUMERIC
