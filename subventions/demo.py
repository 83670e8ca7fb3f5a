"""Demo data of the subsidies: the indicators catalogue, three programmes (among them
"Économie circulaire"), grants with instalments on listed organisations, reports in every
state, and an equity stake in a SCIC. Idempotent: indicators and programmes are keyed
on their code, grants on their programme, the stake on its SCIC.

Dates are relative to the day the demo is loaded, so that there are always reports
validated, sent back, submitted, late and still to come."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from referentiel.demo import demo_pdf
from referentiel.models import Criterion, Referentiel
from solidaire.lib.documents import check_document
from solidaire.models import Organisation, User
from subventions import services
from subventions.models import (
    CriterionRule,
    EquityStake,
    Grant,
    Indicator,
    Periodicity,
    Programme,
    Report,
)
from subventions.periods import shift_months

STAFF_EMAIL = "nadia@region.example"
HIGHER, LOWER = Criterion.Direction.HIGHER, Criterion.Direction.LOWER

# code, name, English name, unit, direction, cumulative, criterion of the référentiel
INDICATORS = [
    ("appareils-repares", "Appareils réparés", "Appliances repaired", "appareils", HIGHER, True, "env-3"),
    ("heures-formation", "Heures de formation", "Training hours", "heures", HIGHER, True, "equ-3"),
    ("dechets-evites", "Déchets évités", "Waste avoided", "tonnes", HIGHER, True, "env-3"),
    ("emplois-insertion", "Emplois en insertion", "Jobs in insertion", "ETP", HIGHER, False, "equ-4"),
    ("sorties-emploi", "Sorties vers l'emploi durable", "Exits to lasting employment", "%", HIGHER, False,
     "equ-4"),
    ("ecart-remuneration", "Écart de rémunération", "Pay ratio", "fois", LOWER, False, "equ-1"),
    ("achats-locaux", "Part des achats locaux", "Share of local purchases", "%", HIGHER, False, "anc-1"),
    ("benevoles", "Bénévoles actifs", "Active volunteers", "personnes", HIGHER, False, None),
    ("personnes-accompagnees", "Personnes accompagnées", "People supported", "personnes", HIGHER, True, None),
    ("femmes-direction", "Part des femmes dans l'instance de direction", "Share of women on the board", "%",
     HIGHER, False, "gouv-6"),
    ("energie-renouvelable", "Part d'énergie renouvelable", "Share of renewable energy", "%", HIGHER, False,
     "env-2"),
    ("emissions-ges", "Émissions de gaz à effet de serre", "Greenhouse gas emissions", "t CO₂e", LOWER, True,
     "env-1"),
]  # fmt: skip


@dataclass(frozen=True)
class Follow:
    indicator: str
    periodicity: str
    baseline: Decimal
    target: Decimal
    # What the organisation reports per period (a flow) or at each period (a level).
    value: Decimal


@dataclass(frozen=True)
class ProgrammeSpec:
    slug: str
    name: str
    description: str
    budget: Decimal
    status_rule: str
    min_overall: Decimal
    rules: tuple[tuple[str, Decimal | None], ...]
    sectors: tuple[str, ...]
    amount: Decimal
    purpose: str
    follows: tuple[Follow, ...]


Rule = Programme.StatusRule
PROGRAMMES = [
    ProgrammeSpec(
        "economie-circulaire", "Économie circulaire",
        "Soutient le réemploi, la réparation et le recyclage portés par les structures de l'ESS : "
        "ressourceries, repair cafés, ateliers vélo.",
        Decimal(1_500_000), Rule.LISTED, Decimal(50), (("env-3", Decimal(2)),), ("economie-circulaire",),
        Decimal(24_000), "Développement de l'atelier de réparation et des formations à la réparation",
        (
            Follow("appareils-repares", Periodicity.QUARTERLY, Decimal(900), Decimal(1200), Decimal(280)),
            Follow("heures-formation", Periodicity.HALF_YEARLY, Decimal(300), Decimal(500), Decimal(240)),
            Follow("dechets-evites", Periodicity.QUARTERLY, Decimal(12), Decimal(18), Decimal("4.2")),
        ),
    ),
    ProgrammeSpec(
        "emploi-insertion", "Emploi et insertion",
        "Finance l'accompagnement vers l'emploi des personnes qui en sont éloignées.",
        Decimal(2_000_000), Rule.LISTED_OR_PROGRESS, Decimal(40), (), ("insertion", "mobilite"),
        Decimal(40_000), "Postes d'accompagnement socio-professionnel du chantier d'insertion",
        (
            Follow("emplois-insertion", Periodicity.QUARTERLY, Decimal(8), Decimal(12), Decimal(11)),
            Follow("sorties-emploi", Periodicity.YEARLY, Decimal(35), Decimal(50), Decimal(46)),
        ),
    ),
    ProgrammeSpec(
        "alimentation-locale", "Alimentation durable et locale",
        "Aide les épiceries solidaires et les coopératives paysannes à s'approvisionner localement.",
        Decimal(800_000), Rule.LISTED, Decimal(55), (("anc-1", Decimal(40)),), ("alimentation",),
        Decimal(15_000), "Approvisionnement local de l'épicerie solidaire",
        (
            Follow("achats-locaux", Periodicity.HALF_YEARLY, Decimal(45), Decimal(65), Decimal(58)),
            Follow("benevoles", Periodicity.YEARLY, Decimal(20), Decimal(30), Decimal(27)),
        ),
    ),
]  # fmt: skip


def populate(out: TextIO) -> None:
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    referentiel = Referentiel.objects.current()
    if staff is None or referentiel is None:
        out.write("  pas d'agent régional ou de référentiel publié : rien à faire\n")
        return
    indicators = _indicators(referentiel)
    created = 0
    for spec in PROGRAMMES:
        programme = _programme(spec, indicators, referentiel)
        if programme.grants.exists():
            continue
        organisation = _eligible_organisation(programme, spec.sectors)
        if organisation is None:
            out.write(f"  « {programme.name} » : aucune organisation référencée éligible\n")
            continue
        _grant(spec, programme, organisation, indicators, staff)
        created += 1
    stake = _stake()
    out.write(
        f"  indicateurs : {len(indicators)} ; dispositifs : {len(PROGRAMMES)} ; subventions : "
        f"{created} créées ; participation au capital d'une SCIC : {stake}\n"
    )


def _indicators(referentiel: Referentiel) -> dict[str, Indicator]:
    criteria: dict[str | None, Criterion] = {
        c.code: c for c in Criterion.objects.filter(domain__referentiel=referentiel)
    }
    indicators = {}
    for code, name, name_en, unit, direction, cumulative, criterion in INDICATORS:
        indicators[code], _created = Indicator.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "name_en": name_en, "unit": unit, "direction": direction,
                "cumulative": cumulative, "criterion": criteria.get(criterion),
            },
        )  # fmt: skip
    return indicators


def _programme(spec: ProgrammeSpec, indicators: dict[str, Indicator], referentiel: Referentiel) -> Programme:
    programme, created = Programme.objects.get_or_create(
        slug=spec.slug,
        defaults={
            "name": spec.name, "description": spec.description, "budget": spec.budget,
            "status_rule": spec.status_rule, "min_overall": spec.min_overall,
        },
    )  # fmt: skip
    if created:
        programme.indicators.set([indicators[follow.indicator] for follow in spec.follows])
        for code, minimum in spec.rules:
            criterion = Criterion.objects.filter(domain__referentiel=referentiel, code=code).first()
            if criterion:
                CriterionRule.objects.create(programme=programme, criterion=criterion, minimum=minimum)
    return programme


def _eligible_organisation(programme: Programme, sectors: tuple[str, ...]) -> Organisation | None:
    """A listed organisation of the programme's sectors (a SCIC first, like Léa's) that the
    programme accepts, else any listed one it accepts."""
    listed = list(
        Organisation.objects.listed()
        .exclude(memberships=None)
        .select_related("legal_form", "sector")
        .order_by("siret")
    )
    listed.sort(key=lambda o: (o.sector.code not in sectors, o.legal_form.code != "scic"))
    return next((o for o in listed if not services.check_eligibility(programme, o)), None)


def _grant(
    spec: ProgrammeSpec,
    programme: Programme,
    organisation: Organisation,
    indicators: dict[str, Indicator],
    staff: User,
) -> Grant:
    today = timezone.localdate()
    # Started ten months ago, for two years: some periods are past, others to come.
    start = shift_months(today.replace(day=1), -10)
    end = shift_months(start, 24) - timedelta(days=1)
    grant = services.draft_grant(
        organisation, programme, by=staff, purpose=spec.purpose, amount=spec.amount,
        decision_reference=f"CP-{start.year}-{programme.pk:02d}{organisation.pk:04d}",
        decision_date=start - timedelta(days=20), convention_date=start - timedelta(days=10),
        start=start, end=end, nature=Grant.Nature.CASH,
        payment_conditions=Grant.PaymentConditions.INSTALMENTS,
    )  # fmt: skip
    half = (spec.amount / 2).quantize(Decimal("0.01"))
    services.set_instalments(grant, [(start, half), (shift_months(start, 12), spec.amount - half)], by=staff)
    for follow in spec.follows:
        months = Periodicity(follow.periodicity).months
        services.add_grant_indicator(
            grant, indicators[follow.indicator], baseline=follow.baseline, target=follow.target,
            periodicity=follow.periodicity, first_due=shift_months(start, months) - timedelta(days=1),
            by=staff,
        )  # fmt: skip
    services.award_grant(grant, by=staff)
    services.pay_instalment(grant.instalments.all()[0], by=staff, paid_on=start)
    _report(grant, spec, staff, today)
    return grant


def _report(grant: Grant, spec: ProgrammeSpec, staff: User, today: date) -> None:
    """Past reports in turn validated, validated, sent back, submitted; the latest stays late."""
    member = grant.organisation.memberships.select_related("user").earliest("pk").user
    values = {follow.indicator: follow.value for follow in spec.follows}
    past = list(
        Report.objects.filter(grant_indicator__grant=grant, due_date__lt=today)
        .select_related("grant_indicator__indicator")
        .order_by("due_date", "grant_indicator__indicator__code")
    )
    for index, report in enumerate(past[:-1]):
        upload = SimpleUploadedFile("tableau-de-suivi.pdf", demo_pdf(f"Suivi {report}"))
        report = services.submit_report(
            report, value=values[report.grant_indicator.indicator.code], evidence=check_document(upload),
            comment="Chiffres issus de notre tableau de suivi mensuel.", by=member,
        )  # fmt: skip
        if index % 4 == 2:
            message = "Le justificatif couvre un autre trimestre : joignez celui de la période."
            services.request_correction(report, by=staff, message=message)
        elif index % 4 != 3:
            services.validate_report(report, by=staff)


def _stake() -> str:
    scic = Organisation.objects.listed().filter(legal_form__code="scic").order_by("siret").first()
    if scic is None:
        return "aucune SCIC référencée"
    stake, _created = EquityStake.objects.get_or_create(
        organisation=scic,
        defaults={
            "share": Decimal("12.50"), "amount": Decimal(50_000),
            "acquired_on": date(timezone.localdate().year - 2, 6, 30),
            "decision_reference": "CP-SCIC-2024-07",
        },
    )  # fmt: skip
    return f"{stake.share} % de {scic.name}"
