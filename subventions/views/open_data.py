"""Open data: the grants in the SCDL format, year by year, for everyone."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from subventions import scdl
from subventions.forms import YearForm
from subventions.models import Grant

SCDL_SCHEMA_URL = "https://schema.data.gouv.fr/scdl/subventions/"
LICENCE = "Licence Ouverte / Open Licence version 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
# Years a CSV may be asked for: a date lookup outside them would fail.
FIRST_YEAR, LAST_YEAR = 1900, 9999
SCDL_FIELDS = {
    "nomAttribuant": gettext_lazy("Le nom de la collectivité qui attribue la subvention."),
    "idAttribuant": gettext_lazy("Son numéro SIRET (14 chiffres)."),
    "dateConvention": gettext_lazy("La date de signature de la convention (AAAA-MM-JJ)."),
    "referenceDecision": gettext_lazy("La référence de la décision d'attribution (délibération, arrêté)."),
    "nomBeneficiaire": gettext_lazy("La raison sociale du bénéficiaire."),
    "idBeneficiaire": gettext_lazy("Son numéro SIRET (14 chiffres)."),
    "objet": gettext_lazy("L'objet de la subvention."),
    "montant": gettext_lazy("Le montant total en euros, avec un point décimal : 24000.00."),
    "nature": gettext_lazy("« aide en numéraire » ou « aide en nature »."),
    "conditionsVersement": gettext_lazy("« unique », « échelonné » ou « autre »."),
    "datesPeriodeVersement": gettext_lazy(
        "La date du versement unique, ou les dates du premier et du dernier versement : "
        "AAAA-MM-JJ/AAAA-MM-JJ."
    ),
    "idRAE": gettext_lazy("Le numéro de l'aide au Répertoire des aides aux entreprises, s'il y en a un."),
    "notificationUE": gettext_lazy(
        "« oui » si l'aide a été notifiée à la Commission européenne, sinon « non »."
    ),
    "pourcentageSubvention": gettext_lazy(
        "La part de la subvention que reçoit le bénéficiaire : 1.00, toute."
    ),
}


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
        "fields": [(column, SCDL_FIELDS[column]) for column in scdl.COLUMNS],
        "attributing_name": settings.SCDL_ATTRIBUTING_NAME,
        "schema_url": SCDL_SCHEMA_URL,
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
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
