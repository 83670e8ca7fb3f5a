"""Public pages of the showcase. They only ever show listed organisations: each query starts
from `filters.listed_organisations()`. Visitors who are not signed in are served from the
cache (vitrine.cache), whose entries any change to what they show drops at once, so that a
suspended or expired organisation disappears at once; the responses say
`Cache-Control: no-cache` so that no shared cache keeps them either."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from referentiel.charts import radar_for
from referentiel.models import Assessment, Domain
from referentiel.services import current_result
from solidaire.models import Organisation
from vitrine import exports, jsonld
from vitrine.cache import cached_for_visitors, remember
from vitrine.cards import cards
from vitrine.facets import FilterPanel, filter_panel
from vitrine.feeds import NewlyListedFeed
from vitrine.filters import (
    OrganisationFilter,
    listed_organisations,
    organisation_filter,
    select_organisations,
)

PAGE_SIZE = 24

public = cache_control(no_cache=True)


class NarrowPaginator(Paginator):
    """Sorts and skips the ids alone, then `rows(ids)` gives the objects of the page, in
    that order. Sorting every wide row (summary, joined names) to skip 4,800 of them
    spilled to disk on page 200 (docs/performance.md); the ids sort in memory, or come in
    order from the index. Fetching the rows by id, rather than with the
    selection's filters and ordering again around the ids, saves planning that query."""

    object_list: QuerySet

    def __init__(self, object_list: QuerySet, per_page: int, rows: Callable[[list[int]], list]) -> None:
        super().__init__(object_list, per_page)
        self.rows = rows

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return Page(self.rows(ids), number, self)


def _map_settings() -> dict[str, str]:
    return {"tile_url": settings.MAP_TILE_URL, "tile_attribution": settings.MAP_TILE_ATTRIBUTION}


@dataclass(frozen=True)
class ShownPanel:
    """What the list and the map show of the filter panel of their selection (FilterPanel):
    the number selected, the criteria in use, and the form, rendered. Kept in the cache
    rather than the panel: its 300 option objects cost more to unpickle than the one string
    of the rendered form."""

    count: int
    search: str
    active: list[tuple[str, str]]
    errors: list[str]
    form: SafeString


def _shown(panel: FilterPanel) -> ShownPanel:
    form = render_to_string("vitrine/_filters.html", {"panel": panel})
    return ShownPanel(panel.count, panel.search, panel.active, panel.errors, form)


def _panel(filterset: OrganisationFilter) -> ShownPanel:
    """The filter form of the selection: the same for all its pages, its map, every visitor.
    Its queries (which give the count of the selection too) cost more than the rest of a list
    page: it is kept in the cache, unless some parameters were not understood (the errors it
    shows come from those)."""
    if filterset.form.errors:
        return _shown(filter_panel(filterset))
    return remember("panel", [filterset.params.urlencode()], lambda: _shown(filter_panel(filterset)))


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
@cached_for_visitors
def organisation_list(request: HttpRequest) -> HttpResponse:
    if response := _without_empty_fields(request):
        return response
    filterset = organisation_filter(request.GET)
    panel = _panel(filterset)
    paginator = NarrowPaginator(filterset.qs, PAGE_SIZE, cards)
    paginator.count = panel.count  # a cached_property of the paginator, given here
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filterset": filterset,
        "panel": panel,
        "params": filterset.params,
    }
    return render(request, "vitrine/list.html", context)


@require_safe
@public
@cached_for_visitors
def organisation_map(request: HttpRequest) -> HttpResponse:
    if response := _without_empty_fields(request):
        return response
    filterset = organisation_filter(request.GET)
    panel = _panel(filterset)
    context = {
        "filterset": filterset,
        "panel": panel,
        "params": filterset.params,
        "count": panel.count,
        **_map_settings(),
    }
    return render(request, "vitrine/map.html", context)


@require_safe
@public
@cached_for_visitors
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
@cached_for_visitors
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
@cached_for_visitors
def offer_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _public_organisation(slug)
    offer = get_object_or_404(organisation.offers.select_related("category"), pk=pk)
    others = organisation.offers.exclude(pk=offer.pk).order_by("name", "pk").only("name", "organisation_id")
    context = {"organisation": organisation, "offer": offer, "others": others}
    return render(request, "vitrine/offer.html", context)


@require_safe
@public
@cached_for_visitors
def open_data(request: HttpRequest) -> HttpResponse:
    """What the exports hold, in which formats, under which licence, and their addresses."""
    context = {
        "organisation_fields": exports.ORGANISATION_FIELDS,
        "csv_summary_fields": exports.CSV_OFFER_SUMMARY,
        "offer_fields": exports.OFFER_FIELDS,
        "csv_offer_fields": exports.CSV_OFFER_ORGANISATION,
        "licence": exports.LICENCE,
        "licence_url": exports.LICENCE_URL,
        "count": listed_organisations().count(),
        "site_url": settings.SITE_URL,
    }
    return render(request, "vitrine/open_data.html", context)


@require_safe
@public
@cached_for_visitors
def export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The organisations of the selection that the GET parameters of the list describe (all
    of them without any), streamed in the format `fmt` (exports.FORMATS)."""
    method, content_type, filename = exports.FORMATS[fmt]
    data = exports.Export(select_organisations(request.GET))
    response = StreamingHttpResponse(getattr(data, method)(), content_type=content_type)
    disposition = "attachment" if content_type.startswith("text/csv") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # Open data: any web page may read it (no credentials are involved).
    response["Access-Control-Allow-Origin"] = "*"
    return response


newly_listed_feed = require_safe(public(cached_for_visitors(NewlyListedFeed())))

ROBOTS = """User-agent: *
{disallow}
Allow: /

Sitemap: {sitemap}
"""
# Private areas, in every language; the exports of a selection (the whole exports stay
# open, and the open-data page links them).
PRIVATE_PREFIXES = ["/espace/", "/gestion/", "/assemblee/", "/compte/", "/admin/", "/auto-evaluations/"]


@require_safe
@cached_for_visitors
def robots_txt(request: HttpRequest) -> HttpResponse:
    prefixes = [""] + [f"/{code}" for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    lines = [f"Disallow: {prefix}{path}" for prefix in prefixes for path in PRIVATE_PREFIXES]
    lines += [f"Disallow: {prefix}/organisations/exports/*?" for prefix in prefixes]
    text = ROBOTS.format(disallow="\n".join(lines), sitemap=jsonld.absolute(reverse("sitemap")))
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


# A 5 KB answer through the whole middleware stack, and nothing else: the baseline that
# `make bench` compares the pages with. Mounted only when BENCH_BASELINE=1 (vitrine/urls.py).
BASELINE_TEXT = "Solidaire. " * 465


def bench_baseline(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BASELINE_TEXT, content_type="text/plain; charset=utf-8")
