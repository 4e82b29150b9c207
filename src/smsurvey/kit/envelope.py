"""The Qualtrics v3 envelope around every ``/API/v3`` answer, and its errors.

Success: ``{"result": …, "meta": {"httpStatus": "200 - OK", "requestId": "…"}}``; an answer
with nothing to return carries ``meta`` only. Errors: ``meta.error`` with ``errorMessage``
and ``errorCode``, with the status code in ``httpStatus`` spelt exactly as clients compare
it. Paths are normalised first: clients send trailing and doubled slashes.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from smsurvey.kit.errors import SmsurveyError

log = logging.getLogger(__name__)
T = TypeVar("T")

API_PREFIX = "/API/v3"
HTTP_STATUS = {
    200: "200 - OK",
    400: "400 - Bad Request",
    401: "401 - Unauthorized",
    403: "403 - Forbidden",
    404: "404 - Not Found",
    405: "405 - Method Not Allowed",
    409: "409 - Conflict",
    413: "413 - Request Entity Too Large",
    415: "415 - Unsupported Media Type",
    422: "422 - Unprocessable Entity",
    429: "429 - Too Many Requests",
    500: "500 - Internal Server Error",
    503: "503 - Temporary Internal Server Error",
    504: "504 - Gateway Timeout",
}
_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 415: "BAD_REQUEST"}


class ApiError(BaseModel):
    """What went wrong."""

    errorMessage: str
    errorCode: str
    instanceId: str | None = None


class Meta(BaseModel):
    """Every answer's ``meta``."""

    httpStatus: str = Field(examples=["200 - OK"])
    requestId: str = Field(examples=["1c6f8a8e-4c3b-4b8e-9d0e-3b3f3b0b6c11"])


class ErrorMeta(Meta):
    """An error's ``meta``."""

    httpStatus: str = Field(examples=["404 - Not Found"])
    error: ApiError


class ErrorEnvelope(BaseModel):
    """Every error answer."""

    meta: ErrorMeta


class Envelope(BaseModel, Generic[T]):
    """A successful answer."""

    result: T
    meta: Meta


class MetaOnly(BaseModel):
    """A successful answer with nothing to return (a delete, an update)."""

    meta: Meta


class Created(BaseModel):
    """The id of what was made."""

    id: str


class Page(BaseModel, Generic[T]):
    """One page of a list; ``nextPage`` is the URL of the next one, on this server."""

    elements: list[T]
    nextPage: str | None = None


def request_id(request: Request) -> str:
    """The id of this request (made on first use)."""
    found: str | None = getattr(request.state, "request_id", None)
    if found is None:
        found = str(uuid.uuid4())
        request.state.request_id = found
    return found


def envelope(request: Request, result: T) -> Envelope[T]:
    """``result`` wrapped for a 200 answer."""
    return Envelope(
        result=result, meta=Meta(httpStatus=HTTP_STATUS[200], requestId=request_id(request))
    )


def meta_only(request: Request) -> MetaOnly:
    """A 200 answer with nothing to return."""
    return MetaOnly(meta=Meta(httpStatus=HTTP_STATUS[200], requestId=request_id(request)))


def error_response(request: Request, status: int, message: str, code: str) -> JSONResponse:
    """An error in the v3 envelope."""
    error = ApiError(errorMessage=message, errorCode=code)
    if status >= 500:
        error.instanceId = request_id(request)
    meta = ErrorMeta(
        httpStatus=HTTP_STATUS.get(status, f"{status} - Error"),
        requestId=request_id(request),
        error=error,
    )
    return JSONResponse({"meta": meta.model_dump(exclude_none=True)}, status_code=status)


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _message(item: dict[str, Any]) -> str:
    """A validation problem's message; a validator's own words without pydantic's prefix."""
    raised = item.get("ctx", {}).get("error")
    if item.get("type") == "value_error" and raised is not None:
        return str(raised)
    return str(item.get("msg", "invalid"))


def _is_api(request: Request) -> bool:
    return request.url.path.startswith((API_PREFIX, "/oauth2/"))


class NormalisePaths:
    """ASGI middleware: ``/API/v3//surveys/SV_x/`` is served as ``/API/v3/surveys/SV_x``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith(("/API/", "//API/")):
                cleaned = re.sub(r"/{2,}", "/", path).rstrip("/") or "/"
                if cleaned != path:
                    scope = {**scope, "path": cleaned, "raw_path": cleaned.encode()}
        await self.app(scope, receive, send)


_ERRORS_DOCUMENTED = {
    "400": "A field or parameter is invalid (the message names it).",
    "401": "No valid X-API-TOKEN or bearer token (errorCode AUTH_6.0).",
    "403": "The user lacks the role or permission the call needs.",
    "404": "An id that the caller's organisation does not have.",
    "409": "The request clashes with the current state.",
}


def _document_errors(app: FastAPI) -> None:
    """Document the envelope's errors on every API operation (400, not FastAPI's 422)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        documented = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(documented.pop("$defs", {}))
        components["ErrorEnvelope"] = documented
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
        for path, operations in schema.get("paths", {}).items():
            if not path.startswith((API_PREFIX, "/oauth2/")):
                continue
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                for code, description in _ERRORS_DOCUMENTED.items():
                    responses.setdefault(code, {"description": description, "content": error})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


PageError = Callable[[Request, int, str], Response | None]
"""An error page for a request that is not an API call, or none to answer in JSON."""


def _no_page(_request: Request, _status: int, _message: str) -> Response | None:
    return None


def install(app: FastAPI, page_error: PageError = _no_page) -> None:
    """Answer API errors in the envelope: domain errors as their 4xx, validation as 400
    naming the field, unknown routes as 404, anything else as a logged 500. A request for
    which ``page_error`` gives a page (the admin's) gets that page instead."""
    app.add_middleware(NormalisePaths)
    _document_errors(app)

    def answer(request: Request, status: int, message: str, code: str) -> Response:
        page = page_error(request, status, message)
        return page if page is not None else error_response(request, status, message, code)

    @app.exception_handler(SmsurveyError)
    async def domain_error(request: Request, error: SmsurveyError) -> Response:
        return answer(request, error.http_status, str(error), error.code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        problems = [
            f"{_field(tuple(item.get('loc', ())))}: {_message(item)}" for item in error.errors()
        ]
        return answer(request, 400, "; ".join(problems) or "invalid request", "BAD_REQUEST")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        page = page_error(request, error.status_code, str(error.detail))
        if page is not None:
            return page
        if not _is_api(request):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code)
        message = str(error.detail)
        if error.status_code == 404 and message == "Not Found":
            message = f"API call does not exist: {request.method} {request.url.path}"
        elif error.status_code == 405 and message == "Method Not Allowed":
            message = f"API call does not take {request.method}: {request.url.path}"
        code = _CODES.get(error.status_code, "ERROR")
        return error_response(request, error.status_code, message, code)

    @app.exception_handler(Exception)
    async def crash(request: Request, error: Exception) -> Response:
        log.exception("unhandled error", extra={"request_id": request_id(request)})
        return answer(request, 500, "internal error: see the server log", "INTERNAL")
