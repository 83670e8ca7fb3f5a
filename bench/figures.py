"""The dated table of docs/performance.md, which every benchmark of `make bench` feeds.

A benchmark gives its headline figures as rows (what it measured, the figure); `record`
writes them with the date of the run, in place of the rows that the same benchmark wrote
the same day for the same measure: running a benchmark twice a day keeps the last
figures, running it another day adds rows. Rows written by hand (the figures behind the
choices the code explains) stay as they are."""

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
HEADER = "| date | measured | figure | source |"
# A cell ends at a "|" that no backslash escapes.
SEPARATOR = re.compile(r"(?<!\\)\|")


def record(
    source: str, rows: Iterable[tuple[str, str]], *, day: date | None = None, document: Path = DOCUMENT
) -> None:
    """Writes `rows` (measured, figure) of the benchmark `source` (its path, e.g.
    bench/showcase.py) in the table, dated `day` (today by default)."""
    when = (day or date.today()).isoformat()
    new = {(when, measured, source): _line((when, measured, figure, source)) for measured, figure in rows}
    lines = document.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2  # the header, then its line of dashes
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    # A row written again takes the place of the old one; the others go at the end.
    table = [new.pop(_key(cells(line)), line) for line in lines[start:end]]
    # By date, oldest first; sorted() is stable, so the rows of one date keep their order.
    table = sorted([*table, *new.values()], key=lambda line: cells(line)[0])
    document.write_text("\n".join([*lines[:start], *table, *lines[end:]]) + "\n", encoding="utf-8")


def cells(line: str) -> list[str]:
    """The cells of a row of the table, their escaped "|" restored."""
    return [cell.strip().replace(r"\|", "|") for cell in SEPARATOR.split(line.strip())[1:-1]]


def _key(row: list[str]) -> tuple[str, str, str]:
    when, measured, _figure, source = row
    return when, measured, source


def _line(row: tuple[str, str, str, str]) -> str:
    return "| " + " | ".join(cell.replace("|", r"\|") for cell in row) + " |"
