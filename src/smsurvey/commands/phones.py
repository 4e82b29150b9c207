"""``smsurvey phones …`` commands (placeholder)."""

from __future__ import annotations

import typer

app = typer.Typer(help="phones commands", no_args_is_help=True)
