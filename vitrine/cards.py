"""The cards of the list of organisations, written here rather than in the list's template.

A page of 24 cards and their 120 offers is the list page's largest part: through the
template (a loop over model instances and their offers) it was the costliest part of the
render, and building the model instances cost more again (docs/performance.md). Here: two queries
of plain values (the organisations of the page by id, their offers), and each card written
once with html.escape, which is what Django's escape() calls. The markup is the one the
template had; the page's other parts stay in templates/vitrine/list.html.
"""

from dataclasses import dataclass
from html import escape
from typing import NamedTuple

from django.core.files.storage import default_storage
from django.db import connection
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from solidaire.models import Commune, LegalForm, Offer, OfferCategory, Organisation, Sector
from vitrine.paths import path_maker

SUMMARY_CHARS = 320  # a summary is all a card shows: no need to fetch 5,000 characters each
SUMMARY_WORDS = 28

# The two queries of a page of cards, written out: building them through the ORM cost several
# times more CPU than the database took to answer them (docs/performance.md). Plain SQL that
# SQLite and PostgreSQL both read; the tables are the models'. Listed organisations only,
# even between the page's ids and these rows. Their columns are those of CardRow and OfferRow.
ORGANISATIONS_SQL = """
    SELECT o.id, o.slug, o.legal_name, o.usual_name, o.logo, c.name, c.departement_id,
           s.name, s.name_en, f.name, f.name_en, SUBSTR(o.description, 1, {summary})
    FROM {organisation} o
    JOIN {commune} c ON c.insee = o.commune_id
    JOIN {sector} s ON s.id = o.sector_id
    JOIN {legal_form} f ON f.id = o.legal_form_id
    WHERE o.status = %s AND o.id IN ({ids})
"""
OFFERS_SQL = """
    SELECT o.organisation_id, o.id, o.name, o.photo, c.name, c.name_en
    FROM {offer} o JOIN {category} c ON c.id = o.category_id
    WHERE o.organisation_id IN ({ids})
    ORDER BY o.name, o.id
"""


class CardRow(NamedTuple):
    """An organisation as its card shows it: a row of ORGANISATIONS_SQL."""

    pk: int
    slug: str
    legal_name: str
    usual_name: str
    logo: str
    commune: str
    departement: str
    sector: str
    sector_en: str
    legal_form: str
    legal_form_en: str
    summary: str  # the first SUMMARY_CHARS characters of the description


class OfferRow(NamedTuple):
    """An offer as a card lists it: a row of OFFERS_SQL."""

    organisation_id: int
    pk: int
    name: str
    photo: str
    category: str
    category_en: str


def _fetch(sql: str, ids: list[int], *params: str) -> list[tuple]:
    tables = {
        "organisation": Organisation._meta.db_table,
        "commune": Commune._meta.db_table,
        "sector": Sector._meta.db_table,
        "legal_form": LegalForm._meta.db_table,
        "offer": Offer._meta.db_table,
        "category": OfferCategory._meta.db_table,
    }
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ids=placeholders, summary=SUMMARY_CHARS, **tables), [*params, *ids])
        return cursor.fetchall()


@dataclass(frozen=True)
class Card:
    name: str
    html: SafeString


def cards(ids: list[int]) -> list[Card]:
    """The cards of the organisations `ids`, in that order, in two queries."""
    english = get_language() == "en"
    organisation_path = path_maker("vitrine:organisation", str)
    rows = _fetch(ORGANISATIONS_SQL, ids, Organisation.Status.LISTED.value) if ids else []
    by_id = {row.pk: row for row in map(CardRow._make, rows)}
    offers = _offers(by_id, english)
    title = escape(_("Produits et services :"))
    result = []
    for pk in ids:
        if pk not in by_id:  # delisted between the two queries
            continue
        row = by_id[pk]
        name = row.usual_name or row.legal_name
        url = organisation_path(row.slug)
        items, photo = offers.get(pk, ("", ""))
        meta = " · ".join(
            [
                row.sector_en if english and row.sector_en else row.sector,
                row.legal_form_en if english and row.legal_form_en else row.legal_form,
                f"{row.commune} ({row.departement})",
            ]
        )
        parts = [
            '<li class="org-card"><div class="org-card-body">',
            f'<h3><a href="{escape(url)}">{escape(name)}</a></h3>',
            f'<p class="org-meta">{escape(meta)}</p>',
            f"<p>{escape(_words(row.summary))}</p>",
        ]
        if items:
            parts += [
                f'<p class="offers-title" id="offres-{pk}">{title}</p>',
                f'<ul class="offer-tags" aria-labelledby="offres-{pk}">{items}</ul>',
            ]
        parts.append("</div>")
        if photo:
            image = escape(default_storage.url(photo))
            parts.append(
                f'<img class="org-card-image" src="{image}" alt="" loading="lazy" width="320" height="200">'
            )
        elif row.logo:
            image = escape(default_storage.url(row.logo))
            parts.append(f'<img class="org-card-image org-card-logo" src="{image}" alt="" loading="lazy">')
        parts.append("</li>")
        html = mark_safe("".join(parts))  # noqa: S308 - every value goes through html.escape above
        result.append(Card(name, html))
    return result


def _words(text: str) -> str:
    """The first SUMMARY_WORDS words of `text` and " …" if it has more: what the template
    filter truncatewords gives, without the lazy object of Truncator.words that it builds
    for every card."""
    words = text.split()
    if len(words) > SUMMARY_WORDS:
        return " ".join(words[:SUMMARY_WORDS]) + " …"
    return " ".join(words)


def _offers(organisations: dict[int, CardRow], english: bool) -> dict[int, tuple[str, str]]:
    """For each organisation: the list items of its offers, and the first photo among them."""
    offer_path = path_maker("vitrine:offer", str, int)
    items: dict[int, list[str]] = {}
    photos: dict[int, str] = {}
    rows = _fetch(OFFERS_SQL, list(organisations)) if organisations else []
    for offer in map(OfferRow._make, rows):
        url = offer_path(organisations[offer.organisation_id].slug, offer.pk)
        label = offer.category_en if english and offer.category_en else offer.category
        items.setdefault(offer.organisation_id, []).append(
            f'<li><a href="{escape(url)}">{escape(offer.name)}</a> '
            f'<span class="hint">({escape(label)})</span></li>'
        )
        if offer.photo:
            photos.setdefault(offer.organisation_id, offer.photo)
    return {pk: ("".join(lines), photos.get(pk, "")) for pk, lines in items.items()}
