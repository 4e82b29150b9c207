"""Reading contact CSVs: layout detection and the errors that stop an import."""

from __future__ import annotations

from pathlib import Path

import pytest

from smsurvey.contacts.csv_file import FIELD_LIMIT, ContactCsv, MalformedCsv, swallows_rows


def write(tmp_path: Path, content: str | bytes, name: str = "contacts.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    header = delimiter.join(["First Name", "Last Name", "Email", "Phone", "Store"])
    row = delimiter.join(["Ann", "Lee", "", "1-415-555-2671", "12"])
    path = write(tmp_path, f"{header}\r\n{row}\r\n")
    with ContactCsv(path, "Phone") as csv_file:
        assert csv_file.layout.delimiter == delimiter
        assert list(csv_file.rows()) == [(2, ["Ann", "Lee", "", "1-415-555-2671", "12"])]


def test_header_names_map_to_contact_fields_and_the_rest_is_embedded_data(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "first_name,LASTNAME,E-mail,ExternalDataReference,Language,Time Zone,Mobile,Store,Tier\n",
    )
    with ContactCsv(path, "mobile") as csv_file:
        layout = csv_file.layout
    assert layout.phone_index == 6
    assert layout.field_indexes == {
        "first_name": 0,
        "last_name": 1,
        "email": 2,
        "ext_ref": 3,
        "language": 4,
        "time_zone": 5,
    }
    assert layout.embedded_indexes == ((7, "Store"), (8, "Tier"))


def test_utf8_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbfPhone,Name\n14155552671,Zo\xc3\xab\n")
    with ContactCsv(path, "Phone") as csv_file:
        assert csv_file.layout.header == ("Phone", "Name")
        assert list(csv_file.rows()) == [(2, ["14155552671", "Zoë"])]


def test_quoted_fields_keep_delimiters_and_newlines(tmp_path: Path) -> None:
    path = write(tmp_path, 'Phone,Note\n14155552671,"one, two\nthree"\n447911123456,x\n')
    with ContactCsv(path, "Phone") as csv_file:
        rows = list(csv_file.rows())
    assert rows == [(2, ["14155552671", "one, two\nthree"]), (3, ["447911123456", "x"])]


def test_blank_lines_are_skipped_but_keep_row_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "Phone\n14155552671\n\n447911123456\n")
    with ContactCsv(path, "Phone") as csv_file:
        assert list(csv_file.rows()) == [(2, ["14155552671"]), (4, ["447911123456"])]


def test_unknown_phone_column_lists_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "Name,Mobile\nAnn,1\n")
    with pytest.raises(
        MalformedCsv, match=r"unknown column 'Phone': the columns are 'Name', 'Mobile'"
    ):
        ContactCsv(path, "Phone")


def test_phone_column_matches_case_insensitively(tmp_path: Path) -> None:
    path = write(tmp_path, "Name,Phone Number\n")
    with ContactCsv(path, "phone number") as csv_file:
        assert csv_file.layout.phone_index == 1


def test_wrong_explicit_delimiter_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "Name;Phone\nAnn;14155552671\n")
    with pytest.raises(MalformedCsv, match=r"wrong delimiter.*semicolons.*--delimiter ';'"):
        ContactCsv(path, "Phone", delimiter=",")


def test_rows_that_never_match_the_header_mean_a_malformed_file(tmp_path: Path) -> None:
    rows = "".join(f"Ann;Lee;1415555{i:04d}\n" for i in range(30))
    path = write(tmp_path, "First,Last,Phone\n" + rows)
    with ContactCsv(path, "Phone") as csv_file, pytest.raises(MalformedCsv, match="first 20 rows"):
        list(csv_file.rows())


def test_a_few_bad_rows_are_left_to_the_importer(tmp_path: Path) -> None:
    path = write(tmp_path, "First,Phone\nAnn\nBob,14155552671\nCid\n")
    with ContactCsv(path, "Phone") as csv_file:
        assert [number for number, _ in csv_file.rows()] == [2, 3, 4]


def test_duplicate_header_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "Phone,Store,store\n")
    with pytest.raises(MalformedCsv, match="'store' appears twice"):
        ContactCsv(path, "Phone")


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"Phone,Name\n14155552671,Ann\n14155552672,Zo\xeb\n")
    with (
        ContactCsv(path, "Phone") as csv_file,
        pytest.raises(MalformedCsv, match=r"not UTF-8 \(byte 0xeb on line 3\)"),
    ):
        list(csv_file.rows())


def test_utf16_is_refused_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "Phone,Name\n".encode("utf-16"))
    with pytest.raises(MalformedCsv, match="UTF-16"):
        ContactCsv(path, "Phone")


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(MalformedCsv, match="empty"):
        ContactCsv(write(tmp_path, "\n\n"), "Phone")
    with pytest.raises(MalformedCsv, match="cannot read"):
        ContactCsv(tmp_path / "nope.csv", "Phone")


def test_bytes_read_reaches_the_file_size(tmp_path: Path) -> None:
    path = write(tmp_path, "Phone\n" + "14155552671\n" * 100)
    with ContactCsv(path, "Phone") as csv_file:
        assert len(list(csv_file.rows())) == 100
        assert csv_file.bytes_read == csv_file.size == path.stat().st_size


def test_a_line_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    path = write(tmp_path, "Phone,Notes\n14155552671,ok\n14155552672," + "x" * 12_000_000 + "\n")
    with (
        ContactCsv(path, "Phone") as csv_file,
        pytest.raises(MalformedCsv, match="line 3 is over 1,048,576 bytes long"),
    ):
        list(csv_file.rows())
    assert csv_file.bytes_read < 2 * FIELD_LIMIT, "the long line was not read whole"


def test_binary_data_after_the_header_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, b"Phone,Name\n14155552671,Ann\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with (
        ContactCsv(path, "Phone") as csv_file,
        pytest.raises(MalformedCsv, match="binary data \\(a NUL byte on line 5\\)"),
    ):
        list(csv_file.rows())


def test_a_quote_never_closed_names_the_row_it_opened_in(tmp_path: Path) -> None:
    path = write(tmp_path, 'Phone,Name\n14155552671,Ann\n\n14155552672,"Bob\n14155552673,Cy\n')
    with (
        ContactCsv(path, "Phone") as csv_file,
        pytest.raises(MalformedCsv, match="row 4: the quote opened on line 4 is never closed"),
    ):
        list(csv_file.rows())
    long_open = write(tmp_path, 'Phone,Name\n14155552671,"Ann\n' + "x,y\n" * 300_000, "long.csv")
    with (
        ContactCsv(long_open, "Phone") as csv_file,
        pytest.raises(MalformedCsv, match="row 2: the quote opened on line 2 is still open"),
    ):
        list(csv_file.rows())
    assert csv_file.bytes_read < 2 * FIELD_LIMIT


def test_a_field_that_took_in_rows_is_told_from_one_on_several_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'Phone,Name,Address\n14155552671,Ann,"12 Main St\nSpringfield"\n'
        '14155552672,"Bob,\n14155552673,Cy,x\n14155552674,O"Neil,y\n',
    )
    with ContactCsv(path, "Phone") as csv_file:
        rows = list(csv_file.rows())
        layout = csv_file.layout
    [(_, ann), (_, bob)] = rows
    assert not any(swallows_rows(field, layout) for field in ann)
    assert [swallows_rows(field, layout) for field in bob] == [False, True, False]
