"""The files the subsidies pages send: a report's evidence, and the names of the PDFs."""

from django.http import FileResponse, Http404

from subventions.models import Grant, Report


def evidence_response(report: Report) -> FileResponse:
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


def pdf_name(prefix: str, grant: Grant) -> str:
    return f"{prefix}-{grant.organisation.slug}-{grant.pk}.pdf"
