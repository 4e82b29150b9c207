"""Logs that never carry a credential: a filter on every handler a process writes through.

It rewrites what a record would print: query parameters whose name says token, secret,
password, signature or key (``?token=…``, ``access_token=…``); the values of the
``X-API-TOKEN``, ``Authorization`` and ``Cookie`` headers; and the token of a personal
survey or opt-out link (``/s/…``, ``/o/…``), which lets whoever holds it answer as the
respondent. uvicorn's access log goes through it too (:func:`uvicorn_log_config`).
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

REDACTED = "[redacted]"

_QUERY = re.compile(
    r"(?i)((?:^|[?&;\s\"'{,])[\w.-]*(?:token|secret|password|passwd|signature|api[_-]?key)"
    r"[\w.-]*=)[^&;\s\"']+"
)
_HEADER = re.compile(
    r"(?i)((?:x-api-token|authorization|proxy-authorization|cookie)['\"]?\s*[:=]\s*['\"]?"
    r"(?:(?:bearer|basic)\s+)?)[^\s'\",;&}]+"
)
_LINK = re.compile(r"((?:^|[\s\"'(]|//[^/\s\"']+)/[so]/)[A-Za-z0-9_-]+")
_STANDARD = frozenset(vars(logging.makeLogRecord({})))


def redact(text: str) -> str:
    """``text`` with every credential it shows replaced by ``[redacted]``."""
    for pattern in (_QUERY, _HEADER, _LINK):
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return text


def _clean(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    """Redacts credentials from a record's message, arguments and string extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _clean(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _clean(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_clean(value) for value in record.args)
        for key, value in vars(record).items():
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


def redact_logs(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of ``logger`` (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(existing, RedactSecrets) for existing in handler.filters):
            handler.addFilter(RedactSecrets())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up, with the filter on its handlers (access log included)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": RedactSecrets}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    return config
