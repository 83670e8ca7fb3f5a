"""Subsidies pages: staff draft, award and follow grants (programmes, dashboard, equity
stakes); an organisation's members report their indicators; everyone downloads the SCDL
file of the grants. Every workflow goes through subventions.services."""

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Model, Q, QuerySet, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from solidaire import audit
from solidaire.lib.access import get_organisation_for_user, staff_required
from solidaire.lib.pdf import pdf_response
from solidaire.models import AuditEntry, Organisation, User
from subventions import scdl, services
from subventions.forms import EquityStakeForm, ReportForm
from subventions.models import EquityStake, Grant, Instalment, Programme, Report, ReportState
from subventions.page_forms import (
    CorrectionForm,
    CriterionRuleFormSet,
    DashboardFilterForm,
    GrantChoiceForm,
    GrantForm,
    GrantIndicatorFormSet,
    InstalmentFormSet,
    ProgrammeForm,
    YearForm,
)
from subventions.pdf import (
    grant_context,
    indicator_chart,
    render_followup_pdf,
    render_grant_pdf,
)

Status = Grant.Status
SHOWN_STATUSES = [Status.AWARDED, Status.CLOSED]  # what members, the dashboard and open data see
REPORTABLE = (ReportState.DUE, ReportState.CORRECTION_REQUESTED)
# The dashboard's columns, the most urgent first.
STATE_ORDER = [
    ReportState.LATE,
    ReportState.DUE,
    ReportState.CORRECTION_REQUESTED,
    ReportState.SUBMITTED,
    ReportState.VALIDATED,
]
DASHBOARD_PAGE = 100
# Beyond this many charts the page would weigh megabytes: the filters narrow the selection.
CHART_LIMIT = 30
REPORT_RELATED = [
    "grant_indicator__indicator",
    "grant_indicator__grant__organisation",
    "grant_indicator__grant__programme",
]


def _posted(request: HttpRequest, queryset: QuerySet, name: str) -> Model:
    """The object of `queryset` whose id the form posted as `name`; 404 for anything else
    (ASCII digits only: "²" is a digit for str.isdigit, not for int)."""
    value = request.POST.get(name, "")
    if not (value.isascii() and value.isdigit()):
        raise Http404
    return get_object_or_404(queryset, pk=value)


def _evidence_response(report: Report) -> FileResponse:
    if not report.evidence:
        raise Http404
    try:
        file = report.evidence.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        file,
        as_attachment=True,
        filename=report.evidence_name or "justificatif",
        content_type=report.evidence_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _pdf_name(prefix: str, grant: Grant) -> str:
    return f"{prefix}-{grant.organisation.slug}-{grant.pk}.pdf"


# --- Staff: grants -------------------------------------------------------------------------


@staff_required
def staff_grants(request: HttpRequest) -> HttpResponse:
    grants = Grant.objects.select_related("organisation", "programme").order_by("-created_at", "-pk")
    status = request.GET.get("statut", "")
    if status in Status.values:
        grants = grants.filter(status=status)
    context = {
        "page": Paginator(grants, 50).get_page(request.GET.get("page")),
        "status": status,
        "statuses": Status.choices,
    }
    return render(request, "subventions/staff/grants.html", context)


def _staff_grant(pk: int) -> Grant:
    return get_object_or_404(Grant.objects.select_related("organisation", "programme"), pk=pk)


@dataclass
class GrantForms:
    """The grant's form and its two formsets, valid together or not at all."""

    grant: GrantForm
    instalments: InstalmentFormSet
    indicators: GrantIndicatorFormSet

    def is_valid(self) -> bool:
        valid = self.grant.is_valid()
        if valid:  # the formsets check the sum of the instalments and the first due dates
            self.instalments.amount = self.grant.cleaned_data["amount"]
            self.indicators.period = (self.grant.cleaned_data["start"], self.grant.cleaned_data["end"])
        return all([valid, self.instalments.is_valid(), self.indicators.is_valid()])

    @property
    def has_errors(self) -> bool:
        return bool(
            self.grant.errors or self.instalments.total_error_count() or self.indicators.total_error_count()
        )


def _grant_forms(
    request: HttpRequest,
    *,
    initial: dict | None = None,
    instalments: list[dict] | None = None,
    indicators: list[dict] | None = None,
    followed: Iterable[int] = (),
) -> GrantForms:
    data = request.POST if request.method == "POST" else None
    forms = GrantForms(
        GrantForm(data, initial=initial),
        InstalmentFormSet(data, initial=instalments, prefix="versements"),
        GrantIndicatorFormSet(data, initial=indicators, prefix="indicateurs"),
    )
    forms.indicators.followed = frozenset(followed)
    return forms


def _add_indicators(grant: Grant, rows: list[dict], user: User) -> None:
    for row in rows:
        indicator = row.pop("indicator")
        services.add_grant_indicator(grant, indicator, by=user, **row)


@staff_required
def staff_grant_new(request: HttpRequest) -> HttpResponse:
    """Step 1 chooses the organisation and the programme (a GET form); step 2 shows the
    eligibility, every unmet rule in words, and the grant's form."""
    choice = GrantChoiceForm(request.GET or None)
    if not choice.is_valid() or "changer" in request.GET:
        return render(request, "subventions/staff/grant_choose.html", {"choice": choice})
    organisation, programme = choice.cleaned_data["organisation"], choice.cleaned_data["dispositif"]
    forms = _grant_forms(request, indicators=[{"indicator": i.pk} for i in programme.indicators.all()])
    if request.method == "POST" and forms.is_valid():
        grant = _draft(request, organisation, programme, forms)
        if grant:
            messages.success(request, _("La subvention est enregistrée en préparation."))
            return redirect("staff_grant", grant.pk)
    context = {
        "organisation": organisation,
        "programme": programme,
        "eligibility": services.check_eligibility(programme, organisation),
        "forms": forms,
    }
    return render(request, "subventions/staff/grant_form.html", context)


def _draft(
    request: HttpRequest, organisation: Organisation, programme: Programme, forms: GrantForms
) -> Grant | None:
    try:
        with transaction.atomic():
            grant = services.draft_grant(organisation, programme, by=request.user, **forms.grant.cleaned_data)
            services.set_instalments(grant, forms.instalments.planned(), by=request.user)
            _add_indicators(grant, forms.indicators.rows(), request.user)
    except ValidationError as error:
        forms.grant.add_error(None, error.messages)
        return None
    return grant


@staff_required
def staff_grant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _staff_grant(pk)
    if not grant.is_draft:
        messages.error(request, _("Une subvention attribuée ne se modifie plus."))
        return redirect("staff_grant", grant.pk)
    planned = list(grant.instalments.values_list("planned_on", "amount"))
    followed = list(grant.indicators.select_related("indicator"))
    forms = _grant_forms(
        request,
        initial={name: getattr(grant, name) for name in GrantForm._meta.fields},
        instalments=[{"planned_on": day, "amount": amount} for day, amount in planned],
        followed=[item.indicator_id for item in followed],
    )
    if request.method == "POST" and forms.is_valid() and _update(request, grant, planned, forms):
        messages.success(request, _("Les modifications sont enregistrées."))
        return redirect("staff_grant", grant.pk)
    context = {
        "grant": grant,
        "organisation": grant.organisation,
        "programme": grant.programme,
        "eligibility": services.check_eligibility(grant.programme, grant.organisation),
        "followed": followed,
        "forms": forms,
    }
    return render(request, "subventions/staff/grant_form.html", context)


def _update(request: HttpRequest, grant: Grant, planned: list, forms: GrantForms) -> bool:
    try:
        with transaction.atomic():
            services.update_grant(grant, by=request.user, **forms.grant.cleaned_data)
            if sorted(forms.instalments.planned()) != sorted(planned):
                services.set_instalments(grant, forms.instalments.planned(), by=request.user)
            _add_indicators(grant, forms.indicators.rows(), request.user)
    except ValidationError as error:
        grant.refresh_from_db()
        forms.grant.add_error(None, error.messages)
        return False
    return True


@staff_required
def staff_grant(request: HttpRequest, pk: int) -> HttpResponse:
    """The grant; while it is a draft, what prevents awarding it and the award button,
    which refuses with every reason."""
    grant = _staff_grant(pk)
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "pay":
        return _pay(request, grant)
    refused: list[str] = []
    if action == "award":
        try:
            services.award_grant(grant, by=request.user)
        except ValidationError as error:
            refused = error.messages
        else:
            messages.success(request, _("La subvention est attribuée : le calendrier des rapports est créé."))
            return redirect("staff_grant", grant.pk)
    context = grant_context(grant)
    context.update(
        refused=refused,
        problems=services.award_problems(grant) if grant.is_draft else [],
        to_review=[
            report
            for item in context["indicators"]
            for report in item.reports
            if report.status == ReportState.SUBMITTED
        ],
    )
    return render(request, "subventions/staff/grant.html", context)


def _pay(request: HttpRequest, grant: Grant) -> HttpResponse:
    instalment: Instalment = _posted(request, grant.instalments.all(), "instalment")
    try:
        services.pay_instalment(instalment, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Le versement de %(amount)s € prévu le %(date)s est enregistré comme payé.")
            % {
                "amount": floatformat(instalment.amount, "-2g"),
                "date": formats.date_format(instalment.planned_on, "j F Y"),
            },
        )
    return redirect("staff_grant", grant.pk)


@staff_required
def staff_grant_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _staff_grant(pk)
    return pdf_response(render_grant_pdf(grant), _pdf_name(_("subvention"), grant))


@staff_required
def staff_grant_followup_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _staff_grant(pk)
    return pdf_response(render_followup_pdf(grant), _pdf_name(_("suivi"), grant))


# --- Staff: reports ------------------------------------------------------------------------


@staff_required
def staff_report(request: HttpRequest, pk: int) -> HttpResponse:
    """A report to examine: validate it, or send it back with what must be corrected."""
    report = get_object_or_404(
        Report.objects.select_related(*REPORT_RELATED, "submitted_by", "reviewed_by"), pk=pk
    )
    grant = report.grant_indicator.grant
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "validate":
        return _validate(request, report)
    form = CorrectionForm(request.POST if action == "correct" else None)
    if action == "correct" and form.is_valid():
        try:
            services.request_correction(report, message=form.cleaned_data["message"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Le rapport est renvoyé à l'organisation avec votre message."))
            return redirect("staff_grant", grant.pk)
    reports = list(report.grant_indicator.reports.order_by("due_date", "pk"))
    context = {
        "report": report,
        "grant": grant,
        "form": form,
        "chart": indicator_chart(report.grant_indicator, reports),
        "period_baseline": report.grant_indicator.period_baseline,
    }
    return render(request, "subventions/staff/report.html", context)


def _validate(request: HttpRequest, report: Report) -> HttpResponse:
    try:
        services.validate_report(report, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("staff_report", report.pk)
    messages.success(request, _("Le rapport est validé."))
    return redirect("staff_grant", report.grant_indicator.grant_id)


@staff_required
def staff_report_evidence(request: HttpRequest, pk: int) -> FileResponse:
    return _evidence_response(get_object_or_404(Report, pk=pk))


# --- Staff: programmes ---------------------------------------------------------------------


@staff_required
def staff_programmes(request: HttpRequest) -> HttpResponse:
    awarded = Q(grants__status__in=SHOWN_STATUSES)
    programmes = Programme.objects.annotate(
        grant_count=Count("grants", filter=awarded), committed=Sum("grants__amount", filter=awarded)
    ).prefetch_related("indicators")
    return render(request, "subventions/staff/programmes.html", {"programmes": programmes})


@staff_required
def staff_programme_new(request: HttpRequest) -> HttpResponse:
    return _programme_page(request, Programme())


@staff_required
def staff_programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _programme_page(request, get_object_or_404(Programme, pk=pk))


def _programme_page(request: HttpRequest, programme: Programme) -> HttpResponse:
    is_new = programme.pk is None
    data = request.POST if request.method == "POST" else None
    form = ProgrammeForm(data, instance=programme)
    rules = CriterionRuleFormSet(data, instance=programme, prefix="regles")
    if data is not None and form.is_valid() and rules.is_valid():
        with transaction.atomic():
            programme = form.save()
            rules.instance = programme
            rules.save()
            AuditEntry.record(
                request.user,
                "programme.create" if is_new else "programme.update",
                programme,
                fields=form.changed_data,
                rules=[[r.criterion.code, str(r.minimum)] for r in programme.criterion_rules.all()],
            )
        messages.success(request, _("Le dispositif « %(name)s » est enregistré.") % {"name": programme.name})
        return redirect("staff_programmes")
    context = {"form": form, "rules": rules, "programme": None if is_new else programme}
    return render(request, "subventions/staff/programme_form.html", context)


# --- Staff: dashboard ----------------------------------------------------------------------


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


def _dashboard_reports(filters: dict, today: date) -> QuerySet[Report]:
    """The reports of awarded grants that the filters select, the late ones first."""
    reports = Report.objects.filter(grant_indicator__grant__status__in=SHOWN_STATUSES)
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


def _summary(reports: list[Report], key: Callable[[Report], str]) -> list[SummaryRow]:
    counts: dict[str, Counter] = {}
    for report in reports:
        counts.setdefault(key(report), Counter())[report.state] += 1
    rows = [SummaryRow(name, [count[state] for state in STATE_ORDER]) for name, count in counts.items()]
    return sorted(rows, key=lambda row: (-row.counts[0], row.name))


def _dashboard_charts(selection: list[Report], shown: list[Report]) -> list[DashboardChart]:
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


@staff_required
def staff_grants_dashboard(request: HttpRequest) -> HttpResponse:
    """Reports by state per programme and per organisation, late first, with the charts of
    the indicators shown. A constant number of queries: everything comes from one list."""
    today = timezone.localdate()
    form = DashboardFilterForm(request.GET or None)
    filters = form.filters()
    selection = list(_dashboard_reports(filters, today))
    state = filters.get("etat")
    shown = [report for report in selection if report.state == state] if state else selection
    indicator_count = len({report.grant_indicator_id for report in shown})
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "states": [ReportState(state).label for state in STATE_ORDER],
        "by_programme": _summary(shown, lambda report: report.grant_indicator.grant.programme.name),
        "by_organisation": _summary(shown, lambda report: report.grant_indicator.grant.organisation.name),
        "page": Paginator(shown, DASHBOARD_PAGE).get_page(request.GET.get("page")),
        "count": len(shown),
        "charts": _dashboard_charts(selection, shown),
        "charts_left_out": max(indicator_count - CHART_LIMIT, 0),
        "export_url": reverse("staff_grants_dashboard_csv") + (f"?{params.urlencode()}" if params else ""),
    }
    return render(request, "subventions/staff/dashboard.html", context)


class _Echo:
    """A file-like object whose write returns what it was given, so csv.writer makes lines."""

    def write(self, value: str) -> str:
        return value


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def _dashboard_lines(reports: QuerySet[Report], header: list[str], labels: dict[str, str]) -> Iterator[str]:
    writer = csv.writer(_Echo())
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


@staff_required
def staff_grants_dashboard_csv(request: HttpRequest) -> HttpResponse:
    """The reports the dashboard shows with the same filters, as CSV, read as it is sent."""
    form = DashboardFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return redirect(reverse("staff_grants_dashboard") + f"?{request.GET.urlencode()}")
    today = timezone.localdate()
    filters = form.filters()
    reports = _dashboard_reports(filters, today)
    if "etat" in filters:
        reports = reports.in_state(filters["etat"], today)
    # Evaluated now, in the reader's language: the rows are written after the view has returned.
    labels = {value: str(label) for value, label in ReportState.choices}
    response = StreamingHttpResponse(
        _dashboard_lines(reports, DASHBOARD_COLUMNS, labels), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="rapports-{today.isoformat()}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Staff: equity stakes in SCICs -----------------------------------------------------------


@staff_required
def staff_stakes(request: HttpRequest) -> HttpResponse:
    stakes = EquityStake.objects.select_related("organisation")
    return render(request, "subventions/staff/stakes.html", {"stakes": stakes})


@staff_required
def staff_stake_new(request: HttpRequest) -> HttpResponse:
    form = EquityStakeForm(request.POST or None)
    form.required_css_class = "required"  # the asterisk of the fields to fill
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            stake = form.save()
            AuditEntry.record(
                request.user,
                "stake.create",
                stake,
                share=str(stake.share),
                acquired_on=str(stake.acquired_on),
            )
        messages.success(request, _("La participation au capital de %(name)s est enregistrée.") % {
            "name": stake.organisation.name
        })  # fmt: skip
        return redirect("staff_stakes")
    return render(request, "subventions/staff/stake_form.html", {"form": form})


# --- The organisation's members --------------------------------------------------------------


def _member_grant(request: HttpRequest, slug: str, pk: int) -> Grant:
    """A grant of the user's organisation, once awarded: 404 for everyone else."""
    organisation, _membership = get_organisation_for_user(request, slug)
    grant = get_object_or_404(
        organisation.grants.filter(status__in=SHOWN_STATUSES).select_related("programme"), pk=pk
    )
    grant.organisation = organisation
    return grant


def _member_report(request: HttpRequest, slug: str, pk: int, report_pk: int) -> Report:
    grant = _member_grant(request, slug, pk)
    report = get_object_or_404(
        Report.objects.filter(grant_indicator__grant=grant).select_related("grant_indicator__indicator"),
        pk=report_pk,
    )
    report.grant_indicator.grant = grant
    return report


@login_required
def organisation_grants(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's grants and the reports it has to hand in, the late ones first."""
    organisation, _membership = get_organisation_for_user(request, slug)
    grants = organisation.grants.filter(status__in=SHOWN_STATUSES).select_related("programme")
    pending = (
        Report.objects.filter(
            grant_indicator__grant__organisation=organisation,
            grant_indicator__grant__status=Status.AWARDED,
            status__in=REPORTABLE,
        )
        .select_related("grant_indicator__indicator", "grant_indicator__grant__programme")
        .late_first("due_date", "pk")
    )
    context = {"organisation": organisation, "grants": grants, "pending": pending}
    return render(request, "subventions/member/grants.html", context)


@login_required
def member_grant(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    grant = _member_grant(request, slug, pk)
    return render(request, "subventions/member/grant.html", grant_context(grant))


@login_required
def member_grant_followup_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    grant = _member_grant(request, slug, pk)
    return pdf_response(render_followup_pdf(grant), _pdf_name(_("suivi"), grant))


def _may_report(report: Report) -> bool:
    return (
        report.status in REPORTABLE
        and report.grant_indicator.grant.status == Status.AWARDED
        and report.period_start <= timezone.localdate()
    )


@login_required
def member_report(request: HttpRequest, slug: str, pk: int, report_pk: int) -> HttpResponse:
    """The value of one period, its comment and its evidence; the Region's message when it
    asked for a correction."""
    report = _member_report(request, slug, pk, report_pk)
    grant = report.grant_indicator.grant
    initial = {"value": report.value, "comment": report.comment}
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial)
    form.required_css_class = "required"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.submit_report(
                report,
                value=data["value"],
                comment=data["comment"],
                evidence=data["evidence"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Votre rapport est remis : la Région va l'examiner."))
            return redirect("member_grant", slug, grant.pk)
    context = {
        "report": report,
        "grant": grant,
        "organisation": grant.organisation,
        "form": form,
        "may_report": _may_report(report),
    }
    return render(request, "subventions/member/report.html", context)


@login_required
def member_report_evidence(request: HttpRequest, slug: str, pk: int, report_pk: int) -> FileResponse:
    return _evidence_response(_member_report(request, slug, pk, report_pk))


# --- Open data: the SCDL file ------------------------------------------------------------------

LICENCE = "Licence Ouverte / Open Licence version 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
# Years a CSV may be asked for: a date lookup outside them would fail.
FIRST_YEAR, LAST_YEAR = 1900, 9999


def _scdl_years() -> list[int]:
    days = (
        Grant.objects.filter(status__in=SHOWN_STATUSES)
        .exclude(convention_date=None)
        .dates("convention_date", "year", order="DESC")
    )
    return [day.year for day in days]


@require_safe
@cache_control(no_cache=True)
def open_data_grants(request: HttpRequest) -> HttpResponse:
    """The SCDL file of the grants, year by year, and what its columns hold."""
    years = _scdl_years() or [timezone.localdate().year]
    form = YearForm(request.GET or None, years=years)
    year = form.cleaned_data["annee"] if form.is_bound and form.is_valid() else years[0]
    context = {
        "form": form,
        "year": year,
        "count": scdl.grants_of_year(year).count(),
        "fields": scdl.FIELDS.items(),
        "attributing_name": settings.SCDL_ATTRIBUTING_NAME,
        "schema_url": scdl.SCHEMA_URL,
        "schema_version": scdl.SCHEMA_VERSION,
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        # A copy of the audit trail's head, held by whoever reads or archives the page.
        "audit_head": audit.head(),
    }
    return render(request, "subventions/open_data.html", context)


@require_safe
@cache_control(no_cache=True)
def open_data_grants_csv(request: HttpRequest, year: int) -> StreamingHttpResponse:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    response = StreamingHttpResponse(scdl.scdl_lines(year), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="subventions-{year}.csv"'
    # Open data: any web page may read it (no credentials are involved).
    response["Access-Control-Allow-Origin"] = "*"
    return response
