"""What the respondent-facing pages share: templates, static files and the page response.

Pages refer to each other and to ``/static`` with relative URLs, so they work behind a proxy
that serves smsurvey under a path; only links sent out (and ``og:image``) use ``public_url``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

STATIC_DIR = Path(__file__).parent / "static"
"""Served at ``/static``."""

templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)

PAGE_HEADERS = {
    # Survey texts are escaped, and the pages need no frame, remote resource or inline
    # script (a slider's page loads the one static script, which the survey works without).
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
        " form-action 'self';"
        " base-uri 'none'; frame-ancestors 'none'"
    ),
    # The URL holds a personal token: keep it out of Referer headers and caches.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """``template`` rendered with ``context``, with the headers every personal page carries."""
    return templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=PAGE_HEADERS
    )
