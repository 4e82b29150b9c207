"""Short, signed, unguessable tokens for links sent by SMS (survey links, opt-out links).

A token carries one number (a recipient or message id) and an HMAC-SHA256 signature,
truncated to 96 bits, bound to a purpose so a token minted for one kind of link is
refused by another. Base64url keeps it to about 20 characters: links count against
SMS parts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_BYTES = 12


class InvalidToken(ValueError):
    """A token that was not minted here for this purpose (or was altered)."""


def _signature(purpose: str, body: bytes, key: bytes) -> bytes:
    return hmac.new(key, purpose.encode() + b"\0" + body, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def mint(purpose: str, number: int, key: bytes) -> str:
    """A token for ``number`` (≥ 0) usable only for ``purpose``."""
    if number < 0:
        raise ValueError("tokens carry numbers of 0 or more")
    body = number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")
    raw = _signature(purpose, body, key) + body
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def read(purpose: str, token: str, key: bytes) -> int:
    """The number in ``token``; :class:`InvalidToken` unless it was minted for ``purpose``."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        raise InvalidToken("not a token") from None
    signature, body = raw[:SIGNATURE_BYTES], raw[SIGNATURE_BYTES:]
    if not body or not hmac.compare_digest(signature, _signature(purpose, body, key)):
        raise InvalidToken("not a valid token")
    return int.from_bytes(body, "big")
