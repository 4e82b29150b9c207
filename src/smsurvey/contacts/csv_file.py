"""Reading a contact CSV: encoding, delimiter and header checks, then a stream of rows.

Everything that makes the whole file unusable (not UTF-8, binary data, a wrong
delimiter, an unknown phone column, a duplicated header, a quote never closed, a field
over :data:`FIELD_LIMIT`) raises :class:`MalformedCsv` naming the row; problems of single
rows are left to the importer's per-row report.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

from smsurvey.contacts.fields import field_for_header
from smsurvey.kit.errors import InvalidInput

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# When this many leading rows all have the wrong number of fields, the file is
# malformed rather than a few of its rows.
_BAD_LEADING_ROWS = 20

FIELD_LIMIT = 1 << 20
"""Longest field in characters, and longest line or quoted stretch in bytes."""
csv.field_size_limit(FIELD_LIMIT)


class MalformedCsv(InvalidInput):
    """The file cannot be imported at all."""


Row = tuple[int, list[str]]
"""A data row: its number in the file (the header is row 1) and its fields."""


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """Where each contact field is in the file."""

    delimiter: str
    header: tuple[str, ...]
    phone_index: int
    field_indexes: dict[str, int]
    embedded_indexes: tuple[tuple[int, str], ...]
    unnamed_indexes: tuple[int, ...]


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _choose_delimiter(header_line: str, requested: str | None) -> str:
    widths = {d: len(_split(header_line, d)) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: widths[d])
    if requested is None:
        return best
    if widths.get(requested, len(_split(header_line, requested))) == 1 and widths[best] > 1:
        raise MalformedCsv(
            f"wrong delimiter: the header has no {DELIMITER_NAMES.get(requested, repr(requested))}"
            f" but splits on {DELIMITER_NAMES[best]}s (try --delimiter {best!r})"
        )
    return requested


def _layout(header: list[str], delimiter: str, phone_column: str | None) -> CsvLayout:
    names = [name.strip() for name in header]
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name and name.lower() in seen:
            raise MalformedCsv(f"the column {name!r} appears twice in the header")
        seen[name.lower()] = index
    phone_index = 0 if phone_column is None else seen.get(phone_column.strip().lower())
    if phone_index is None:
        listed = ", ".join(repr(n) for n in names if n) or "none"
        raise MalformedCsv(f"unknown column {phone_column!r}: the columns are {listed}")
    fields: dict[str, int] = {}
    embedded: list[tuple[int, str]] = []
    unnamed: list[int] = []
    for index, name in enumerate(names):
        if index == phone_index:
            continue
        if not name:
            unnamed.append(index)
            continue
        field = field_for_header(name)
        if field is None or field in fields:
            embedded.append((index, name))
        else:
            fields[field] = index
    return CsvLayout(
        delimiter=delimiter,
        header=tuple(names),
        phone_index=phone_index,
        field_indexes=fields,
        embedded_indexes=tuple(embedded),
        unnamed_indexes=tuple(unnamed),
    )


class ContactCsv:
    """An open contact CSV: its :class:`CsvLayout`, its size, and its data rows as a stream.

    Without a ``phone_column`` the first column stands for it (to look at a file before
    the phone column is chosen).
    """

    def __init__(self, path: Path, phone_column: str | None, delimiter: str | None = None) -> None:
        self.path = path
        try:
            self.size = path.stat().st_size
            self._file: BinaryIO = path.open("rb")
        except OSError as error:
            raise MalformedCsv(f"cannot read {path}: {error.strerror}") from None
        self.bytes_read = 0
        self._line_number = 0
        try:
            header_line = self._first_line()
            delimiter = _choose_delimiter(header_line, delimiter)
            self.layout = _layout(_split(header_line, delimiter), delimiter, phone_column)
        except csv.Error as error:
            self._file.close()
            raise MalformedCsv(f"{path.name}: the header row is not CSV: {error}") from None
        except BaseException:
            self._file.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._file.close()

    def _first_line(self) -> str:
        start = self._file.read(4)
        self._file.seek(0)
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise MalformedCsv(f"{self.path.name} is UTF-16, not UTF-8: save it as 'CSV UTF-8'")
        for raw in self._lines():
            self._line_number += 1
            self.bytes_read += len(raw)
            _check_line(raw, self.path.name, self._line_number)
            line = _decode(raw, self.path.name, self._line_number)
            if line.strip():
                return line.removeprefix("\ufeff")
        raise MalformedCsv(f"{self.path.name} is empty: it needs a header row")

    def blocks(self, rows: int) -> Iterator[Block]:
        """The data as blocks of up to ``rows`` whole records, still undecoded.

        Cutting only between records needs no parsing: a line ends a record when the
        quotes seen so far are balanced (CSV escapes a quote by doubling it). A quote still
        open at the end of the file, or open for more than :data:`FIELD_LIMIT` bytes, is
        :class:`MalformedCsv` naming the row where it opened.
        """
        lines: list[bytes] = []
        first_row, first_line = 2, self._line_number + 1
        records = 0
        quoted: _Quote | None = None
        for raw in self._lines():
            self.bytes_read += len(raw)
            _check_line(raw, self.path.name, first_line + len(lines))
            lines.append(raw)
            if raw.count(b'"') % 2:
                opened = _Quote(first_row + records, first_line + len(lines) - 1)
                quoted = opened if quoted is None else None
            if quoted is not None:
                quoted.length += len(raw)
                if quoted.length > FIELD_LIMIT:
                    raise MalformedCsv(
                        f"{self.path.name} row {quoted.row}: the quote opened on line"
                        f" {quoted.line} is still open {FIELD_LIMIT:,} bytes later; close it"
                    )
                continue
            records += 1
            if records == rows:
                yield Block(first_row, first_line, b"".join(lines))
                first_row += records
                first_line += len(lines)
                lines, records = [], 0
        if quoted is not None:
            raise MalformedCsv(
                f"{self.path.name} row {quoted.row}: the quote opened on line {quoted.line} is"
                " never closed, so it takes in every row after it; close it"
            )
        if lines:
            yield Block(first_row, first_line, b"".join(lines))

    def _lines(self) -> Iterator[bytes]:
        # Never more than one byte past the limit in memory, however long a line runs.
        while raw := self._file.readline(FIELD_LIMIT + 1):
            yield raw

    def rows(self) -> Iterator[Row]:
        """All data rows, parsed (see :func:`parse_block`)."""
        for block in self.blocks(1000):
            yield from parse_block(block, self.layout, self.path.name)


@dataclass(frozen=True, slots=True)
class CsvPreview:
    """A file's first rows, to choose its phone column from."""

    delimiter: str
    header: tuple[str, ...]
    rows: list[list[str]]


def preview(path: Path, rows: int = 5) -> CsvPreview:
    """The header and first ``rows`` data rows of the CSV at ``path``, checked as an import
    checks them (:class:`MalformedCsv` for a file that cannot be imported at all)."""
    with ContactCsv(path, None) as csv_file:
        layout = csv_file.layout
        first = next(csv_file.blocks(rows), None)
        parsed = parse_block(first, layout, path.name) if first else []
    return CsvPreview(layout.delimiter, layout.header, [fields for _, fields in parsed])


@dataclass(slots=True)
class _Quote:
    """Where a quoted field opened, and how many bytes it holds so far."""

    row: int
    line: int
    length: int = 0


@dataclass(frozen=True, slots=True)
class Block:
    """Whole records of the file, as read: where they start and their bytes."""

    first_row: int
    """Row number of the first record (the header is row 1)."""
    first_line: int
    """Line number in the file where the block starts."""
    data: bytes


def _check_line(raw: bytes, name: str, line: int) -> None:
    if b"\x00" in raw:
        raise MalformedCsv(
            f"{name} holds binary data (a NUL byte on line {line}): it is not a CSV text file"
        )
    if len(raw) > FIELD_LIMIT:
        raise MalformedCsv(
            f"{name} line {line} is over {FIELD_LIMIT:,} bytes long, more than a contact holds"
        )


def _decode(raw: bytes, name: str, first_line: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = first_line + raw.count(b"\n", 0, error.start)
        bad = raw[error.start : error.start + 1].hex()
        raise MalformedCsv(
            f"{name} is not UTF-8 (byte 0x{bad} on line {line}): save it as 'CSV UTF-8'"
        ) from None


def parse_block(block: Block, layout: CsvLayout, name: str) -> list[Row]:
    """The rows of a block as ``(row number, fields)``; blank lines are skipped.

    A row with a different number of fields than the header is kept (the importer
    reports it), unless the file's first rows are all like that: then the file is
    malformed (a wrong delimiter, most likely).
    """
    text = _decode(block.data, name, block.first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter)
    rows: list[Row] = []
    number = block.first_row
    try:
        for fields in reader:
            if fields:
                rows.append((number, fields))
            number += 1
    except csv.Error as error:
        line = block.first_line + reader.line_num - 1
        raise MalformedCsv(f"{name} row {number} (line {line}) is not CSV: {error}") from None
    if block.first_row == 2:
        _check_leading_rows(rows, len(layout.header))
    return rows


def _check_leading_rows(rows: list[Row], width: int) -> None:
    leading = rows[:_BAD_LEADING_ROWS]
    if len(leading) == _BAD_LEADING_ROWS and all(not fits(fields, width) for _, fields in leading):
        number, fields = leading[-1]
        raise MalformedCsv(
            f"the first {_BAD_LEADING_ROWS} rows do not have the header's {width}"
            f" fields (row {number} has {len(fields)}): wrong delimiter?"
        )


def swallows_rows(field: str, layout: CsvLayout) -> bool:
    """Whether a field runs over lines that split like whole rows of the file: the mark
    of a quote left open that took in the rows after it."""
    if "\n" not in field:
        return False
    width = len(layout.header)
    return any(len(_split(line, layout.delimiter)) >= width for line in field.split("\n")[1:])


def fits(fields: list[str], width: int) -> bool:
    """Whether a row has the header's fields (empty extra fields are tolerated)."""
    return len(fields) == width or (
        len(fields) > width and not any(field.strip() for field in fields[width:])
    )
