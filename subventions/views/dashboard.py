"""Regional staff: the dashboard of the reports, and its CSV. What it shows is gathered by
subventions.dashboard."""

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from solidaire.lib.access import staff_required
from solidaire.lib.http import AuthenticatedHttpRequest
from subventions.dashboard import (
    CHART_LIMIT,
    DASHBOARD_COLUMNS,
    STATE_ORDER,
    dashboard_charts,
    dashboard_lines,
    dashboard_reports,
    summary,
)
from subventions.forms import DashboardFilterForm
from subventions.models import ReportState

DASHBOARD_PAGE = 100


@staff_required
def staff_grants_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Reports by state per programme and per organisation, late first, with the charts of
    the indicators shown. A constant number of queries: everything comes from one list."""
    today = timezone.localdate()
    form = DashboardFilterForm(request.GET or None)
    filters = form.filters()
    selection = list(dashboard_reports(filters, today))
    state = filters.get("etat")
    shown = [report for report in selection if report.state == state] if state else selection
    indicator_count = len({report.grant_indicator_id for report in shown})
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "states": [ReportState(state).label for state in STATE_ORDER],
        "by_programme": summary(shown, lambda report: report.grant_indicator.grant.programme.name),
        "by_organisation": summary(shown, lambda report: report.grant_indicator.grant.organisation.name),
        "page": Paginator(shown, DASHBOARD_PAGE).get_page(request.GET.get("page")),
        "count": len(shown),
        "charts": dashboard_charts(selection, shown),
        "charts_left_out": max(indicator_count - CHART_LIMIT, 0),
        "export_url": reverse("staff_grants_dashboard_csv") + (f"?{params.urlencode()}" if params else ""),
    }
    return render(request, "subventions/staff/dashboard.html", context)


@staff_required
def staff_grants_dashboard_csv(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The reports the dashboard shows with the same filters, as CSV, read as it is sent."""
    form = DashboardFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return redirect(reverse("staff_grants_dashboard") + f"?{request.GET.urlencode()}")
    today = timezone.localdate()
    filters = form.filters()
    reports = dashboard_reports(filters, today)
    if "etat" in filters:
        reports = reports.in_state(filters["etat"], today)
    # Evaluated now, in the reader's language: the rows are written after the view has returned.
    labels = {value: str(label) for value, label in ReportState.choices}
    response = StreamingHttpResponse(
        dashboard_lines(reports, DASHBOARD_COLUMNS, labels), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="rapports-{today.isoformat()}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
