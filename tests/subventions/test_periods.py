"""Reporting periods and due dates (subventions.periods): examples, then properties."""

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subventions.models import Periodicity
from subventions.periods import STEP_MONTHS, Period, periods


def dues(first_due: date, periodicity: str, grant_end: date) -> list[date]:
    return [period.due for period in periods(first_due, periodicity, grant_end)]


def test_monthly_from_january_31_falls_on_february_28_then_back_on_march_31() -> None:
    assert dues(date(2026, 1, 31), "monthly", date(2026, 5, 31)) == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31),
    ]  # fmt: skip


def test_in_a_leap_year_february_ends_on_the_29th() -> None:
    assert dues(date(2028, 1, 31), "monthly", date(2028, 3, 31))[1] == date(2028, 2, 29)


def test_monthly_periods_run_from_the_day_after_the_previous_due_date() -> None:
    first, second = periods(date(2026, 1, 31), "monthly", date(2026, 2, 28))
    assert first == Period(start=date(2026, 1, 1), end=date(2026, 1, 31), due=date(2026, 1, 31))
    assert second == Period(start=date(2026, 2, 1), end=date(2026, 2, 28), due=date(2026, 2, 28))


def test_quarterly_periods_are_the_four_quarters_of_the_year() -> None:
    result = periods(date(2026, 3, 31), "quarterly", date(2026, 12, 31))
    assert [(p.start, p.due) for p in result] == [
        (date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)), (date(2026, 10, 1), date(2026, 12, 31)),
    ]  # fmt: skip


def test_half_yearly_from_august_31_falls_on_february_28() -> None:
    assert dues(date(2026, 8, 31), "half_yearly", date(2027, 8, 31)) == [
        date(2026, 8, 31), date(2027, 2, 28), date(2027, 8, 31),
    ]  # fmt: skip


def test_yearly_from_february_29_comes_back_to_the_29th_in_leap_years() -> None:
    assert dues(date(2028, 2, 29), "yearly", date(2032, 2, 29)) == [
        date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28), date(2031, 2, 28), date(2032, 2, 29),
    ]  # fmt: skip


def test_the_last_period_covers_the_end_of_the_grant_and_is_due_after_it() -> None:
    last = periods(date(2026, 4, 15), "quarterly", date(2026, 12, 31))[-1]
    assert last == Period(start=date(2026, 10, 16), end=date(2027, 1, 15), due=date(2027, 1, 15))


def test_a_grant_ending_on_a_due_date_has_no_period_after_it() -> None:
    assert dues(date(2026, 12, 31), "yearly", date(2027, 12, 31)) == [date(2026, 12, 31), date(2027, 12, 31)]


def test_a_due_date_on_the_30th_stays_on_the_30th_even_in_months_of_31_days() -> None:
    assert dues(date(2026, 6, 30), "half_yearly", date(2026, 12, 31))[1] == date(2026, 12, 30)


def test_an_unknown_periodicity_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown periodicity"):
        periods(date(2026, 3, 31), "weekly", date(2026, 12, 31))


def test_a_first_due_date_after_the_end_of_the_grant_is_refused() -> None:
    with pytest.raises(ValueError, match="after the end"):
        periods(date(2027, 3, 31), "quarterly", date(2026, 12, 31))


def test_the_periodicities_offered_are_those_the_rules_know() -> None:
    assert set(Periodicity.values) == set(STEP_MONTHS)


# --- Properties ------------------------------------------------------------------------

first_dues = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
periodicities = st.sampled_from(sorted(STEP_MONTHS))
lengths = st.integers(min_value=0, max_value=3 * 366)


def month_index(day: date) -> int:
    return day.year * 12 + day.month


def month_length(day: date) -> int:
    return ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day


@given(first_dues, periodicities, lengths)
def test_due_dates_increase_and_periods_follow_each_other_without_gap(first_due, periodicity, length) -> None:
    result = periods(first_due, periodicity, first_due + timedelta(days=length))
    assert all(p.start <= p.end == p.due for p in result)
    assert all(b.start == a.end + timedelta(days=1) for a, b in itertools.pairwise(result))


@given(first_dues, periodicities, lengths)
def test_every_due_date_keeps_the_first_due_dates_day_or_the_last_day_of_a_shorter_month(
    first_due, periodicity, length
) -> None:
    result = periods(first_due, periodicity, first_due + timedelta(days=length))
    assert all(p.due.day == min(first_due.day, month_length(p.due)) for p in result)


@given(first_dues, periodicities, lengths)
def test_due_dates_are_whole_steps_from_the_first_due_date_not_from_the_previous_one(
    first_due, periodicity, length
) -> None:
    result = periods(first_due, periodicity, first_due + timedelta(days=length))
    steps = [(month_index(p.due) - month_index(first_due)) / STEP_MONTHS[periodicity] for p in result]
    assert result[0].due == first_due
    assert steps == list(range(len(result)))


@given(first_dues, periodicities, lengths)
def test_the_periods_cover_the_grant_up_to_its_end_and_no_further(first_due, periodicity, length) -> None:
    grant_end = first_due + timedelta(days=length)
    last = periods(first_due, periodicity, grant_end)[-1]
    assert last.start <= grant_end <= last.end
