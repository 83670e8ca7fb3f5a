"""Open data: the grants in the SCDL format, year by year, for everyone."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from solidaire import audit
from subventions import scdl
from subventions.forms import YearForm
from subventions.models import Grant

LICENCE = "Licence Ouverte / Open Licence version 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
# Years a CSV may be asked for: a date lookup outside them would fail.
FIRST_YEAR, LAST_YEAR = 1900, 9999


def _scdl_years() -> list[int]:
    days = (
        Grant.objects.filter(status__in=Grant.SHOWN_STATUSES)
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
