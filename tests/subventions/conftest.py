from datetime import timedelta

import pytest
from django.utils import timezone

from solidaire.models import Organisation
from subventions.models import Grant, Indicator, Programme, Report
from tests.referentiel.factory import make_referentiel
from tests.subventions.factory import assess, awarded_grant, make_indicator, make_programme


@pytest.fixture
def referentiel(db):
    return make_referentiel()


@pytest.fixture
def listed(org_a, alice, referentiel) -> Organisation:
    """Organisation A (Alice's SCIC), listed, with a completed assessment scoring 93.75 %."""
    assess(org_a, alice)
    Organisation.objects.filter(pk=org_a.pk).update(status=Organisation.Status.LISTED)
    org_a.refresh_from_db()
    return org_a


@pytest.fixture
def repaired(db) -> Indicator:
    return make_indicator()


@pytest.fixture
def circular(repaired) -> Programme:
    return make_programme(indicators=[repaired])


@pytest.fixture
def grant(listed, circular, repaired, nadia) -> Grant:
    """Awarded; its first quarterly report is due in ten days."""
    first_due = timezone.localdate() + timedelta(days=10)
    return awarded_grant(listed, circular, nadia, indicator=repaired, first_due=first_due)


@pytest.fixture
def report(grant) -> Report:
    return Report.objects.filter(grant_indicator__grant=grant).order_by("due_date").first()
