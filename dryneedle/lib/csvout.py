"""CSV that a spreadsheet opens as data, never as formulas (OWASP "CSV injection").

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is a formula to Excel, LibreOffice and Sheets; text that anyone typed (a token
name, a reason, a username) reaches the audit export. Such text cells get a
leading apostrophe, which spreadsheets show as text. Numbers stay numbers.
"""

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class Writer:
    """``csv.writer`` with every cell passed through ``cell``: the one way the pages write CSV."""

    def __init__(self, out):
        self._w = csv.writer(out)

    def writerow(self, values):
        return self._w.writerow([cell(v) for v in values])


class _Line:
    def write(self, value):
        return value


def lines(rows: Iterable[Iterable], bom: bool = False) -> Iterator[str]:
    """Each row as one line of CSV, for a download streamed a row at a time. ``bom``: a UTF-8 byte order mark
    first, without which Excel reads the file in the computer's legacy code page and mangles accented names."""
    w = csv.writer(_Line())
    if bom:
        yield "\ufeff"
    for row in rows:
        yield w.writerow([cell(v) for v in row])
