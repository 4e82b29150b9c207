"""``smsurvey segments``: encoding, parts and smart-encoding savings of a text (placeholder)."""

from __future__ import annotations


def segments() -> None:
    """Count the SMS parts of a text (being written)."""
    raise NotImplementedError
