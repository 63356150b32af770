"""Reading another product's CSV: byte-order mark, semicolons, tabs, Windows-1252, quoted line breaks, bad
headers. Pure functions: no database."""

from __future__ import annotations

import codecs

import pytest

from clinic.interop.imports.patient_rows import ALIASES, COLUMNS
from clinic.interop.imports.reading import ImportFileError, decode, read_rows


def rows(data: bytes):
    return read_rows(data, COLUMNS, ALIASES)


def test_utf8_with_a_byte_order_mark_reads_the_first_column_by_its_name():
    data = codecs.BOM_UTF8 + "external_id,name\nA1,Zoë Ångström\n".encode()
    [row] = rows(data)
    assert row.cells == {"external_id": "A1", "name": "Zoë Ångström"}
    assert row.line == 2


def test_semicolons_and_tabs_are_found_as_delimiters():
    [semi] = rows(b"external_id;name;date_of_birth\nA1;Ana Silva;1980-01-02\n")
    [tab] = rows(b"external_id\tname\tdate_of_birth\nA1\tAna Silva\t1980-01-02\n")
    assert semi.cells == tab.cells == {"external_id": "A1", "name": "Ana Silva", "date_of_birth": "1980-01-02"}


def test_a_quoted_comma_in_a_semicolon_file_stays_in_its_cell():
    [row] = rows(b'external_id;name;address\nA1;"Silva, Ana";"1 Rua, Lisboa"\n')
    assert row.cells["name"] == "Silva, Ana" and row.cells["address"] == "1 Rua, Lisboa"


def test_windows_1252_is_decoded_when_the_file_is_not_utf8():
    text = "external_id,name,allergies\nA1,José Müller,Crème – pénicilline\nA2,Chloë Brontë,none\n"
    [first, second] = rows(text.encode("cp1252"))
    assert first.cells["name"] == "José Müller" and first.cells["allergies"] == "Crème – pénicilline"
    assert second.cells["name"] == "Chloë Brontë"


def test_decode_prefers_utf8_and_strips_only_the_bom():
    assert decode("é".encode()) == "é"
    assert decode(codecs.BOM_UTF8 + b"x") == "x"


def test_quoted_line_breaks_stay_in_the_cell_and_lines_count_rows():
    data = b'external_id,name,address\nA1,Ana Silva,"1 Elm Street\nFlat 2\r\nSpringfield"\nA2,Bo Kim,\n'
    first, second = rows(data)
    assert first.cells["address"] == "1 Elm Street\nFlat 2\r\nSpringfield"
    assert (first.line, second.line) == (2, 3)


def test_header_names_are_matched_loosely_and_aliases_apply():
    [row] = rows(b"ID,Full Name,Date of Birth,E-mail,Time zone\nA1,Ana Silva,1980-01-02,a@example.com,UTC\n")
    assert set(row.cells) == {"external_id", "name", "date_of_birth", "email", "timezone"}


def test_an_unknown_column_refuses_the_whole_file():
    with pytest.raises(ImportFileError, match="Unknown column: Favourite colour"):
        rows(b"external_id,name,Favourite colour\nA1,Ana Silva,blue\n")


def test_a_column_named_twice_refuses_the_file():
    with pytest.raises(ImportFileError, match="Column named twice: email"):
        rows(b"external_id,email,E-mail\nA1,a@example.com,b@example.com\n")


def test_an_empty_file_is_refused_and_blank_lines_are_skipped():
    with pytest.raises(ImportFileError, match="empty"):
        rows(b"  \n")
    assert [r.line for r in rows(b"external_id,name\n\nA1,Ana Silva\n,\nA2,Bo Kim\n")] == [3, 5]


def test_a_row_with_more_cells_than_columns_is_marked():
    [row] = rows(b"external_id,name\nA1,Ana,Silva\n")
    assert row.extra_cells


def test_formulas_are_read_as_plain_text():
    [row] = rows(b'external_id,name\nA1,"=HYPERLINK(""http://evil.example"",""x"") Smith"\n')
    assert row.cells["name"] == '=HYPERLINK("http://evil.example","x") Smith'
