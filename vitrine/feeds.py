"""Atom feed of the organisations newly listed on the showcase."""

from datetime import datetime, time
from typing import TYPE_CHECKING, TypedDict

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.db.models.functions import Left
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from solidaire.models import Organisation
from vitrine.filters import ORDERINGS, Sort, listed_organisations
from vitrine.jsonld import absolute

ENTRIES = 50
SUMMARY_CHARS = 500

if TYPE_CHECKING:  # django-stubs-ext, a development dependency, types what a query annotates
    from django_stubs_ext import WithAnnotations

    class _Summary(TypedDict):
        summary: str

    # An organisation as the feed's query reads it: with its summary.
    Entry = WithAnnotations[Organisation, _Summary]


class NewlyListedFeed(Feed):
    """The 50 latest listed organisations, newest listing first. Addresses are absolute
    from SITE_URL, so that the feed is the same whatever host it was asked from."""

    feed_type = Atom1Feed
    title = _("Solidaire : les organisations nouvellement référencées")
    subtitle = _(
        "Les dernières organisations de l'économie sociale et solidaire référencées par l'assemblée."
    )
    author_name = "Solidaire"

    def link(self) -> str:
        return absolute(reverse("vitrine:list"))

    def feed_url(self) -> str:
        return absolute(reverse("vitrine:feed"))

    def items(self) -> "QuerySet[Entry]":
        return (
            listed_organisations()
            .select_related("commune", "sector")
            .only(
                "slug",
                "legal_name",
                "usual_name",
                "listed_since",
                "updated_at",
                "commune__name",
                "sector__name",
                "sector__name_en",
            )
            .annotate(summary=Left("description", SUMMARY_CHARS))
            .order_by(*ORDERINGS[Sort.NEWEST])[:ENTRIES]
        )

    def item_title(self, item: Organisation) -> str:
        return f"{item.name} ({item.commune.name})"

    def item_description(self, item: "Entry") -> str:
        # Atom writes the summary as type="html": the organisation's text is
        # escaped so that a reader renders it as text, never as markup.
        return escape(item.summary)

    def item_link(self, item: Organisation) -> str:
        return absolute(reverse("vitrine:organisation", args=[item.slug]))

    def item_pubdate(self, item: Organisation) -> datetime | None:
        if item.listed_since is None:
            return None
        return datetime.combine(item.listed_since, time.min, tzinfo=timezone.get_current_timezone())

    def item_updateddate(self, item: Organisation) -> datetime:
        return item.updated_at

    def item_categories(self, item: Organisation) -> list[str]:
        return [str(item.sector)]
