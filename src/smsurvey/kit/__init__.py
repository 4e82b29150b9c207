"""Shared plumbing: database sessions, ids, clock, errors."""
