"""Qualtrics-style identifiers: a prefix such as ``SV_`` plus 15 random alphanumerics."""

from __future__ import annotations

import os
import re
import string

ID_LENGTH = 15
_ALPHABET = (string.ascii_letters + string.digits).encode()
# Map every byte to one of 64 symbols by its low 6 bits; the two symbols past the
# 62 alphanumerics are deleted, so the accepted bytes stay uniformly distributed.
_TABLE = bytes(_ALPHABET[b & 63] if (b & 63) < 62 else 0 for b in range(256))
_REJECT = bytes(b for b in range(256) if (b & 63) >= 62)

PREFIXES = frozenset(
    {
        "SV",
        "POOL",
        "CID",
        "CG",
        "CGC",
        "CTR",
        "BT",
        "SMSD",
        "EMD",
        "R",
        "MS",
        "SUB",
        "OC",
        "UR",
        "OR",
    }
)


def _random_chars(count: int) -> str:
    out = b""
    while len(out) < count:
        out += os.urandom(count + count // 8 + 8).translate(_TABLE, _REJECT)
    return out[:count].decode()


def new_id(prefix: str) -> str:
    """A fresh id such as ``SV_3gbwq8aJgqPwQDP``."""
    return f"{prefix}_{_random_chars(ID_LENGTH)}"


def new_ids(prefix: str, count: int) -> list[str]:
    """``count`` fresh ids with one call to the random source (for bulk imports)."""
    chars = _random_chars(ID_LENGTH * count)
    return [f"{prefix}_{chars[i : i + ID_LENGTH]}" for i in range(0, ID_LENGTH * count, ID_LENGTH)]


def is_id(value: str, prefix: str) -> bool:
    """Whether ``value`` has the shape of an id with ``prefix``."""
    return re.fullmatch(rf"{re.escape(prefix)}_[A-Za-z0-9]{{{ID_LENGTH}}}", value) is not None
