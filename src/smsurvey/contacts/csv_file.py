"""Reading a contact CSV: encoding, delimiter and header checks, then a stream of rows.

Everything that makes the whole file unusable (not UTF-8, a wrong delimiter, an
unknown phone column, a duplicated header) raises :class:`MalformedCsv`; problems
of single rows are left to the importer's per-row report.
"""

from __future__ import annotations

import codecs
import csv
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

csv.field_size_limit(1 << 20)


class MalformedCsv(InvalidInput):
    """The file cannot be imported at all."""


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


def _layout(header: list[str], delimiter: str, phone_column: str) -> CsvLayout:
    names = [name.strip() for name in header]
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name and name.lower() in seen:
            raise MalformedCsv(f"the column {name!r} appears twice in the header")
        seen[name.lower()] = index
    phone_index = seen.get(phone_column.strip().lower())
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
    """An open contact CSV: its :class:`CsvLayout`, its size, and its data rows as a stream."""

    def __init__(self, path: Path, phone_column: str, delimiter: str | None = None) -> None:
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
        for line in self._lines():
            if line.strip():
                return line.removeprefix("\ufeff")
        raise MalformedCsv(f"{self.path.name} is empty: it needs a header row")

    def _lines(self) -> Iterator[str]:
        for raw in self._file:
            self._line_number += 1
            self.bytes_read += len(raw)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                bad = raw[error.start : error.start + 1].hex()
                raise MalformedCsv(
                    f"{self.path.name} is not UTF-8 (byte 0x{bad} on line {self._line_number}):"
                    " save it as 'CSV UTF-8'"
                ) from None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Data rows as ``(row number, fields)``; the header is row 1, blank lines are skipped.

        A row with a different number of fields than the header is still yielded
        (the importer reports it), unless the file's first rows are all like that.
        """
        width = len(self.layout.header)
        reader = csv.reader(self._lines(), delimiter=self.layout.delimiter)
        leading_bad = 0
        checking = True
        for row_number, fields in enumerate(reader, start=2):
            if not fields:
                continue
            if checking:
                if len(fields) < width or (len(fields) > width and any(fields[width:])):
                    leading_bad += 1
                    if leading_bad == _BAD_LEADING_ROWS:
                        raise MalformedCsv(
                            f"the first {_BAD_LEADING_ROWS} rows do not have the header's {width}"
                            f" fields (row {row_number} has {len(fields)}): wrong delimiter?"
                        )
                else:
                    checking = False
            yield row_number, fields
