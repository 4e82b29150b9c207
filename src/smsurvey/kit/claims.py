"""Claiming rows for one worker: ``UPDATE … WHERE id IN (<due ids>) RETURNING``.

The due ids are read once, as a materialized CTE (locked ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL): as a plain ``IN (SELECT … LIMIT n)`` subquery PostgreSQL may run the
subquery again for each row it updates, and a claim then takes far more than ``n``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select


def due_ids(query: Select[Any]) -> Select[Any]:
    """The ids ``query`` selects (with its order and limit), for a claim's ``IN``."""
    due = query.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
    return select(due.c[0])
