"""The browser tests' fixture: ``served`` (``tests/web/live.py``)."""

from tests.web.live import served

__all__ = ["served"]
