"""Reading an uploaded CSV file as a spreadsheet wrote it: UTF-8 (with or without Excel's byte order mark) or, failing
that, Windows-1252 (what Excel on Windows writes as "CSV"); commas, semicolons (spreadsheets in much of Europe) or
tabs between cells. A file that cannot be read is refused with a message, never half-read."""

import csv
import io
from dataclasses import dataclass

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 60_000  # the largest clinic in the benchmark group has 50,000 patients


class Unreadable(ValueError):
    pass


@dataclass
class Table:
    text: str  # the file, decoded
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (its row in a spreadsheet, its cells: as many as the headers)
    encoding: str
    delimiter: str


def decode(data: bytes) -> tuple[str, str]:
    if b"\x00" in data:
        raise Unreadable("The file holds NUL characters: it is not a CSV file (is it a spreadsheet's own format?).")
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict"), "Windows-1252"


def read(data: bytes) -> Table:
    if len(data) > MAX_BYTES:
        raise Unreadable(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it and import each part.")
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError:
        raise Unreadable("The file's characters are neither UTF-8 nor Windows-1252: save it as CSV UTF-8.") from None
    if not text.strip():
        raise Unreadable("The file is empty.")
    try:
        delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as e:
        raise Unreadable(f"The file is not valid CSV: {e}.") from None
    headers = [h.strip() for h in records[0]]
    # Numbered as a spreadsheet shows them (the header is row 1); empty rows are skipped, not renumbered.
    found = [(i + 1, r) for i, r in enumerate(records) if i > 0 and any(c.strip() for c in r)]
    if not found:
        raise Unreadable("The file has a header row and no rows under it.")
    if len(found) > MAX_ROWS:
        raise Unreadable(f"The file has more than {MAX_ROWS:,} rows: split it and import each part.")
    if any(not h for h in headers) or len(set(headers)) != len(headers):
        raise Unreadable("Every column needs a header of its own in the first row (one is empty or repeated).")
    rows = []
    for number, row in found:
        if len(row) > len(headers) and any(c.strip() for c in row[len(headers) :]):
            raise Unreadable(f"Row {number} has more cells than the header row: check its quotes and separators.")
        rows.append((number, [c.strip() for c in (row + [""] * len(headers))[: len(headers)]]))
    return Table(text, headers, rows, encoding, delimiter)
