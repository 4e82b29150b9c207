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
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"

_PLACEHOLDER = r"(?-i:%(?:\([^)]*\))?[-+ #0-9.]*[sdrifxXeEgGc%])"
"""A ``%s`` of a log message's template: left for its argument (redacted in its turn)."""


def _patterns(guard: str) -> tuple[re.Pattern[str], ...]:
    value = rf"{guard}[^&;\s'\",}}]+"
    return (
        re.compile(
            r"(?i)((?:^|[?&;\s\"'{,])[\w.-]*(?:token|secret|password|passwd|signature|api[_-]?key)"
            rf"[\w.-]*=){value}"
        ),
        re.compile(
            r"(?i)((?:x-api-token|authorization|proxy-authorization|cookie)['\"]?\s*[:=]\s*['\"]?"
            rf"(?:(?:bearer|basic)\s+)?){value}"
        ),
        re.compile(rf"((?:^|[\s\"'(]|//[^/\s\"']+)/[so]/){guard}[\w-]+"),
    )


_TEXT = _patterns("")
_TEMPLATE = _patterns(f"(?!{_PLACEHOLDER})")
_STANDARD = frozenset(vars(logging.makeLogRecord({})))


def redact(text: str, *, template: bool = False) -> str:
    """``text`` with every credential it shows replaced by ``[redacted]`` (in a message
    ``template``, its placeholders stay)."""
    for pattern in _TEMPLATE if template else _TEXT:
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return text


_SECRET_NAME = re.compile(
    r"(?i)token|secret|password|passwd|signature|api[_-]?key|authorization|cookie"
)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):  # headers or parameters given as an extra
        return {
            key: REDACTED if _SECRET_NAME.search(str(key)) else _clean(item)
            for key, item in value.items()
        }
    return value


class RedactSecrets(logging.Filter):
    """Redacts credentials from a record's message, arguments, extras (an extra named like a
    credential, or a mapping's entry so named, is redacted whole) and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg, template=bool(record.args))
        if isinstance(record.args, dict):
            record.args = {key: _clean(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_clean(value) for value in record.args)
        if record.args:
            # A credential split between the message and an argument ("X-API-TOKEN: %s"):
            # the record is written already formatted.
            try:
                shown = record.getMessage()
            except (TypeError, ValueError):
                shown = ""
            if redact(shown) != shown:
                record.msg, record.args = redact(shown), ()
        for key, value in list(vars(record).items()):
            if key not in _STANDARD:
                setattr(record, key, REDACTED if _SECRET_NAME.search(key) else _clean(value))
        # A traceback shows what its exceptions said (a URL with a link's token, say): it is
        # formatted here, once, as a handler would, and redacted.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def redact_logs(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of ``logger`` (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(existing, RedactSecrets) for existing in handler.filters):
            handler.addFilter(RedactSecrets())


def set_up_logging(level: str) -> None:
    """A process's logging: records at ``level`` and above to stderr, credentials redacted."""
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s %(message)s")
    redact_logs()


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up, with the filter on its handlers (access log included)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": RedactSecrets}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    return config
