"""The staff dashboard of the reports, gathered from one list of reports: their counts by
state per programme and per organisation, the chart of each indicator shown, and the lines
of its CSV. No request here: the views of subventions.views.dashboard pass the filters."""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from solidaire.lib.csv_export import CsvWriter
from subventions.models import REPORT_RELATED, Grant, Report, ReportQuerySet, ReportState
from subventions.pdf import indicator_chart

# The dashboard's columns, the most urgent first.
STATE_ORDER = [
    ReportState.LATE,
    ReportState.DUE,
    ReportState.CORRECTION_REQUESTED,
    ReportState.SUBMITTED,
    ReportState.VALIDATED,
]
# Beyond this many charts the page would weigh megabytes: the filters narrow the selection.
CHART_LIMIT = 30


@dataclass
class SummaryRow:
    name: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class DashboardChart:
    title: str
    svg: str


def dashboard_reports(filters: dict, today: date) -> ReportQuerySet:
    """The reports of awarded grants that the filters select, the late ones first."""
    reports = Report.objects.filter(grant_indicator__grant__status__in=Grant.SHOWN_STATUSES)
    lookups = {
        "dispositif": "grant_indicator__grant__programme",
        "organisation": "grant_indicator__grant__organisation",
        "indicateur": "grant_indicator__indicator",
    }
    for name, lookup in lookups.items():
        if name in filters:
            reports = reports.filter(**{lookup: filters[name]})
    return reports.select_related(*REPORT_RELATED).late_first(
        "due_date", "grant_indicator__grant__organisation__legal_name", "pk", today=today
    )


def summary(reports: list[Report], key: Callable[[Report], str]) -> list[SummaryRow]:
    counts: dict[str, Counter] = {}
    for report in reports:
        counts.setdefault(key(report), Counter())[report.state] += 1
    rows = [SummaryRow(name, [count[state] for state in STATE_ORDER]) for name, count in counts.items()]
    return sorted(rows, key=lambda row: (-row.counts[0], row.name))


def dashboard_charts(selection: list[Report], shown: list[Report]) -> list[DashboardChart]:
    """One chart per indicator of a grant among the reports shown, with all its values."""
    by_indicator: dict[int, list[Report]] = {}
    for report in selection:
        by_indicator.setdefault(report.grant_indicator_id, []).append(report)
    followed = {report.grant_indicator_id: report.grant_indicator for report in shown}
    ordered = sorted(
        followed.values(), key=lambda gi: (gi.grant.organisation.name, gi.indicator.translated("name"), gi.pk)
    )
    charts = []
    for grant_indicator in ordered[:CHART_LIMIT]:
        reports = sorted(by_indicator[grant_indicator.pk], key=lambda report: (report.due_date, report.pk))
        grant = grant_indicator.grant
        title = _("%(indicator)s — %(organisation)s (%(programme)s)") % {
            "indicator": grant_indicator.indicator.translated("name"),
            "organisation": grant.organisation.name,
            "programme": grant.programme.name,
        }
        charts.append(DashboardChart(title, indicator_chart(grant_indicator, reports, title=title)))
    return charts


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def dashboard_lines(reports: QuerySet[Report], header: list[str], labels: dict[str, str]) -> Iterator[str]:
    writer = CsvWriter()
    yield writer.writerow(header)
    for report in reports.iterator(chunk_size=500):
        grant_indicator = report.grant_indicator
        grant = grant_indicator.grant
        yield writer.writerow(
            [
                grant.programme.name,
                grant.organisation.legal_name,
                grant.organisation.siret,
                grant_indicator.indicator.name,
                grant_indicator.indicator.unit,
                report.period_start.isoformat(),
                report.period_end.isoformat(),
                report.due_date.isoformat(),
                labels[report.state],
                _number(report.value),
                _number(grant_indicator.period_baseline),
                _number(grant_indicator.period_target),
                timezone.localtime(report.submitted_at).isoformat(timespec="minutes")
                if report.submitted_at
                else "",
            ]
        )


# Column names are identifiers, the same in every language, so that a spreadsheet built on
# the file keeps working; the states are written in the reader's language.
DASHBOARD_COLUMNS = [
    "dispositif",
    "organisation",
    "siret",
    "indicateur",
    "unite",
    "debut_periode",
    "fin_periode",
    "echeance",
    "etat",
    "valeur",
    "depart_periode",
    "cible_periode",
    "remis_le",
]
