"""The dated table of docs/performance.md that `make bench` feeds (bench/figures.py)."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from bench import figures

DAY = date(2026, 12, 7)


@pytest.fixture
def document(tmp_path) -> Path:
    copy = tmp_path / "performance.md"
    shutil.copy(figures.DOCUMENT, copy)
    return copy


def table(document: Path) -> list[list[str]]:
    lines = document.read_text(encoding="utf-8").splitlines()
    start = lines.index(figures.HEADER) + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(figures.cells(line))
    return rows


def test_a_run_adds_its_figures_dated_and_keeps_the_rows_written_by_hand(document) -> None:
    before = table(document)

    figures.record(
        "bench/showcase.py", [("showcase bench: list, page 1", "warm 900 req/s")], day=DAY, document=document
    )

    assert table(document) == [
        *before,
        ["2026-12-07", "showcase bench: list, page 1", "warm 900 req/s", "bench/showcase.py"],
    ]


def test_a_second_run_the_same_day_replaces_its_figures(document) -> None:
    figures.record(
        "bench/load.py",
        [("load test | every request", "10 req/s"), ("other", "1")],
        day=DAY,
        document=document,
    )
    figures.record("bench/load.py", [("load test | every request", "12 req/s")], day=DAY, document=document)

    rows = [row for row in table(document) if row[0] == "2026-12-07"]
    assert rows == [
        ["2026-12-07", "load test | every request", "12 req/s", "bench/load.py"],
        ["2026-12-07", "other", "1", "bench/load.py"],
    ]


def test_a_run_another_day_adds_rows_in_date_order(document) -> None:
    figures.record("bench/reminders.py", [("reminders bench: one job", "2 s")], day=DAY, document=document)
    figures.record(
        "bench/reminders.py", [("reminders bench: one job", "3 s")], day=date(2026, 12, 1), document=document
    )

    dates = [row[0] for row in table(document)]
    assert dates == sorted(dates)
    assert [row[2] for row in table(document) if row[1] == "reminders bench: one job"] == ["3 s", "2 s"]
