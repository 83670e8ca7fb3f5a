"""The organisation's members: its grants, once awarded, and the indicator reports it hands in.
Another organisation's grant or report is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from solidaire.lib.access import get_organisation_for_user
from solidaire.lib.http import AuthenticatedHttpRequest
from solidaire.lib.pdf import pdf_response
from subventions import services
from subventions.forms import ReportForm
from subventions.models import Grant, Report
from subventions.pdf import grant_context, render_followup_pdf
from subventions.views.files import evidence_response, pdf_name

Status = Grant.Status


def _member_grant(request: AuthenticatedHttpRequest, slug: str, pk: int) -> Grant:
    """A grant of the user's organisation, once awarded: 404 for everyone else."""
    organisation, _membership = get_organisation_for_user(request, slug)
    grant = get_object_or_404(
        organisation.grants.filter(status__in=Grant.SHOWN_STATUSES).select_related("programme"), pk=pk
    )
    grant.organisation = organisation
    return grant


def _member_report(request: AuthenticatedHttpRequest, slug: str, pk: int, report_pk: int) -> Report:
    grant = _member_grant(request, slug, pk)
    report = get_object_or_404(
        Report.objects.filter(grant_indicator__grant=grant).select_related("grant_indicator__indicator"),
        pk=report_pk,
    )
    report.grant_indicator.grant = grant
    return report


@login_required
def organisation_grants(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The organisation's grants and the reports it has to hand in, the late ones first."""
    organisation, _membership = get_organisation_for_user(request, slug)
    grants = organisation.grants.filter(status__in=Grant.SHOWN_STATUSES).select_related("programme")
    pending = (
        Report.objects.awaited()
        .filter(
            grant_indicator__grant__organisation=organisation, grant_indicator__grant__status=Status.AWARDED
        )
        .select_related("grant_indicator__indicator", "grant_indicator__grant__programme")
        .late_first("due_date", "pk")
    )
    context = {"organisation": organisation, "grants": grants, "pending": pending}
    return render(request, "subventions/member/grants.html", context)


@login_required
def member_grant(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    grant = _member_grant(request, slug, pk)
    return render(request, "subventions/member/grant.html", grant_context(grant))


@login_required
def member_grant_followup_pdf(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    grant = _member_grant(request, slug, pk)
    return pdf_response(render_followup_pdf(grant), pdf_name(_("suivi"), grant))


@login_required
def member_report(request: AuthenticatedHttpRequest, slug: str, pk: int, report_pk: int) -> HttpResponse:
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
    }
    return render(request, "subventions/member/report.html", context)


@login_required
def member_report_evidence(
    request: AuthenticatedHttpRequest, slug: str, pk: int, report_pk: int
) -> FileResponse:
    return evidence_response(_member_report(request, slug, pk, report_pk))
