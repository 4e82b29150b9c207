"""Typer sub-commands, one module per feature; ``smsurvey.cli`` assembles them."""
