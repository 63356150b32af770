"""CSV files the app writes (lot recall lists, ...), safe to open in a spreadsheet.

`defusedcsv` escapes a cell that a spreadsheet would run as a formula (starting with = + - @ | %) with a leading
apostrophe, so `=HYPERLINK(...)` typed or imported as a patient's name comes back as text. OWASP also lists a
leading tab and carriage return, which defusedcsv 3.0 leaves alone: those cells get the same apostrophe here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from defusedcsv import csv

LEADING_CONTROL = ("\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(LEADING_CONTROL):
        return "'" + value
    return "" if value is None else value


class CsvWriter:
    """`csv.writer` with every cell escaped."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([_cell(value) for value in row])
