"""Request body limits: a body over its path's limit is answered 413 in the v3 envelope,
before it is read whole.

A ``Content-Length`` over the limit is refused without reading a byte; a body without one
(chunked) is counted as the app reads it, and reading stops at the first chunk past the
limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smsurvey.kit.envelope import PageError, error_response


class BodyTooLarge(HTTPException):
    """A request body over its limit (raised while the app reads it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over the limit of {limit:,} bytes")


def too_large(request: Request, error: BodyTooLarge) -> Response:
    """The 413 answer, in the envelope whatever the path."""
    return error_response(request, 413, str(error.detail), "REQUEST_TOO_LARGE")


class BodyLimit:
    """ASGI middleware: at most ``default`` bytes of body, or the limit of the first of
    ``by_prefix`` (path prefix, limit) the path starts with. A request for which
    ``page_error`` gives a page (an admin form's upload) is refused with that page."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int,
        by_prefix: Sequence[tuple[str, int]] = (),
        page_error: PageError | None = None,
    ) -> None:
        self.app = app
        self.default = default
        self.by_prefix = tuple(by_prefix)
        self.page_error = page_error

    def limit_for(self, path: str) -> int:
        """The body limit of requests to ``path``."""
        found = (limit for prefix, limit in self.by_prefix if path.startswith(prefix))
        return next(found, self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            request, refused = Request(scope), BodyTooLarge(limit)
            page = self.page_error and self.page_error(request, 413, str(refused.detail))
            await (page or too_large(request, refused))(scope, receive, send)
            return
        read = 0

        async def counted() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
