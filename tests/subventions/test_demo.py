"""The subsidies part of the demo: real indicators, grants with reports in every state, idempotent."""

import io

import pytest

from solidaire.models import AuditEntry
from subventions import demo, services
from subventions.models import EquityStake, Grant, Indicator, Instalment, Programme, Report, ReportState


def counts() -> dict[str, int]:
    models = (Indicator, Programme, Grant, Instalment, Report, EquityStake, AuditEntry)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def loaded(listed, nadia) -> str:
    out = io.StringIO()
    demo.populate(out)
    return out.getvalue()


def test_the_demo_has_a_catalogue_of_real_indicators(loaded) -> None:
    assert Indicator.objects.count() >= 10
    assert Indicator.objects.filter(name="Appareils réparés", cumulative=True).exists()


def test_the_demo_grants_under_the_circular_economy_programme(loaded, listed) -> None:
    grant = Grant.objects.get(programme__name="Économie circulaire")
    assert (grant.organisation, grant.status, grant.instalments.count()) == (listed, Grant.Status.AWARDED, 2)


def test_the_demo_has_reports_in_every_state(loaded) -> None:
    assert set(Report.objects.with_state().values_list("current_state", flat=True)) == set(ReportState.values)


def test_in_the_demo_a_late_report_blocks_the_second_instalment(loaded) -> None:
    second = Instalment.objects.filter(grant__programme__slug="economie-circulaire").last()
    assert services.instalment_blockers(second)


def test_running_the_demo_twice_changes_nothing(loaded) -> None:
    before = counts()
    out = io.StringIO()
    demo.populate(out)
    assert counts() == before
    assert "subventions : 0 créées" in out.getvalue()
