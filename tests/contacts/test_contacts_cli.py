"""``smsurvey contacts …`` against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smsurvey.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def test_import_prints_a_summary_and_writes_an_error_report(cli_env: str, tmp_path: Path) -> None:
    source = write(
        tmp_path / "people.csv",
        "First Name,Email,Phone\nAnn,,1(415)-555-2671\nBob,bob@,447911123456\nCid,,12\n",
    )
    result = invoke(
        "contacts", "import", str(source), "--list", "Spring", "--phone-column", "Phone"
    )

    assert result.exit_code == 0, result.output
    assert "Contacts created" in result.output
    assert "Rows skipped" in result.output
    report = tmp_path / "people.errors.csv"
    assert "2 problems" in result.output
    assert str(report.name) in result.output
    with report.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["row"], r["column"], r["value"], r["action"]) for r in rows] == [
        ("3", "Email", "bob@", "value ignored"),
        ("4", "Phone", "12", "row skipped"),
    ]

    lists = invoke("contacts", "lists")
    assert "Spring" in lists.output
    assert " 2 " in lists.output
    list_id = next(word for word in lists.output.split() if word.startswith("CG_"))
    members = invoke("contacts", "members", list_id)
    assert "+14155552671" in members.output
    assert "+447911123456" in members.output


def test_malformed_file_is_one_red_line_and_exit_2(cli_env: str, tmp_path: Path) -> None:
    bad = write(tmp_path / "latin1.csv", b"Phone,Name\n14155552671,Zo\xeb\n")
    result = invoke("contacts", "import", str(bad), "--list", "X", "--phone-column", "Phone")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: latin1.csv is not UTF-8 (byte 0xeb on line 2): save it as 'CSV UTF-8'"
    ]
    assert not (tmp_path / "latin1.errors.csv").exists()
    assert "X" not in invoke("contacts", "lists").output

    wrong = write(tmp_path / "semi.csv", "Name;Phone\nAnn;14155552671\n")
    result = invoke(
        "contacts",
        "import",
        str(wrong),
        "--list",
        "X",
        "--phone-column",
        "Phone",
        "--delimiter",
        ",",
    )
    assert result.exit_code == 2
    assert "wrong delimiter" in result.output

    unknown = write(tmp_path / "ok.csv", "Name,Mobile\nAnn,14155552671\n")
    result = invoke("contacts", "import", str(unknown), "--list", "X", "--phone-column", "Phone")
    assert result.exit_code == 2
    assert "unknown column 'Phone'" in result.output


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (
            "Phone,Notes\n14155552671," + "x" * 12_000_000 + "\n",
            "error: big.csv line 2 is over 1,048,576 bytes long, more than a contact holds",
        ),
        (
            b"Phone,Name\n14155552671,Ann\n" + bytes(range(256)) * 8,
            "error: big.csv holds binary data (a NUL byte on line 3): it is not a CSV text file",
        ),
        (
            'Phone,Name\n14155552671,"Ann\n14155552672,Bob\n',
            "error: big.csv row 2: the quote opened on line 2 is never closed, so it takes in"
            " every row after it; close it",
        ),
        (
            "Phone,Name\n12,Ann\n13,Bob\n",
            "error: no contact imported from big.csv: all 2 rows had problems: see ",
        ),
        ("Phone,Name\n", "error: no contact imported from big.csv: it has no data rows"),
    ],
)
def test_a_file_that_cannot_be_imported_leaves_nothing(
    cli_env: str, tmp_path: Path, content: str | bytes, error: str
) -> None:
    source = write(tmp_path / "big.csv", content)
    result = runner.invoke(
        app, ["contacts", "import", str(source), "--list", "Spring", "--phone-column", "Phone"]
    )
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(error), line
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Spring" not in invoke("contacts", "lists").output
    assert (tmp_path / "big.errors.csv").exists() == ("see " in error)


def test_a_quote_that_took_in_rows_is_reported_with_its_row(cli_env: str, tmp_path: Path) -> None:
    source = write(
        tmp_path / "people.csv",
        'Phone,Name\n14155552671,"Ann\n14155552672,Bob\n14155552673,O"Neil\n14155552674,Di\n',
    )
    result = invoke("contacts", "import", str(source), "--list", "L", "--phone-column", "Phone")
    assert result.exit_code == 0, result.output
    with (tmp_path / "people.errors.csv").open(encoding="utf-8") as handle:
        [problem] = list(csv.DictReader(handle))
    assert (problem["row"], problem["column"], problem["value"]) == ("2", "Name", "Ann")
    assert "unclosed quote" in problem["problem"]
    assert problem["action"].startswith("row skipped")
    list_id = next(w for w in invoke("contacts", "lists").output.split() if w.startswith("CG_"))
    members = invoke("contacts", "members", list_id).output
    assert "+14155552674" in members
    assert "+14155552671" not in members


def test_tab_delimiter_can_be_given_as_an_escape(cli_env: str, tmp_path: Path) -> None:
    source = write(tmp_path / "tabs.tsv", "Name\tPhone\nAnn\t14155552671\n")
    result = invoke(
        "contacts",
        "import",
        str(source),
        "--list",
        "T",
        "--phone-column",
        "Phone",
        "--delimiter",
        r"\t",
    )
    assert result.exit_code == 0, result.output


def test_show_and_opt_out(cli_env: str, tmp_path: Path) -> None:
    source = write(tmp_path / "one.csv", "First Name,Phone,Store\nAnn,14155552671,12\n")
    invoke("contacts", "import", str(source), "--list", "L", "--phone-column", "Phone")
    list_id = next(w for w in invoke("contacts", "lists").output.split() if w.startswith("CG_"))
    contact_id = next(
        w for w in invoke("contacts", "members", list_id).output.split() if w.startswith("CID_")
    )

    assert (
        "opted out of SMS" in invoke("contacts", "opt-out", contact_id, "--reason", "asked").output
    )
    assert "already" in invoke("contacts", "opt-out", contact_id).output
    shown = invoke("contacts", "show", contact_id).output
    assert "Store" in shown
    assert "12" in shown
    assert "opted out via cli asked" in shown
    assert "opted back into SMS" in invoke("contacts", "opt-in", contact_id).output

    missing = invoke("contacts", "show", "CID_000000000000000")
    assert missing.exit_code == 2
    assert "no contact CID_000000000000000" in missing.output
