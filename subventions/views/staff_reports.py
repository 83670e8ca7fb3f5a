"""Regional staff: a report to examine, validated or sent back for correction."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from solidaire.lib.access import staff_required
from solidaire.lib.http import AuthenticatedHttpRequest
from subventions import services
from subventions.forms import CorrectionForm
from subventions.models import REPORT_RELATED, Report
from subventions.pdf import indicator_chart
from subventions.views.files import evidence_response


@staff_required
def staff_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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


def _validate(request: AuthenticatedHttpRequest, report: Report) -> HttpResponse:
    try:
        services.validate_report(report, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("staff_report", report.pk)
    messages.success(request, _("Le rapport est validé."))
    return redirect("staff_grant", report.grant_indicator.grant_id)


@staff_required
def staff_report_evidence(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    return evidence_response(get_object_or_404(Report, pk=pk))
