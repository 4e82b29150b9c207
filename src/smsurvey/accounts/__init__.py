"""Organisations, users, roles, API tokens and the credits ledger."""
