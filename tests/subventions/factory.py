"""Plain helpers that build subsidies data for tests."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from referentiel import services as referentiel_services
from referentiel.models import Assessment, Criterion
from solidaire.lib.documents import check_document
from solidaire.models import Organisation, User
from subventions import services
from subventions.models import CriterionRule, Grant, Indicator, Periodicity, Programme
from tests.referentiel.factory import pdf_bytes

# Answers to the test référentiel (tests/referentiel/factory.py): overall score 93.75 %.
GOOD_ANSWERS = {
    "gouv-1": (True, ""),
    "gouv-2": (3, ""),
    "gouv-3": ("Une assemblée générale par an.", ""),
    "env-1": (60, ""),
    "env-2": (4, ""),
}


def assess(organisation: Organisation, user: User, answers: dict | None = None) -> Assessment:
    """A completed self-assessment of the current référentiel with the given answers."""
    assessment = referentiel_services.start_assessment(organisation, by=user)
    answers = {**GOOD_ANSWERS, **(answers or {})}
    for domain in referentiel_services.domains_of(assessment):
        values = {c.code: answers[c.code] for c in domain.criteria.all()}
        referentiel_services.save_answers(assessment, domain, values, by=user)
    statutes = Criterion.objects.get(domain__referentiel=assessment.referentiel, code="gouv-1")
    upload = SimpleUploadedFile("statuts.pdf", pdf_bytes())
    referentiel_services.add_evidence(assessment, statutes, check_document(upload), user)
    return referentiel_services.complete_assessment(assessment, by=user)


def make_indicator(code: str = "appareils-repares", **extra) -> Indicator:
    fields = {"name": "Appareils réparés", "unit": "appareils", "cumulative": True, **extra}
    return Indicator.objects.create(code=code, **fields)


def make_programme(
    name: str = "Économie circulaire",
    *,
    min_overall: Decimal | None = Decimal(50),
    status_rule: str = Programme.StatusRule.LISTED_OR_PROGRESS,
    indicators: list[Indicator] = (),
    rules: dict[str, Decimal | None] | None = None,
) -> Programme:
    from django.utils.text import slugify

    programme = Programme.objects.create(
        name=name,
        slug=slugify(name),
        budget=Decimal(1_000_000),
        min_overall=min_overall,
        status_rule=status_rule,
    )
    programme.indicators.set(indicators)
    for code, minimum in (rules or {}).items():
        criterion = Criterion.objects.filter(code=code).order_by("-domain__referentiel__version").first()
        CriterionRule.objects.create(programme=programme, criterion=criterion, minimum=minimum)
    return programme


def draft(organisation: Organisation, programme: Programme, by: User, **extra) -> Grant:
    fields = {
        "purpose": "Atelier de réparation",
        "amount": Decimal(24_000),
        "decision_reference": "CP-2026-0412",
        "decision_date": date(2026, 1, 12),
        "convention_date": date(2026, 1, 20),
        "start": date(2026, 1, 1),
        "end": date(2026, 12, 31),
        **extra,
    }
    return services.draft_grant(organisation, programme, by=by, **fields)


def awarded_grant(
    organisation: Organisation,
    programme: Programme,
    by: User,
    *,
    indicator: Indicator,
    first_due: date,
    periodicity: str = Periodicity.QUARTERLY,
    instalments: list[tuple[date, Decimal]] | None = None,
    **extra,
) -> Grant:
    """A grant awarded with one indicator. Its period runs for a year from 90 days before
    the first due date, unless given."""
    extra.setdefault("start", first_due - timedelta(days=90))
    extra.setdefault("end", extra["start"] + timedelta(days=365))
    grant = draft(organisation, programme, by, **extra)
    services.set_instalments(
        grant, instalments or [(grant.start, Decimal(12_000)), (grant.end, Decimal(12_000))], by=by
    )
    services.add_grant_indicator(
        grant, indicator, baseline=Decimal(900), target=Decimal(1200), periodicity=periodicity,
        first_due=first_due, by=by,
    )  # fmt: skip
    return services.award_grant(grant, by=by)
