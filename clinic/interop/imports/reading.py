"""From an uploaded file to rows: the encoding, the delimiter and the header, whatever exported it.

- Encoding: UTF-8 (with or without a byte-order mark); otherwise charset-normalizer's best guess, preferring
  Windows-1252 (what spreadsheet programs on Windows write) among equally good guesses and when it has none.
- Delimiter: `,`, `;` or a tab, found by `csv.Sniffer` (semicolons are what spreadsheets write where the
  decimal separator is a comma); quoted cells may hold the delimiter and line breaks.
- Header: names are matched without case, spaces or dashes ("E-mail", "Date of birth"); an unknown or
  repeated column refuses the whole file before any row is read.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import charset_normalizer

MAX_ROWS = 50_000
SNIFF_BYTES = 16 * 1024
DELIMITERS = ",;\t"


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (encoding, header, size); the message says why."""


@dataclass
class SourceRow:
    """One data row: its line in a spreadsheet (the header is line 1) and its cells by column name."""

    line: int
    cells: dict[str, str]
    extra_cells: bool = False


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (BOM or not), else charset-normalizer's guess, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        return data.decode("cp1252", errors="replace")
    # Short files fit several single-byte code pages equally well; among equals, Windows-1252 is the likeliest.
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    if any("cp1252" in m.could_be_from_charset for m in tied):
        return data.decode("cp1252", errors="replace")
    return str(best).lstrip("\ufeff")


def column_key(name: str) -> str:
    """ "E-mail " -> "email", "Date of birth" -> "date_of_birth": how header names are compared."""
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return key.replace("e_mail", "email")


def _delimiter(text: str) -> str:
    sample = text[:SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        return max(DELIMITERS, key=header.count)


def read_rows(data: bytes, columns: Iterable[str], aliases: dict[str, str] | None = None) -> list[SourceRow]:
    """The file's data rows, keyed by the canonical column names in `columns`.

    Raises ImportFileError for an empty file, a header naming an unknown or repeated column, or more than
    MAX_ROWS rows. Blank lines are skipped; cells are stripped.
    """
    text = decode(data)
    if not text.strip():
        raise ImportFileError("The file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = _header(next(reader), set(columns), aliases or {})
    return list(_rows(reader, header))


def _header(raw: list[str], columns: set[str], aliases: dict[str, str]) -> list[str]:
    names = [aliases.get(column_key(name), column_key(name)) for name in raw]
    unknown = [raw[i].strip() for i, name in enumerate(names) if name not in columns]
    if unknown:
        raise ImportFileError(
            f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            f"The columns are: {', '.join(sorted(columns))}."
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ImportFileError(f"Column named twice: {', '.join(repeated)}.")
    return names


def _rows(reader: Iterator[list[str]], header: list[str]) -> Iterator[SourceRow]:
    for index, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if index - 1 > MAX_ROWS:
            raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows; split it into smaller files.")
        cells = {name: value.strip() for name, value in zip(header, raw, strict=False)}
        yield SourceRow(line=index, cells=cells, extra_cells=len(raw) > len(header))
