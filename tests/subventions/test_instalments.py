"""An instalment is blocked while a report it depends on is late, and says why."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from subventions import services
from subventions.models import Grant, Instalment, Report
from tests.subventions.factory import awarded_grant

TODAY = timezone.localdate()
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]  # fmt: skip


@pytest.fixture
def late_grant(listed, circular, repaired, nadia) -> Grant:
    """The first quarterly report was due ten days ago; the second instalment comes after it."""
    first_due = TODAY - timedelta(days=10)
    instalments = [
        (first_due - timedelta(days=60), Decimal(12_000)),
        (first_due + timedelta(days=30), Decimal(12_000)),
    ]
    return awarded_grant(
        listed, circular, nadia, indicator=repaired, first_due=first_due, instalments=instalments
    )


def instalments(grant: Grant) -> tuple[Instalment, Instalment]:
    first, second = grant.instalments.all()
    return first, second


def late_report(grant: Grant) -> Report:
    return Report.objects.filter(grant_indicator__grant=grant).late().get()


def test_an_instalment_after_a_late_report_is_blocked_and_says_why(late_grant) -> None:
    _first, second = instalments(late_grant)
    due = late_report(late_grant).due_date
    day = f"{due.day} {MONTHS[due.month - 1]} {due.year}"
    assert services.instalment_blockers(second) == [
        f"Le rapport « Appareils réparés » attendu le {day} est en retard."
    ]


def test_an_instalment_planned_before_the_late_report_is_not_blocked(late_grant) -> None:
    first, _second = instalments(late_grant)
    assert services.instalment_blockers(first) == []


def test_the_instalment_is_free_again_once_the_report_is_submitted(late_grant, alice) -> None:
    services.submit_report(late_report(late_grant), value=Decimal(280), comment="", evidence=None, by=alice)
    _first, second = instalments(late_grant)
    assert services.instalment_blockers(second) == []


def test_a_blocked_instalment_cannot_be_paid(late_grant, nadia) -> None:
    _first, second = instalments(late_grant)
    with pytest.raises(ValidationError) as error:
        services.pay_instalment(second, by=nadia)
    assert error.value.messages == services.instalment_blockers(second)
    assert Instalment.objects.get(pk=second.pk).paid_on is None


def test_an_instalment_that_nothing_blocks_is_paid(late_grant, nadia) -> None:
    first, _second = instalments(late_grant)
    services.pay_instalment(first, by=nadia)
    assert Instalment.objects.get(pk=first.pk).paid_on == TODAY
