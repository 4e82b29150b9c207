"""Headers of file downloads."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote


def attachment(filename: str) -> dict[str, str]:
    """The ``Content-Disposition`` of a download saved as ``filename``.

    HTTP headers are Latin-1, so a name that is not plain ASCII is sent twice (RFC 6266,
    with RFC 5987's encoding): ``filename="Cafe survey.csv"`` for old clients and
    ``filename*=UTF-8''Caf%C3%A9%20survey.csv``, which current ones prefer.
    """
    name = "".join("_" if unicodedata.category(char) == "Cc" else char for char in filename)
    fallback = "".join(_ascii(char) for char in unicodedata.normalize("NFKD", name))
    header = f'attachment; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return {"Content-Disposition": header}


def _ascii(char: str) -> str:
    if unicodedata.combining(char):
        return ""  # the accent of a letter NFKD split in two
    return char if char.isascii() and char not in '"\\' else "_"
