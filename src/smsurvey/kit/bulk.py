"""Fast bulk inserts: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Values go through each column type's own bind processor, so what is stored is
exactly what the ORM would store; only the per-row statement machinery is
skipped. The rows join the connection's open transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import JSON, TypeEngine

Processor = Callable[[Any], Any]


def _processor(column_type: TypeEngine[Any], dialect: Dialect) -> tuple[Processor | None, bool]:
    """The value converter of a column type, and whether repeated values may share a result."""
    impl = column_type.dialect_impl(dialect)
    if isinstance(impl, JSON):
        # What both dialects' JSON processors produce, at a third of their cost.
        return json.dumps, False
    return impl.bind_processor(dialect), True


def _apply(processor: Processor, values: list[Any], shareable: bool) -> list[Any]:
    first = values[0]
    if shareable and values.count(first) == len(values):  # one timestamp for a whole import
        return [None if first is None else processor(first)] * len(values)
    return [None if v is None else processor(v) for v in values]


def _convert(
    rows: Sequence[Sequence[Any]], processors: list[tuple[Processor | None, bool]]
) -> list[tuple[Any, ...]]:
    """Convert column by column; a column holding one value throughout converts it once."""
    columns: list[list[Any]] = []
    for index, (processor, shareable) in enumerate(processors):
        values = [row[index] for row in rows]
        if processor is not None:
            values = _apply(processor, values, shareable)
        columns.append(values)
    return list(zip(*columns, strict=True))


def driver_value(connection: AsyncConnection, table: Table, column: str, value: Any) -> Any:
    """``value`` as the driver takes it for ``table.column`` (for :func:`insert_records`)."""
    processor, _ = _processor(table.c[column].type, connection.dialect)
    return value if value is None or processor is None else processor(value)


async def insert_rows(
    connection: AsyncConnection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples of Python values in the order of ``columns``) into ``table``."""
    if rows:
        processors = [_processor(table.c[name].type, connection.dialect) for name in columns]
        await insert_records(connection, table, columns, _convert(rows, processors))


async def insert_records(
    connection: AsyncConnection,
    table: Table,
    columns: Sequence[str],
    records: Sequence[Sequence[Any]],
) -> None:
    """Insert ``records`` whose values are already as the driver takes them.

    See :func:`driver_value`; JSON columns take their JSON text on both dialects.
    """
    if not records:
        return
    if connection.dialect.name == "postgresql":
        # COPY goes straight to the driver, which joins the open transaction only once
        # SQLAlchemy has begun it, i.e. after a first statement.
        await connection.execute(text("SELECT 1"))
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None  # only a closed or invalidated connection has none
        await driver.copy_records_to_table(table.name, records=records, columns=list(columns))
        return
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None  # only a closed or invalidated connection has none
    names = ", ".join(f'"{name}"' for name in columns)
    placeholders = ", ".join("?" * len(columns))
    await driver.executemany(
        f'INSERT INTO "{table.name}" ({names}) VALUES ({placeholders})', records
    )
