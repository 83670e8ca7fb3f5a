"""What a grant's pages and its two PDFs show: the instalments and what blocks them, each
indicator with its reporting calendar and the chart of its values against the baseline and
the target. The same context and the same SVG serve the web page and the PDF.

The PDFs are rendered when asked for, not stored: a follow-up report changes with every
report submitted or validated, and only staff and the organisation's members ask for them."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from solidaire.lib.charts import line_chart
from solidaire.lib.pdf import render_pdf
from subventions import services
from subventions.models import Grant, GrantIndicator, Instalment, Report, ReportState
from subventions.periods import Period


def period_label(day: date) -> str:
    """The month a period ends in, "mars 2026": one label per period whatever the periodicity."""
    return formats.date_format(day, "N Y")


def indicator_chart(grant_indicator: GrantIndicator, reports: list[Report], *, title: str = "") -> SafeString:
    """The values reported for each period, against the baseline and the period's target.
    Validated values form the line; values still to examine, if any, a second one."""
    indicator = grant_indicator.indicator
    labels = [period_label(report.period_end) for report in reports]

    def values(status: str) -> list[tuple[str, Decimal | None]]:
        return [
            (label, report.value if report.status == status else None)
            for label, report in zip(labels, reports, strict=True)
        ]

    series = [(_("Valeurs validées"), values(ReportState.VALIDATED))]
    if any(report.awaits_review for report in reports):
        series.append((_("Valeurs remises, à examiner"), values(ReportState.SUBMITTED)))
    description = _(
        "Valeur de chaque période (%(periodicity)s) comparée à la valeur de départ et à la cible d'une "
        "période."
    ) % {"periodicity": grant_indicator.get_periodicity_display()}
    return line_chart(
        series,
        target=grant_indicator.period_target,
        baseline=grant_indicator.period_baseline,
        unit=indicator.unit,
        title=title or indicator.translated("name"),
        description=description,
        chart_id=f"indicateur-{grant_indicator.pk}",
    )


@dataclass
class FollowedIndicator:
    grant_indicator: GrantIndicator
    reports: list[Report]
    # The reporting calendar of a draft, whose reports are created when it is awarded.
    periods: list[Period] = field(default_factory=list)
    chart: SafeString | None = None

    @property
    def period_baseline(self) -> Decimal:
        return self.grant_indicator.period_baseline

    @property
    def validated(self) -> list[Report]:
        return [report for report in self.reports if report.is_validated]

    @property
    def validated_total(self) -> Decimal:
        return sum((report.value for report in self.validated if report.value is not None), Decimal(0))

    @property
    def latest_value(self) -> Decimal | None:
        return self.validated[-1].value if self.validated else None


def followed_indicators(grant: Grant) -> list[FollowedIndicator]:
    grant_indicators = grant.indicators.select_related("indicator").prefetch_related(
        Prefetch("reports", queryset=Report.objects.order_by("due_date", "pk"))
    )
    followed = []
    for grant_indicator in grant_indicators:
        grant_indicator.grant = grant
        reports = list(grant_indicator.reports.all())
        item = FollowedIndicator(grant_indicator, reports)
        if reports:
            item.chart = indicator_chart(grant_indicator, reports)
        else:
            item.periods = grant_indicator.periods()
        followed.append(item)
    return followed


@dataclass
class InstalmentRow:
    instalment: Instalment
    blockers: list[str]

    @property
    def is_blocked(self) -> bool:
        return bool(self.blockers)


def instalment_rows(grant: Grant, today: date | None = None) -> list[InstalmentRow]:
    rows = []
    for instalment in grant.instalments.all():
        blockers = services.instalment_blockers(instalment, today) if grant.is_awarded else []
        rows.append(InstalmentRow(instalment, blockers))
    return rows


def grant_context(grant: Grant) -> dict:
    """The grant (with its organisation and programme), its instalments and its indicators."""
    return {
        "grant": grant,
        "organisation": grant.organisation,
        "programme": grant.programme,
        "instalments": instalment_rows(grant),
        "indicators": followed_indicators(grant),
        "today": timezone.localdate(),
        # pdf/base.html sets "today" to the text of the date for its header: the PDFs use this.
        "as_of": timezone.localdate(),
    }


def render_grant_pdf(grant: Grant) -> bytes:
    """The grant as staff see it: the decision, the payments and the indicators followed."""
    return render_pdf("subventions/pdf/grant.html", grant_context(grant))


def render_followup_pdf(grant: Grant) -> bytes:
    """The follow-up report: each indicator's values, period by period, and their chart."""
    return render_pdf("subventions/pdf/followup.html", grant_context(grant))
