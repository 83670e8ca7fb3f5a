"""Every CSV file the platform writes goes through `CsvWriter`, so that no cell is a formula.

A spreadsheet reads a cell that starts with `=`, `+`, `-` or `@` as a formula, and
some read a tab or a carriage return before one the same way: an organisation named
`=HYPERLINK("http://…")` would run in the spreadsheet of whoever opens the file (CSV
injection, as OWASP describes it). Such a text cell is written with a leading apostrophe,
which spreadsheets show as text and do not compute. The rest of the row is written as
RFC 4180 says (comma, quotes only where needed, CRLF).

Only text cells are neutralised, not numeric ones: an `int`, `float` or `Decimal`, and a
text that is a plain decimal number (`-12.50`, `+3`), stay numbers, so a negative amount
is still a number in the spreadsheet; a number cannot call anything.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

# OWASP's list, and the full-width forms that some spreadsheets read as the same signs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


class _Writable(Protocol):
    def write(self, text: str, /) -> object: ...


class _Line:
    """A file-like object whose write returns what it was given, so that a row is a line."""

    def write(self, text: str) -> str:
        return text


def neutralise(value: object) -> object:
    """The cell as written to the file: text that a spreadsheet would compute gets an
    apostrophe in front; numbers, and text that is a plain number, are left as they are."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS) or _NUMBER.fullmatch(value):
        return value
    return "'" + value


class CsvWriter:
    """`csv.writer` whose cells cannot be formulas. Without a file, `writerow` returns the
    line, for a streaming response."""

    def __init__(self, file: _Writable | None = None) -> None:
        self._writer = csv.writer(file if file is not None else _Line())

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([neutralise(value) for value in row])
