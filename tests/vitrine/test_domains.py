"""The domains of the référentiel an organisation meets, for the showcase filter."""

from referentiel import services
from solidaire.models import DomainMet, Organisation, record_domains_met
from tests.factory import make_user
from tests.referentiel.factory import make_referentiel
from tests.vitrine.conftest import GOOD_ANSWERS as GOOD
from tests.vitrine.conftest import complete_assessment as complete
from vitrine.filters import select_organisations
from vitrine.search import refresh_domains_met

# Governance met, environment not (few local purchases, a wide pay gap).
GOVERNANCE_ONLY = {**GOOD, "env-1": 5, "env-2": 20}


def met(organisation: Organisation) -> set[str]:
    return set(DomainMet.objects.filter(organisation=organisation).values_list("code", flat=True))


def test_recording_the_domains_met_replaces_the_previous_ones(repair_cafe) -> None:
    record_domains_met(repair_cafe.pk, ["gouvernance", "environnement"])
    record_domains_met(repair_cafe.pk, ["environnement", "utilite", "utilite"])

    assert met(repair_cafe) == {"environnement", "utilite"}


def test_the_domains_met_come_from_the_latest_completed_assessment(repair_cafe) -> None:
    make_referentiel()
    complete(repair_cafe, GOOD)
    complete(repair_cafe, GOVERNANCE_ONLY)
    services.start_assessment(repair_cafe, by=make_user())  # a new draft changes nothing

    refresh_domains_met([repair_cafe.pk])

    assert met(repair_cafe) == {"gouvernance"}


def test_an_organisation_without_completed_assessment_meets_no_domain(repair_cafe) -> None:
    record_domains_met(repair_cafe.pk, ["gouvernance"])

    refresh_domains_met()

    assert met(repair_cafe) == set()


def test_the_filter_finds_the_organisations_whose_latest_assessment_meets_the_domains(showcase) -> None:
    repair_cafe, epicerie, _cinema = showcase
    make_referentiel()
    complete(repair_cafe, GOOD)
    complete(epicerie, GOVERNANCE_ONLY)
    refresh_domains_met()

    governance = [o.name for o in select_organisations({"domaine": ["gouvernance"]})]
    both = [o.name for o in select_organisations({"domaine": ["gouvernance", "environnement"]})]

    assert governance == ["Épicerie solidaire de Brest", "Repair Café de Rennes"]
    assert both == ["Repair Café de Rennes"]
