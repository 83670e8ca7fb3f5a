"""The SCDL "subventions" export: the regulatory open-data file of grant conventions
(décret n° 2017-779), with the fields of the schema's version SCHEMA_VERSION, in its order.

One CSV row per grant awarded (or closed since) whose convention was signed in the chosen
year. Formats of the schema: SIRET of 14 digits, RNA number `W` and 9 digits, ISO dates,
`AAAA-MM-JJ/AAAA-MM-JJ` for a period of payments (one date for a single payment), dot
decimals, `oui` / `non`. The beneficiary is as it was when the grant was awarded (its
snapshot on the grant), so that a later change of the organisation does not rewrite past
years' files. The values are French whatever the reader's language: they are the schema's
vocabulary."""

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db.models import Count, Max, Min, QuerySet
from django.utils.translation import gettext_lazy as _

from solidaire.lib.csv_export import CsvWriter
from subventions.models import Grant

if TYPE_CHECKING:  # django-stubs-ext, a development dependency, types what a query annotates
    from django_stubs_ext import WithAnnotations

    class _Payments(TypedDict):
        first_payment: date | None
        last_payment: date | None
        payments: int

    # A grant as grants_of_year reads it: with the dates of its first and last instalments.
    GrantOfYear = WithAnnotations[Grant, _Payments]

SCHEMA_VERSION = "2.1.1"
SCHEMA_URL = f"https://schema.data.gouv.fr/scdl/subventions/{SCHEMA_VERSION}/documentation.html"
# The fields of the schema (its schema.json), in its order, and what each holds here.
FIELDS = {
    "nomAttribuant": _("Le nom de la collectivité qui attribue la subvention."),
    "idAttribuant": _("Son numéro SIRET (14 chiffres)."),
    "dateConvention": _("La date de signature de la convention (AAAA-MM-JJ)."),
    "referenceDecision": _("La référence de la décision d'attribution (délibération, arrêté)."),
    "nomBeneficiaire": _("La raison sociale du bénéficiaire, telle qu'à l'attribution de la subvention."),
    "idBeneficiaire": _("Son numéro SIRET (14 chiffres), tel qu'à l'attribution."),
    "rnaBeneficiaire": _("Pour une association, son numéro RNA (W et 9 chiffres), s'il est connu."),
    "objet": _("L'objet de la subvention, en 256 caractères au plus."),
    "montant": _("Le montant total en euros, avec un point décimal : 24000.00."),
    "nature": _("« aide en numéraire » ou « aide en nature »."),
    "conditionsVersement": _("« unique », « échelonné » ou « autre »."),
    "datesPeriodeVersement": _(
        "La date du versement unique, ou les dates du premier et du dernier versement : "
        "AAAA-MM-JJ/AAAA-MM-JJ."
    ),
    "idRAE": _("Le numéro de l'aide au Répertoire des aides aux entreprises, s'il y en a un."),
    "notificationUE": _("« oui » si l'aide a été notifiée à la Commission européenne, sinon « non »."),
    "pourcentageSubvention": _("La part de la subvention que reçoit le bénéficiaire : 1.00, toute."),
    "dispositifAide": _("Le dispositif de la Région au titre duquel la subvention est attribuée (son nom)."),
}
COLUMNS = list(FIELDS)
NATURE: dict[str, str] = {Grant.Nature.CASH: "aide en numéraire", Grant.Nature.IN_KIND: "aide en nature"}
CONDITIONS: dict[str, str] = {
    Grant.PaymentConditions.SINGLE: "unique",
    Grant.PaymentConditions.INSTALMENTS: "échelonné",
    Grant.PaymentConditions.OTHER: "autre",
}
# Each grant has one beneficiary, who receives all of it.
FULL_SHARE = "1.00"


def grants_of_year(year: int) -> "QuerySet[GrantOfYear]":
    return (
        Grant.objects.filter(
            status__in=[Grant.Status.AWARDED, Grant.Status.CLOSED], convention_date__year=year
        )
        .select_related("programme")
        .annotate(
            first_payment=Min("instalments__planned_on"),
            last_payment=Max("instalments__planned_on"),
            payments=Count("instalments"),
        )
        .order_by("convention_date", "pk")
    )


def payment_dates(first: date | None, last: date | None, fallback: tuple[date, date]) -> str:
    if first is None or last is None:
        first, last = fallback  # no instalment recorded: the grant's period
    if first == last:
        return first.isoformat()
    return f"{first.isoformat()}/{last.isoformat()}"


def _date(value: date | None) -> str:
    # The schema writes a missing value as an empty field.
    return value.isoformat() if value else ""


def row(grant: "GrantOfYear") -> list[str]:
    return [
        settings.SCDL_ATTRIBUTING_NAME,
        settings.SCDL_ATTRIBUTING_SIRET,
        _date(grant.convention_date),
        grant.decision_reference,
        grant.beneficiary_name,
        grant.beneficiary_siret,
        grant.beneficiary_rna,
        grant.purpose,
        f"{grant.amount:.2f}",
        NATURE[grant.nature],
        CONDITIONS[grant.payment_conditions],
        payment_dates(grant.first_payment, grant.last_payment, (grant.start, grant.end)),
        grant.rae_id,
        "oui" if grant.eu_notified else "non",
        FULL_SHARE,
        grant.programme.name,
    ]


def scdl_lines(year: int) -> Iterator[str]:
    """The CSV file, line by line (header first), for a streaming response or a file."""
    writer = CsvWriter()
    yield writer.writerow(COLUMNS)
    for grant in grants_of_year(year).iterator(chunk_size=500):
        yield writer.writerow(row(grant))
