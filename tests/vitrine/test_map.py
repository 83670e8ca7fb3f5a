"""The map of a selection and the GeoJSON it loads."""

import pytest
from django.conf import settings
from django.urls import reverse

from solidaire.models import Organisation, record_domains_met
from solidaire.settings import tile_origin
from tests.vitrine.test_list import PAGE_QUERIES, list_queries

MAP = reverse("vitrine:map")
GEOJSON = reverse("vitrine:geojson")


def features(client, **params) -> list[dict]:
    response = client.get(GEOJSON, params)
    assert response["Content-Type"] == "application/geo+json"
    return response.json()["features"]


def test_the_geojson_holds_the_listed_organisations_only(client, showcase, hidden) -> None:
    names = [feature["properties"]["name"] for feature in features(client)]

    assert names == ["Cinéma des Canuts", "Épicerie solidaire de Brest", "Repair Café de Rennes"]


def test_a_feature_names_the_organisation_its_page_commune_and_sector(client, epicerie) -> None:
    [feature] = features(client)

    assert feature["properties"] == {
        "name": "Épicerie solidaire de Brest",
        "url": reverse("vitrine:organisation", args=[epicerie.slug]),
        "commune": "Brest",
        "sector": "Alimentation et agriculture durable",
    }


def test_a_feature_is_placed_at_the_address_or_else_at_the_commune(client, repair_cafe, epicerie) -> None:
    Organisation.objects.filter(pk=repair_cafe.pk).update(latitude=48.1173, longitude=-1.6778, geocoded=True)

    points = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in features(client)}

    assert points == {
        "Repair Café de Rennes": [-1.6778, 48.1173],
        "Épicerie solidaire de Brest": [-4.49, 48.39],
    }


def test_the_geojson_follows_the_filters_of_the_list(client, showcase) -> None:
    names = [feature["properties"]["name"] for feature in features(client, q="réparation", region="53")]

    assert names == ["Épicerie solidaire de Brest"]


def test_the_geojson_is_one_query(client, django_assert_num_queries, showcase) -> None:
    with django_assert_num_queries(1):
        client.get(GEOJSON, {"q": "réparation", "departement": "29", "domaine": "gouvernance"})


def test_the_map_page_loads_leaflet_from_our_static_files(client, showcase) -> None:
    response = client.get(MAP)

    assert '<script src="/static/vendor/leaflet/leaflet.js"></script>' in response.text
    assert (
        '<script src="/static/vendor/leaflet.markercluster/leaflet.markercluster.js"></script>'
        in response.text
    )
    assert "https://unpkg" not in response.text and "cdn" not in response.text


def test_the_map_page_loads_the_geojson_of_the_same_selection(client, showcase) -> None:
    response = client.get(MAP, {"departement": "29", "q": "vélos"})

    assert f'data-map-geojson="{GEOJSON}?q=v%C3%A9los&amp;departement=29"' in response.text


def test_the_map_page_takes_its_tiles_from_the_settings(client, settings, showcase) -> None:
    settings.MAP_TILE_URL = "https://tuiles.example.org/{z}/{x}/{y}.png"

    response = client.get(MAP)

    assert 'data-tile-url="https://tuiles.example.org/{z}/{x}/{y}.png"' in response.text


def test_the_map_page_points_to_the_list_as_the_accessible_way(client, showcase) -> None:
    response = client.get(MAP, {"filiere": "culture"})

    assert "Pour les parcourir au clavier ou avec un lecteur" in response.text
    assert (
        f'<a href="{reverse("vitrine:list")}?filiere=culture">voir la liste de cette organisation</a>'
        in response.text
    )


def test_the_map_page_costs_the_same_queries_whatever_the_filters(
    client, django_assert_num_queries, showcase
) -> None:
    record_domains_met(showcase[1].pk, ["gouvernance"])
    filters = {"q": "réparation", "departement": "29", "domaine": "gouvernance", "categorie": "transport"}
    # the filter form, which gives the count of the selection too (see the list)
    with django_assert_num_queries(list_queries({}) - PAGE_QUERIES):
        response = client.get(MAP)
    assert response.context["count"] == 3
    with django_assert_num_queries(list_queries(filters) - PAGE_QUERIES):
        response = client.get(MAP, filters)
    assert response.context["count"] == 1


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png", ["https://*.tile.openstreetmap.fr"]),
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", ["https://tile.openstreetmap.org"]),
        ("https://tiles.example.org:8443/{z}/{x}/{y}.png", ["https://tiles.example.org:8443"]),
        ("/tuiles/{z}/{x}/{y}.png", []),
        ("", []),
    ],
)
def test_the_csp_lets_images_come_from_the_tile_server(url: str, origin: list[str]) -> None:
    assert tile_origin(url) == origin


def test_the_csp_allows_images_from_the_tile_server_and_scripts_from_us_only(client, db) -> None:
    header = client.get(MAP)["Content-Security-Policy"]

    sources = " ".join(["'self'", "data:", *tile_origin(settings.MAP_TILE_URL)])
    assert f"img-src {sources};" in header
    assert "script-src 'self';" in header
