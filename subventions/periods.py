"""Reporting periods of a grant indicator (DESIGN §7). Pure: no Django, no database.

``periods(first_due, periodicity, grant_end) -> list[Period]``, by these rules (the
reference the tests check):

1. Due dates are ``first_due`` moved by whole steps of the periodicity (1, 3, 6 or 12
   months), always counted from ``first_due`` itself, never from the previous due date:
   the n-th due date falls on ``first_due``'s day of the month, or on the last day of a
   month too short for it. Monthly from 31 January: 28 (or 29) February, 31 March,
   30 April, 31 May… A due date on the 28th stays on the 28th.
2. A report covers the period that ends on its due date: a period starts the day after
   the previous due date (for the first one, the day after the due date one step before
   ``first_due``). Periods follow each other without gap or overlap.
3. Periods go on while they start on or before ``grant_end``, so that together they
   cover the whole grant; the last due date may fall after the grant's end (the final
   report).
4. An unknown periodicity, or a first due date after the grant's end, raises ValueError.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

# Months per step, by periodicity code (the values of subventions.models.Periodicity).
STEP_MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    due: date


def shift_months(anchor: date, months: int) -> date:
    """`anchor` moved by `months` (may be negative), on the anchor's day or the month's last day."""
    year, month_index = divmod(anchor.month - 1 + months, 12)
    year += anchor.year
    month = month_index + 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def periods(first_due: date, periodicity: str, grant_end: date) -> list[Period]:
    if periodicity not in STEP_MONTHS:
        raise ValueError(f"Unknown periodicity {periodicity!r} (expected one of {', '.join(STEP_MONTHS)})")
    if first_due > grant_end:
        raise ValueError(f"The first due date {first_due} falls after the end of the grant {grant_end}")
    step = STEP_MONTHS[periodicity]
    result: list[Period] = []
    start = shift_months(first_due, -step) + ONE_DAY
    n = 0
    while start <= grant_end:
        due = shift_months(first_due, n * step)
        result.append(Period(start=start, end=due, due=due))
        start = due + ONE_DAY
        n += 1
    return result
