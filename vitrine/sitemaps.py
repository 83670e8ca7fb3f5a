"""The sitemap of the public showcase: its pages, every listed organisation and every offer
of one, in sections of at most 50,000 addresses that /sitemap.xml indexes. Addresses are
absolute from SITE_URL, whatever host the sitemap was asked from.

Rows are read as values, and each address is made from one reverse() per section: 60,000
reverse() calls would cost seconds."""

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.functional import cached_property

from solidaire.models import Offer, Organisation
from vitrine.paths import path_maker


class _OnSiteUrl(Sitemap):
    def get_domain(self, site: object = None) -> str:  # from SITE_URL, whatever the site
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"


def _reverse(name: str, args: tuple = ()) -> str:
    # The French addresses: /sitemap.xml has no language prefix, so the language active
    # there follows the visitor's browser.
    with translation.override(settings.LANGUAGE_CODE):
        return reverse(name, args=args)


def _template(name: str, *kinds: type) -> Callable[..., str]:
    with translation.override(settings.LANGUAGE_CODE):
        return path_maker(name, *kinds)


class PagesSitemap(_OnSiteUrl):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> list[str]:
        return ["home", "vitrine:list", "vitrine:map", "vitrine:open_data"]

    def location(self, item: str) -> str:
        return _reverse(item)


class OrganisationSitemap(_OnSiteUrl):
    changefreq = "weekly"
    priority = 0.6

    def items(self) -> QuerySet:
        return Organisation.objects.listed().order_by("pk").values_list("slug", "updated_at")

    @cached_property
    def _path(self) -> Callable[..., str]:
        return _template("vitrine:organisation", str)

    def location(self, item: tuple[str, datetime]) -> str:
        return self._path(item[0])

    def lastmod(self, item: tuple[str, datetime]) -> datetime:
        return item[1]

    def get_latest_lastmod(self) -> datetime | None:
        return Organisation.objects.listed().aggregate(latest=Max("updated_at"))["latest"]


class OfferSitemap(_OnSiteUrl):
    changefreq = "weekly"
    priority = 0.4

    def items(self) -> QuerySet:
        offers = Offer.objects.filter(organisation__status=Organisation.Status.LISTED).order_by("pk")
        return offers.values_list("organisation__slug", "pk", "updated_at")

    @cached_property
    def _path(self) -> Callable[..., str]:
        return _template("vitrine:offer", str, int)

    def location(self, item: tuple[str, int, datetime]) -> str:
        return self._path(item[0], item[1])

    def lastmod(self, item: tuple[str, int, datetime]) -> datetime:
        return item[2]

    def get_latest_lastmod(self) -> datetime | None:
        offers = Offer.objects.filter(organisation__status=Organisation.Status.LISTED)
        return offers.aggregate(latest=Max("updated_at"))["latest"]


SITEMAPS = {"pages": PagesSitemap, "organisations": OrganisationSitemap, "offres": OfferSitemap}


def index(request: HttpRequest) -> TemplateResponse:
    """/sitemap.xml: every page of every section, as django.contrib.sitemaps.views.index
    lists them, but from SITE_URL rather than the host of the request, and with the latest
    change of each section from one aggregate rather than from all its rows."""
    items = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        location = f"{settings.SITE_URL}{_reverse('sitemap_section', (section,))}"
        lastmod = sitemap.get_latest_lastmod()
        for page in range(1, sitemap.paginator.num_pages + 1):
            # Django annotates last_mod as a bool; it is the date of the latest change.
            item = SitemapIndexItem(location if page == 1 else f"{location}?p={page}", lastmod)  # type: ignore[arg-type]
            items.append(item)
    return TemplateResponse(request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml")
