"""Survey documents in YAML or JSON: loading with errors that say where, and dumping back;
importing a file, which may also be a Qualtrics export (QSF).

YAML is read with YAML 1.2 booleans (only ``true``/``false``), so a choice written ``No`` stays
the text "No".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from smsurvey.kit.errors import InvalidInput
from smsurvey.kit.text import check_document
from smsurvey.surveys.definition import SurveyDefinition
from smsurvey.surveys.qsf_import import QsfImport, is_qsf, read_qsf

MAX_ISSUES_SHOWN = 5
MAX_FILE_BYTES = 20_000_000
"""The largest survey file read (a QSF export of hundreds of questions is a few MB)."""
QSF_SUFFIX = ".qsf"


class DocumentFormat(StrEnum):
    """The file formats a survey is stored in."""

    YAML = "yaml"
    JSON = "json"


_EXTENSIONS = {
    ".yaml": DocumentFormat.YAML,
    ".yml": DocumentFormat.YAML,
    ".json": DocumentFormat.JSON,
}


def format_of(path: Path) -> DocumentFormat:
    """The format of ``path`` by its extension."""
    try:
        return _EXTENSIONS[path.suffix.lower()]
    except KeyError:
        raise InvalidInput(f"{path}: a survey file ends in .yaml, .yml or .json") from None


def load_survey(path: Path) -> SurveyDefinition:
    """The survey in the file at ``path`` (format by extension)."""
    document_format = format_of(path)
    return loads_survey(_read(path), document_format, source=str(path))


def import_file(path: Path) -> QsfImport:
    """The survey in the file at ``path``: a Qualtrics export (``.qsf``, or ``.json``
    holding one), with what it could not keep, or one of our YAML or JSON documents."""
    _import_format(str(path))
    return import_text(_read(path), str(path))


def import_text(text: str, name: str) -> QsfImport:
    """The survey in ``text``, the content of the file ``name`` (its extension tells the
    format), as :func:`import_file` reads it."""
    document_format = _import_format(name)
    data = _decode_checked(text, document_format, name)
    if Path(name).suffix.lower() == QSF_SUFFIX or (
        document_format is DocumentFormat.JSON and is_qsf(data)
    ):
        return read_qsf(data, name)
    check_document(data, name)
    return QsfImport(parse_survey(data, name))


def loads_qsf(text: str, source: str = "qsf") -> QsfImport:
    """The survey in the QSF document ``text``; errors start with ``source``."""
    return read_qsf(_decode_checked(text, DocumentFormat.JSON, source), source)


def _import_format(name: str) -> DocumentFormat:
    """The format of the file ``name`` to import (a ``.qsf`` is JSON)."""
    suffix = Path(name).suffix.lower()
    if suffix == QSF_SUFFIX:
        return DocumentFormat.JSON
    if suffix not in _EXTENSIONS:
        raise InvalidInput(f"{name}: a survey file ends in .qsf, .yaml, .yml or .json")
    return _EXTENSIONS[suffix]


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput(f"{path}: over {MAX_FILE_BYTES:,} bytes, too large for a survey")
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise InvalidInput(f"{path}: cannot be read ({error.strerror})") from None


def loads_survey(
    text: str, document_format: DocumentFormat, source: str = "survey"
) -> SurveyDefinition:
    """The survey in ``text``; errors start with ``source`` (a file name, say)."""
    data = _decode_checked(text, document_format, source)
    check_document(data, source)
    return parse_survey(data, source)


def _decode_checked(text: str, document_format: DocumentFormat, source: str) -> Any:
    try:
        return _decode(text, document_format, source)
    except RecursionError:
        raise InvalidInput(f"{source}: nested too deeply to be a survey") from None


def _decode(text: str, document_format: DocumentFormat, source: str) -> Any:
    if document_format is DocumentFormat.JSON:
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            where = f"{source} line {error.lineno}, column {error.colno}"
            raise InvalidInput(f"{where}: JSON syntax error: {error.msg}") from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{source} line {mark.line + 1}, column {mark.column + 1}" if mark else source
        raise InvalidInput(f"{where}: YAML syntax error: {error.problem}") from None
    except yaml.YAMLError as error:
        raise InvalidInput(f"{source}: YAML error: {error}") from None


def parse_survey(data: Any, source: str = "survey") -> SurveyDefinition:
    """The survey ``data`` (decoded JSON or YAML) describes, or :class:`InvalidInput` naming
    the field path of each problem."""
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{source}: a survey is a mapping (name, blocks, flow, …)")
    try:
        return SurveyDefinition.model_validate(data)
    except ValidationError as error:
        issues = [_describe(issue, data) for issue in error.errors()]
        if len(issues) > MAX_ISSUES_SHOWN:
            issues[MAX_ISSUES_SHOWN:] = [f"and {len(issues) - MAX_ISSUES_SHOWN} more"]
        raise InvalidInput(f"{source}: {'; '.join(issues)}") from None


def dumps_survey(survey: SurveyDefinition, document_format: DocumentFormat) -> str:
    """``survey`` as a document, fields left at their defaults omitted."""
    data = survey.to_document()
    if document_format is DocumentFormat.JSON:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _describe(issue: ErrorDetails, data: Any) -> str:
    error = issue.get("ctx", {}).get("error")
    if issue["type"] == "value_error" and error:
        message = str(error)
    else:  # the model keeps lists as tuples; documents have lists
        message = issue["msg"].replace("Tuple", "List").replace("valid tuple", "valid list")
    path = _path(issue["loc"], data)
    return f"{path}: {message}" if path else message


def _path(loc: tuple[int | str, ...], data: Any) -> str:
    """``loc`` as ``blocks[0].elements[2].text``, following ``data`` to leave out the union
    tags pydantic puts in locations (a str that is not a key of the mapping at that point)."""
    path, node = "", data
    for position, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part}]"
            node = node[part] if isinstance(node, Sequence) and part < len(node) else None
        elif isinstance(node, Mapping) and part not in node and position < len(loc) - 1:
            continue  # a union tag
        else:
            path += f".{part}" if path else part
            node = node.get(part) if isinstance(node, Mapping) else None
    return path


class _Loader(yaml.SafeLoader):
    """A safe loader whose only booleans are ``true`` and ``false`` (YAML 1.2), without
    aliases (``*name``: a few lines of them can stand for billions of nodes)."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not supported", self.peek_event().start_mark
            )
        return super().compose_node(parent, index)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _Dumper(yaml.SafeDumper):
    """A safe dumper that indents lists under their key and writes multi-line texts as
    literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
