"""The list of listed organisations: filters, sorting, pagination, URLs, queries."""

import re
from datetime import date
from urllib.parse import urljoin

import pytest
from django.db import connection
from django.urls import reverse

from solidaire.models import LegalForm, Organisation, Sector, record_domains_met
from tests.vitrine.conftest import add_offer, make_listed
from vitrine.cards import cards
from vitrine.filters import select_organisations

LIST = reverse("vitrine:list")


def listed_names(client, **params) -> list[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [organisation.name for organisation in response.context["page"]]


def test_the_list_shows_only_listed_organisations(client, showcase, hidden) -> None:
    assert listed_names(client) == [
        "Cinéma des Canuts",
        "Épicerie solidaire de Brest",
        "Repair Café de Rennes",
    ]


def test_a_search_never_finds_an_organisation_that_is_not_listed(client, showcase, hidden) -> None:
    assert listed_names(client, q="cachée") == []


def test_each_card_shows_the_offers_of_the_organisation(client, epicerie) -> None:
    response = client.get(LIST)

    offer = epicerie.offers.get()
    assert reverse("vitrine:offer", args=[epicerie.slug, offer.pk]) in response.text
    assert "Réparation de vélos" in response.text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "53"}, ["Épicerie solidaire de Brest", "Repair Café de Rennes"]),
        ({"region": "84"}, ["Cinéma des Canuts"]),
        ({"departement": "29"}, ["Épicerie solidaire de Brest"]),
        ({"commune": "35238"}, ["Repair Café de Rennes"]),
        ({"filiere": "culture"}, ["Cinéma des Canuts"]),
        ({"forme": "association"}, ["Cinéma des Canuts", "Épicerie solidaire de Brest"]),
        ({"categorie": "transport"}, ["Épicerie solidaire de Brest"]),
        ({"region": "53", "forme": "association"}, ["Épicerie solidaire de Brest"]),
        ({"q": "réparation", "region": "53"}, ["Épicerie solidaire de Brest"]),
        ({"filiere": "mobilite"}, []),
    ],
)
def test_each_filter_narrows_the_list(client, showcase, params: dict, expected: list[str]) -> None:
    assert listed_names(client, **params) == expected


def test_the_domain_filter_keeps_the_organisations_that_meet_every_domain_chosen(client, showcase) -> None:
    repair_cafe, epicerie, _cinema = showcase
    record_domains_met(repair_cafe.pk, ["gouvernance", "environnement"])
    record_domains_met(epicerie.pk, ["gouvernance"])

    assert listed_names(client, domaine="gouvernance") == [
        "Épicerie solidaire de Brest",
        "Repair Café de Rennes",
    ]
    assert listed_names(client, domaine=["gouvernance", "environnement"]) == ["Repair Café de Rennes"]


def test_a_filter_that_is_not_understood_is_ignored_and_said_so(client, showcase) -> None:
    response = client.get(LIST, {"departement": "<script>", "tri": "au-hasard", "page": "x"})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 3
    assert "Code de département invalide." in response.text
    assert "<script>" not in response.text


def test_the_list_is_sorted_by_name_without_accents_first_by_default(client, showcase) -> None:
    assert listed_names(client)[:2] == ["Cinéma des Canuts", "Épicerie solidaire de Brest"]


def test_the_list_can_show_the_newest_listings_first(client, showcase) -> None:
    assert listed_names(client, tri="recent") == [
        "Cinéma des Canuts",
        "Repair Café de Rennes",
        "Épicerie solidaire de Brest",
    ]


def test_a_search_is_sorted_by_relevance_unless_asked_otherwise(client, showcase) -> None:
    assert listed_names(client, q="réparation") == ["Épicerie solidaire de Brest", "Cinéma des Canuts"]
    assert listed_names(client, q="réparation", tri="nom") == [
        "Cinéma des Canuts",
        "Épicerie solidaire de Brest",
    ]


def test_the_list_shows_24_organisations_a_page(client, rennes) -> None:
    for n in range(30):
        make_listed(f"Organisation {n:02d}", commune=rennes)

    first, second = listed_names(client), listed_names(client, page=2)

    assert len(first) == 24
    assert second == [f"Organisation {n}" for n in range(24, 30)]


def test_the_page_links_keep_the_selection(client, rennes) -> None:
    for n in range(30):
        make_listed(f"Organisation {n:02d}", commune=rennes)

    response = client.get(LIST, {"departement": "35", "q": "organisation"})

    assert 'href="?q=organisation&amp;departement=35&amp;page=2" rel="next"' in response.text


def test_every_state_of_the_list_is_a_plain_get_form_that_needs_no_javascript(client, showcase) -> None:
    response = client.get(LIST)

    # Without an action, the form sends to the page that shows it (the list, or the map).
    assert '<form method="get" class="filter-form"' in response.text
    assert '<button type="submit" class="button">Afficher les résultats</button>' in response.text
    assert "<script" not in response.text


@pytest.mark.parametrize("page", [LIST, reverse("vitrine:map")])
def test_the_form_clears_its_criteria_on_the_page_that_shows_it(client, showcase, page: str) -> None:
    """The form is rendered once for the list and the map: its link without criteria is
    relative, and leads each page back to itself."""
    response = client.get(page, {"filiere": "culture"})

    link = re.search(r'<a href="([^"]*)">Effacer les critères</a>', response.text)
    assert link and urljoin(f"{page}?filiere=culture", link.group(1)) == page
    assert "Effacer les critères" not in client.get(page).text


def test_the_empty_fields_of_the_form_are_left_out_of_the_address(client, showcase) -> None:
    response = client.get(LIST, {"q": "vélos", "region": "", "departement": "29", "tri": "", "forme": ""})

    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?q=v%C3%A9los&departement=29"


def test_the_form_shows_the_chosen_filters_and_the_counts(client, showcase) -> None:
    response = client.get(LIST, {"filiere": "alimentation", "q": "épicerie"})

    assert (
        '<option value="alimentation" selected>Alimentation et agriculture durable (1)</option>'
        in response.text
    )
    assert '<option value="29">29 – Département 29 (1)</option>' in response.text
    assert 'value="épicerie"' in response.text


def test_each_filter_in_use_links_to_the_list_without_it(client, showcase) -> None:
    response = client.get(LIST, {"filiere": "culture", "departement": "69"})

    assert f'href="{LIST}?departement=69">Filière : Culture et loisirs' in response.text
    assert f'href="{LIST}?filiere=culture">Département : 69 – Rhône' in response.text


def test_the_list_links_to_the_map_of_the_same_selection(client, showcase) -> None:
    response = client.get(LIST, {"filiere": "culture", "q": "canuts"})

    assert f'href="{reverse("vitrine:map")}?q=canuts&amp;filiere=culture"' in response.text


def test_the_list_is_never_kept_in_a_cache(client, showcase) -> None:
    assert "no-cache" in client.get(LIST)["Cache-Control"]


def test_each_card_shows_a_summary_and_a_picture(client, settings, showcase) -> None:
    repair_cafe, epicerie, _cinema = showcase
    Organisation.objects.filter(pk=repair_cafe.pk).update(description=" ".join(f"mot{n}" for n in range(40)))
    Organisation.objects.filter(pk__in=[repair_cafe.pk, epicerie.pk]).update(logo="logos/logo.png")
    add_offer(repair_cafe, "Vélos remis à neuf", photo="offres/velo.jpg")

    cards = {card.name: card.html for card in client.get(LIST).context["page"]}

    # The first photo among the offers, else the logo, else nothing.
    assert f'src="{settings.MEDIA_URL}offres/velo.jpg"' in cards["Repair Café de Rennes"]
    assert f'src="{settings.MEDIA_URL}logos/logo.png"' in cards["Épicerie solidaire de Brest"]
    assert "<img" not in cards["Cinéma des Canuts"]
    # 28 words of the description.
    assert "mot27 …</p>" in cards["Repair Café de Rennes"]
    assert "mot28" not in cards["Repair Café de Rennes"]


def test_a_card_is_never_written_for_an_organisation_that_is_not_listed(showcase, hidden) -> None:
    """The page's ids and its rows are two queries: one delisted in between stays out."""
    ids = [*(organisation.pk for organisation in hidden), showcase[0].pk]

    assert [card.name for card in cards(ids)] == [showcase[0].name]


def test_the_list_in_english_names_sectors_in_english(client, showcase) -> None:
    response = client.get("/en/organisations/")

    assert "Culture and leisure" in response.text


def _many(count: int, rennes) -> None:
    sector = Sector.objects.get(code="alimentation")
    association = LegalForm.objects.get(code="association")
    for n in range(count):
        organisation = make_listed(
            f"Épicerie {n:02d}",
            commune=rennes,
            sector=sector,
            legal_form=association,
            since=date(2025, 1, 1 + n % 28),
        )
        add_offer(organisation, f"Paniers {n}", "alimentation")
        add_offer(organisation, f"Réparation {n}")
        record_domains_met(organisation.pk, ["gouvernance"])


# The page: the ids of its rows, the rows, their offers. The filter form: the reference
# lists in one query and, counted, the counts per sector, per département and per commune
# and the names of the communes offered; read from ListedCount (PostgreSQL, a selection by
# territory and sector), all the counts and names in one query.
PAGE_QUERIES = 3
COUNTED_PANEL_QUERIES = 5
READ_PANEL_QUERIES = 2


def list_queries(params: dict) -> int:
    read = connection.vendor == "postgresql" and set(params) <= {
        "region",
        "departement",
        "commune",
        "filiere",
        "tri",
        "page",
    }
    return PAGE_QUERIES + (READ_PANEL_QUERIES if read else COUNTED_PANEL_QUERIES)


ALL_FILTERS = {
    "q": "épicerie",
    "region": "53",
    "departement": "35",
    "commune": "35238",
    "filiere": "alimentation",
    "forme": "association",
    "categorie": "alimentation",
    "domaine": "gouvernance",
    "tri": "recent",
}


@pytest.mark.parametrize("count", [2, 30])
@pytest.mark.parametrize(
    "params",
    [{}, {"region": "53", "filiere": "alimentation", "page": "2"}, ALL_FILTERS, {**ALL_FILTERS, "page": "2"}],
)
def test_the_list_costs_the_same_queries_whatever_the_rows_and_filters(
    client, django_assert_num_queries, rennes, count: int, params: dict
) -> None:
    _many(count, rennes)

    with django_assert_num_queries(list_queries(params)):
        response = client.get(LIST, params)

    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"filiere": "alimentation"},
        {"filiere": "culture", "region": "84"},
        {"filiere": "alimentation", "region": "84"},
        {"filiere": "inconnue"},
        {"departement": "29", "forme": "association"},
        {"q": "réparation"},
        {"q": "réparation", "filiere": "culture"},
        {"categorie": "transport", "filiere": "alimentation", "commune": "29019"},
    ],
)
def test_the_number_shown_is_the_number_of_organisations_selected(client, showcase, hidden, params) -> None:
    """The filter form's counts per sector give the number of the selection (with the
    sector chosen, or summed without one): it must match the organisations listed."""
    response = client.get(LIST, params)

    names = {organisation.name for organisation in response.context["page"]}
    expected = {organisation.name for organisation in select_organisations(params)}
    assert response.context["page"].paginator.count == len(expected) == len(names)
    assert names == expected
