"""Public pages of the showcase. They only ever show listed organisations: each query starts
from `filters.listed_organisations()`, and nothing here is cached, so a suspended or
expired organisation disappears at once (the responses say `Cache-Control: no-cache` so that
no shared cache keeps them either)."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.db.models.functions import Coalesce, Left
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from referentiel.charts import radar_for
from referentiel.models import Assessment, Domain
from referentiel.services import current_result
from solidaire.models import Offer, Organisation
from vitrine import jsonld
from vitrine.filters import filter_panel, listed_organisations, organisation_filter

PAGE_SIZE = 24
SUMMARY_CHARS = 320
CARD_FIELDS = [
    "slug",
    "legal_name",
    "usual_name",
    "logo",
    "listed_since",
    "commune__name",
    "commune__departement_id",
    "sector__name",
    "sector__name_en",
    "legal_form__name",
    "legal_form__name_en",
]

public = cache_control(no_cache=True)


class NarrowPaginator(Paginator):
    """Sorts and skips the ids alone, then fetches the rows of the page by id, in one query.
    Sorting every wide row (summary, joined names) to skip 4,800 of them spilled to disk on
    page 200 (60 ms at 10,000 organisations); the ids sort in memory, or come in order
    from the index."""

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)


def _map_settings() -> dict[str, str]:
    return {"tile_url": settings.MAP_TILE_URL, "tile_attribution": settings.MAP_TILE_ATTRIBUTION}


def _without_empty_fields(request: HttpRequest) -> HttpResponseRedirect | None:
    """A GET form sends its empty fields too: the redirect drops them, so that the address
    of a selection is short and the same whether it came from the form or from a link."""
    query = request.GET.copy()
    empty = [name for name, values in query.lists() if not any(value.strip() for value in values)]
    if not empty:
        return None
    for name in empty:
        del query[name]
    return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)


@require_safe
@public
def organisation_list(request: HttpRequest) -> HttpResponse:
    if response := _without_empty_fields(request):
        return response
    filterset = organisation_filter(request.GET)
    offers = Offer.objects.select_related("category").only(
        "organisation_id", "kind", "name", "photo", "category__name", "category__name_en"
    )
    organisations = (
        filterset.qs.select_related("commune", "sector", "legal_form")
        .only(*CARD_FIELDS)
        # A summary is all a card shows: no need to fetch 5,000 characters per card.
        .annotate(summary=Left("description", SUMMARY_CHARS))
        .prefetch_related(Prefetch("offers", queryset=offers.order_by("name", "pk")))
    )
    page = NarrowPaginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    for organisation in page:
        # The card shows the first photo among the offers (prefetched: no query).
        organisation.thumbnail = next(
            (offer.photo for offer in organisation.offers.all() if offer.photo), None
        )
    context = {
        "page": page,
        "filterset": filterset,
        "panel": filter_panel(filterset),
        "params": filterset.params,
    }
    return render(request, "vitrine/list.html", context)


@require_safe
@public
def organisation_map(request: HttpRequest) -> HttpResponse:
    if response := _without_empty_fields(request):
        return response
    filterset = organisation_filter(request.GET)
    context = {
        "filterset": filterset,
        "panel": filter_panel(filterset),
        "params": filterset.params,
        "count": filterset.qs.count(),
        **_map_settings(),
    }
    return render(request, "vitrine/map.html", context)


@require_safe
@public
def organisation_geojson(request: HttpRequest) -> JsonResponse:
    """The points of the selection. Coordinates fall back to the commune's point in SQL, so
    that the whole collection is one query."""
    rows = (
        organisation_filter(request.GET)
        .qs.annotate(
            lat=Coalesce("latitude", "commune__latitude"), lng=Coalesce("longitude", "commune__longitude")
        )
        .filter(lat__isnull=False, lng__isnull=False)
        .values_list(
            "slug",
            "legal_name",
            "usual_name",
            "commune__name",
            "sector__name",
            "sector__name_en",
            "lat",
            "lng",
        )
    )
    english = get_language() == "en"
    # One reverse() for all the rows: it costs more than the rest of a feature.
    url = reverse("vitrine:organisation", args=["SLUG"])
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lng, 5), round(lat, 5)]},
            "properties": {
                "name": usual_name or legal_name,
                "url": url.replace("SLUG", slug),
                "commune": commune,
                "sector": sector_en if english and sector_en else sector,
            },
        }
        for slug, legal_name, usual_name, commune, sector, sector_en, lat, lng in rows
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features},
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


def _public_organisation(slug: str) -> Organisation:
    return get_object_or_404(
        listed_organisations().select_related("commune__departement__region", "sector", "legal_form"),
        slug=slug,
    )


def _radar(organisation: Organisation) -> tuple[Assessment | None, SafeString | None]:
    """The radar of the latest completed assessment, as the référentiel draws it."""
    assessment = (
        organisation.assessments.filter(status=Assessment.Status.COMPLETED)
        .filter(result__isnull=False)
        .only("referentiel_id", "result", "completed_at")
        .order_by("-completed_at", "-pk")
        .first()
    )
    if assessment is None:
        return None, None
    domains = list(Domain.objects.filter(referentiel_id=assessment.referentiel_id).order_by("position"))
    return assessment, radar_for(domains, current_result(assessment))


@require_safe
@public
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _public_organisation(slug)
    offers = list(organisation.offers.select_related("category").order_by("name", "pk"))
    assessment, radar = _radar(organisation)
    page_url = jsonld.absolute(reverse("vitrine:organisation", args=[organisation.slug]))
    context = {
        "organisation": organisation,
        "offers": offers,
        "assessment": assessment,
        "radar": radar,
        "jsonld": jsonld.script(jsonld.organisation_data(organisation, offers, page_url)),
        **_map_settings(),
    }
    return render(request, "vitrine/organisation.html", context)


@require_safe
@public
def offer_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _public_organisation(slug)
    offer = get_object_or_404(organisation.offers.select_related("category"), pk=pk)
    others = organisation.offers.exclude(pk=offer.pk).order_by("name", "pk").only("name", "organisation_id")
    context = {"organisation": organisation, "offer": offer, "others": others}
    return render(request, "vitrine/offer.html", context)
