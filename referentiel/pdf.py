"""What the summary, the result page and the PDF report of an assessment show,
and the PDF itself, rendered once per language and kept in the private storage
(a completed assessment never changes)."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import translation

from referentiel import services
from referentiel.charts import radar_for
from referentiel.models import Assessment
from solidaire.lib.pdf import render_pdf


def scores_context(assessment: Assessment) -> dict:
    """Scores per domain, the radar and what the gaps need to name their criteria."""
    domains = services.domains_of(assessment)
    result = services.current_result(assessment)
    by_code = {d.code: d for d in result.domains}
    return {
        "assessment": assessment,
        "organisation": assessment.organisation,
        "domains": domains,
        "result": result,
        "domain_rows": [(domain, by_code[domain.code]) for domain in domains],
        "criteria_by_code": {c.code: c for d in domains for c in d.criteria.all()},
        "radar": radar_for(domains, result),
    }


def report_name(assessment: Assessment, language: str) -> str:
    return f"reports/assessment-{assessment.pk}-{language}.pdf"


def report_pdf(assessment: Assessment, language: str) -> bytes:
    """The stored report, rendered now if the background job has not done it yet."""
    storage, name = storages["private"], report_name(assessment, language)
    if storage.exists(name):
        with storage.open(name) as stored:
            return stored.read()
    with translation.override(language):
        context = scores_context(assessment)
        context["answers"] = services.answers_of(assessment)
        pdf = render_pdf("referentiel/pdf/assessment_report.html", context)
    if not storage.exists(name):
        storage.save(name, ContentFile(pdf))
    return pdf


def render_reports(assessment: Assessment) -> None:
    for language, _name in settings.LANGUAGES:
        report_pdf(assessment, language)
