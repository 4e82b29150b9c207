"""Distributions: creating, scheduling and planning them; access codes."""
