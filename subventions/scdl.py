"""The SCDL "subventions" export: the regulatory open-data file of grant conventions
(décret n° 2017-779, schema of OpenDataFrance, version 1.1 columns).

One CSV row per grant awarded (or closed since) whose convention was signed in the chosen
year. Formats of the schema: SIRET of 14 digits, ISO dates, `AAAA-MM-JJ/AAAA-MM-JJ` for a
period of payments (one date for a single payment), dot decimals, `oui` / `non`. The
values are French whatever the reader's language: they are the schema's vocabulary."""

from collections.abc import Iterator
from datetime import date

from django.conf import settings
from django.db.models import Count, Max, Min

from solidaire.lib.csv_export import CsvWriter
from subventions.models import Grant

COLUMNS = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
]
NATURE = {Grant.Nature.CASH: "aide en numéraire", Grant.Nature.IN_KIND: "aide en nature"}
CONDITIONS = {
    Grant.PaymentConditions.SINGLE: "unique",
    Grant.PaymentConditions.INSTALMENTS: "échelonné",
    Grant.PaymentConditions.OTHER: "autre",
}
# Each grant has one beneficiary, who receives all of it.
FULL_SHARE = "1.00"


def grants_of_year(year: int):
    return (
        Grant.objects.filter(
            status__in=[Grant.Status.AWARDED, Grant.Status.CLOSED], convention_date__year=year
        )
        .select_related("organisation")
        .annotate(
            first_payment=Min("instalments__planned_on"),
            last_payment=Max("instalments__planned_on"),
            payments=Count("instalments"),
        )
        .order_by("convention_date", "pk")
    )


def payment_dates(first: date | None, last: date | None, fallback: tuple[date, date]) -> str:
    if first is None:
        first, last = fallback  # no instalment recorded: the grant's period
    if first == last:
        return first.isoformat()
    return f"{first.isoformat()}/{last.isoformat()}"


def row(grant: Grant) -> list[str]:
    return [
        settings.SCDL_ATTRIBUTING_NAME,
        settings.SCDL_ATTRIBUTING_SIRET,
        grant.convention_date.isoformat(),
        grant.decision_reference,
        grant.organisation.legal_name,
        grant.organisation.siret,
        grant.purpose,
        f"{grant.amount:.2f}",
        NATURE[grant.nature],
        CONDITIONS[grant.payment_conditions],
        payment_dates(grant.first_payment, grant.last_payment, (grant.start, grant.end)),
        grant.rae_id,
        "oui" if grant.eu_notified else "non",
        FULL_SHARE,
    ]


def scdl_lines(year: int) -> Iterator[str]:
    """The CSV file, line by line (header first), for a streaming response or a file."""
    writer = CsvWriter()
    yield writer.writerow(COLUMNS)
    for grant in grants_of_year(year).iterator(chunk_size=500):
        yield writer.writerow(row(grant))
