"""``smsurvey surveys …`` commands (placeholder)."""

from __future__ import annotations

import typer

app = typer.Typer(help="surveys commands", no_args_is_help=True)
