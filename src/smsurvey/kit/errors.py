"""Errors a user can cause. The API maps them to 4xx, the CLI to a red line and exit 2."""

from __future__ import annotations


class SmsurveyError(Exception):
    """A problem with what the user asked for; ``str(error)`` is the message to show."""

    http_status = 400
    code = "BAD_REQUEST"


class InvalidInput(SmsurveyError):
    """Input that does not follow the rules (a bad file, a bad field value)."""


class NotFound(SmsurveyError):
    """An id that does not exist in the caller's organisation."""

    http_status = 404
    code = "NOT_FOUND"


class Conflict(SmsurveyError):
    """The request clashes with the current state (a duplicate name, say)."""

    http_status = 409
    code = "CONFLICT"


class Unauthorized(SmsurveyError):
    """No valid credentials; ``code`` ``AUTH_6.0`` tells API clients to get a new token."""

    http_status = 401
    code = "AUTH_6.0"


class Forbidden(SmsurveyError):
    """Valid credentials without the right (a role or permission) for the call."""

    http_status = 403
    code = "FORBIDDEN"


class NotSupported(SmsurveyError):
    """A Qualtrics call smsurvey knowingly does not serve; the message says what to use."""

    code = "NOT_SUPPORTED"
