"""Data of the showcase tests: listed organisations in two régions, with offers."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from referentiel import services
from referentiel.models import Assessment, Criterion
from solidaire.lib.documents import check_document
from solidaire.models import Departement, LegalForm, Offer, OfferCategory, Organisation, Region, Sector
from tests.factory import make_commune, make_offer, make_organisation, make_user
from tests.referentiel.factory import pdf_bytes

# Answers to the test référentiel (tests/referentiel/factory.py) that meet both domains.
GOOD_ANSWERS = {"gouv-1": True, "gouv-2": 4, "gouv-3": "Une AG par an.", "env-1": 60, "env-2": 4}

LISTED = Organisation.Status.LISTED


def make_listed(name: str, *, since: date = date(2025, 3, 1), **extra) -> Organisation:
    """A listed organisation, as the assembly's decision leaves it."""
    return make_organisation(
        name, status=LISTED, listed_since=since, listed_until=since.replace(year=since.year + 3), **extra
    )


def add_offer(organisation: Organisation, name: str, category: str = "reparation", **extra) -> Offer:
    return make_offer(organisation, name, category=OfferCategory.objects.get(code=category), **extra)


def complete_assessment(organisation: Organisation, answers: dict = GOOD_ANSWERS) -> Assessment:
    """A completed self-assessment of `organisation` against the current référentiel."""
    member = make_user()
    assessment = services.start_assessment(organisation, by=member)
    for domain in services.domains_of(assessment):
        values = {c.code: (answers[c.code], "") for c in domain.criteria.all()}
        services.save_answers(assessment, domain, values, by=member)
    criterion = Criterion.objects.get(domain__referentiel=assessment.referentiel, code="gouv-1")
    document = check_document(SimpleUploadedFile("statuts.pdf", pdf_bytes()))
    services.add_evidence(assessment, criterion, document, member)
    return services.complete_assessment(assessment, by=member)


@pytest.fixture
def rennes(db):
    return make_commune("35238", "Rennes", "35000")


@pytest.fixture
def brest(db):
    return make_commune("29019", "Brest", "29200", latitude=48.39, longitude=-4.49)


@pytest.fixture
def lyon(db):
    """A commune of another région."""
    region = Region.objects.create(code="84", name="Auvergne-Rhône-Alpes")
    Departement.objects.create(code="69", name="Rhône", region=region)
    return make_commune("69123", "Lyon", "69001", latitude=45.76, longitude=4.83)


@pytest.fixture
def repair_cafe(rennes):
    """Listed, in Rennes (Ille-et-Vilaine), circular economy, SCIC; repairs in its name."""
    organisation = make_listed(
        "Repair Café de Rennes",
        commune=rennes,
        description="Un lieu convivial où les habitants apprennent à faire durer leurs objets.",
        contact_email="contact@repair.example",
        contact_phone="02 99 00 00 00",
    )
    add_offer(organisation, "Ateliers du samedi", description="Venez avec vos appareils en panne.")
    return organisation


@pytest.fixture
def epicerie(brest):
    """Listed, in Brest (Finistère), food, association; repairs only in an offer."""
    organisation = make_listed(
        "Épicerie solidaire de Brest",
        commune=brest,
        sector=Sector.objects.get(code="alimentation"),
        legal_form=LegalForm.objects.get(code="association"),
        description="Une épicerie à prix solidaires pour les habitants du quartier.",
        since=date(2024, 6, 1),
    )
    add_offer(
        organisation,
        "Réparation de vélos",
        "transport",
        description="Un atelier pour remettre les vélos en état.",
    )
    return organisation


@pytest.fixture
def cinema(lyon):
    """Listed, in Lyon (another région), culture; mentions repairs in its description only."""
    organisation = make_listed(
        "Cinéma des Canuts",
        commune=lyon,
        sector=Sector.objects.get(code="culture"),
        legal_form=LegalForm.objects.get(code="association"),
        description="Projections, débats, et la réparation des vieux projecteurs par les bénévoles.",
        since=date(2025, 9, 1),
    )
    add_offer(organisation, "Séances en plein air", "culture", description="L'été, au parc.")
    return organisation


@pytest.fixture
def showcase(repair_cafe, epicerie, cinema) -> list[Organisation]:
    return [repair_cafe, epicerie, cinema]


@pytest.fixture
def hidden(rennes):
    """One organisation in every state that the showcase must not show."""
    hidden = []
    for status in Organisation.Status:
        if status == LISTED:
            continue
        organisation = make_organisation(f"Réparation cachée {status}", status=status, commune=rennes)
        add_offer(organisation, f"Réparation {status}")
        hidden.append(organisation)
    return hidden
