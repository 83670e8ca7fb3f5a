"""Addresses at the root of the site, outside the language prefixes: robots.txt and the
sitemap. Included by solidaire/urls.py by name, so that the core app imports nothing of the
showcase (DESIGN §1)."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from vitrine.cache import cached_for_visitors
from vitrine.sitemaps import SITEMAPS, index
from vitrine.views import robots_txt

urlpatterns = [
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sitemap.xml", cached_for_visitors(index), name="sitemap"),
    path(
        "sitemap-<section>.xml",
        cached_for_visitors(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
]
