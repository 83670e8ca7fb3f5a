"""Open data: the exports of the listed organisations and their offers, and their page."""

import csv
import io
import json
from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse

from solidaire import services as organisations
from solidaire.models import LegalForm, Offer, Organisation, Sector
from tests.factory import make_user
from tests.vitrine.conftest import add_offer, make_listed
from vitrine import exports

NAMES = {
    "csv": reverse("vitrine:export_csv"),
    "offres-csv": reverse("vitrine:export_offers_csv"),
    "json": reverse("vitrine:export_json"),
    "geojson": reverse("vitrine:export_geojson"),
    "gogocarto": reverse("vitrine:export_gogocarto"),
}
FORMATS = list(NAMES)


def download(client, fmt: str, **params) -> bytes:
    response = client.get(NAMES[fmt], params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def csv_rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def exported_names(client, fmt: str, **params) -> list[str]:
    """The names of the organisations an export holds, whatever its format."""
    body = download(client, fmt, **params)
    if fmt == "csv":
        names = [row["nom"] for row in csv_rows(body)]
    elif fmt == "offres-csv":
        names = list(dict.fromkeys(row["organisation_nom"] for row in csv_rows(body)))
    elif fmt == "json":
        names = [organisation["nom"] for organisation in json.loads(body)["organisations"]]
    elif fmt == "geojson":
        names = [feature["properties"]["nom"] for feature in json.loads(body)["features"]]
    else:
        names = [element["name"] for element in json.loads(body)["data"]]
    return sorted(names)


LISTED_NAMES = ["Cinéma des Canuts", "Repair Café de Rennes", "Épicerie solidaire de Brest"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_export_holds_exactly_the_listed_organisations(client, showcase, hidden, fmt: str) -> None:
    assert exported_names(client, fmt) == LISTED_NAMES


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_export_of_a_selection_holds_the_organisations_the_list_shows(
    client, showcase, fmt: str
) -> None:
    assert exported_names(client, fmt, q="réparation", region="53") == ["Épicerie solidaire de Brest"]
    assert exported_names(client, fmt, filiere="culture") == ["Cinéma des Canuts"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_suspended_organisation_leaves_the_exports_at_once(client, showcase, fmt: str) -> None:
    repair_cafe = showcase[0]
    assert "Repair Café de Rennes" in exported_names(client, fmt)

    organisations.suspend(repair_cafe, by=make_user(staff=True), reason="Contrôle en cours.")

    assert "Repair Café de Rennes" not in exported_names(client, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_expired_organisation_leaves_the_exports_at_once(client, showcase, fmt: str) -> None:
    assert "Cinéma des Canuts" in exported_names(client, fmt)

    organisations.expire(showcase[2])

    assert "Cinéma des Canuts" not in exported_names(client, fmt)


def test_the_csv_has_one_row_per_organisation_with_the_documented_columns(client, repair_cafe) -> None:
    body = download(client, "csv")

    [row] = csv_rows(body)
    assert list(row) == [f.name for f in exports.ORGANISATION_FIELDS + exports.CSV_OFFER_SUMMARY]
    assert {k: row[k] for k in ("nom", "code_postal", "commune", "code_insee", "departement", "region")} == {
        "nom": "Repair Café de Rennes",
        "code_postal": "35000",
        "commune": "Rennes",
        "code_insee": "35238",
        "departement": "35",
        "region": "Bretagne",
    }
    assert (row["latitude"], row["longitude"], row["localisation"]) == ("48.11", "-1.68", "commune")
    assert (row["nombre_offres"], row["categories_offres"]) == ("1", "Réparation")
    assert row["url"] == f"{settings.SITE_URL}{reverse('vitrine:organisation', args=[repair_cafe.slug])}"


@pytest.mark.parametrize("leading", ["=", "+", "-", "@", "\t", "\r"])
def test_no_cell_of_the_csv_files_is_a_formula_and_numbers_stay_numbers(client, repair_cafe, leading) -> None:
    formula = f"{leading}cmd|' /C calc'!A0"
    Organisation.objects.filter(pk=repair_cafe.pk).update(legal_name=formula, usual_name=formula)
    Offer.objects.filter(organisation=repair_cafe).update(name=formula)

    [organisation] = csv_rows(download(client, "csv"))
    [offer] = csv_rows(download(client, "offres-csv"))

    cells = (organisation["nom"], organisation["raison_sociale"], offer["nom"], offer["organisation_nom"])
    assert cells == ("'" + formula,) * 4
    assert organisation["longitude"] == "-1.68"


def test_the_csv_of_the_offers_has_one_row_per_offer_with_its_organisation(client, repair_cafe) -> None:
    add_offer(repair_cafe, "Formation à la soudure", "formation")

    rows = csv_rows(download(client, "offres-csv"))

    assert [(r["organisation_id"], r["nom"], r["categorie"]) for r in rows] == [
        (str(repair_cafe.pk), "Ateliers du samedi", "Réparation"),
        (str(repair_cafe.pk), "Formation à la soudure", "Formation"),
    ]
    assert list(rows[0]) == [f.name for f in exports.CSV_OFFER_ORGANISATION + exports.OFFER_FIELDS]


def test_the_json_nests_the_offers_of_each_organisation(client, repair_cafe) -> None:
    document = json.loads(download(client, "json"))

    [organisation] = document["organisations"]
    [offer] = organisation["offres"]
    assert offer["nom"] == "Ateliers du samedi"
    assert offer["type"] == "service"
    assert offer["url"].endswith(reverse("vitrine:offer", args=[repair_cafe.slug, offer["id"]]))
    assert document["licence"]["nom"] == "Licence Ouverte / Open Licence version 2.0"


def test_the_geojson_is_a_feature_collection_of_points_in_longitude_latitude_order(client, epicerie) -> None:
    document = json.loads(download(client, "geojson"))

    assert document["type"] == "FeatureCollection"
    [feature] = document["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-4.49, 48.39]}
    assert feature["properties"]["nom"] == "Épicerie solidaire de Brest"
    assert [offer["nom"] for offer in feature["properties"]["offres"]] == ["Réparation de vélos"]


def test_an_organisation_placed_at_its_address_is_exported_there(client, repair_cafe) -> None:
    Organisation.objects.filter(pk=repair_cafe.pk).update(latitude=48.1173, longitude=-1.6778, geocoded=True)

    [feature] = json.loads(download(client, "geojson"))["features"]

    assert feature["geometry"]["coordinates"] == [-1.6778, 48.1173]
    assert feature["properties"]["localisation"] == "adresse"


def test_the_gogocarto_export_has_the_elements_gogocarto_imports(client, epicerie) -> None:
    document = json.loads(download(client, "gogocarto"))

    [element] = document["data"]
    assert element["id"] == str(epicerie.pk)
    assert element["name"] == "Épicerie solidaire de Brest"
    assert element["geo"] == {"latitude": 48.39, "longitude": -4.49}
    assert element["address"] == {
        "streetAddress": "1 rue de la Paix",
        "postalCode": "29200",
        "addressLocality": "Brest",
        "addressCountry": "FR",
    }
    assert element["categories"] == ["Alimentation et agriculture durable", "Transport et mobilité"]
    assert element["description"] == "Une épicerie à prix solidaires pour les habitants du quartier."
    assert element["url"].endswith(reverse("vitrine:organisation", args=[epicerie.slug]))


def test_the_gogocarto_element_carries_the_public_contact(client, repair_cafe) -> None:
    Organisation.objects.filter(pk=repair_cafe.pk).update(website="https://repair.example")

    [element] = json.loads(download(client, "gogocarto"))["data"]

    assert (element["website"], element["email"], element["telephone"]) == (
        "https://repair.example",
        "contact@repair.example",
        "02 99 00 00 00",
    )


def test_the_exports_are_the_same_in_english(client, repair_cafe) -> None:
    english = client.get(f"/en{NAMES['json']}")

    [organisation] = json.loads(b"".join(english.streaming_content))["organisations"]
    assert organisation["filiere"] == "Réemploi et économie circulaire"
    assert "/en/" not in organisation["url"]


def test_the_exports_may_be_read_by_any_web_page(client, showcase) -> None:
    response = client.get(NAMES["gogocarto"])

    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"] == "application/json"


# --- Streaming --------------------------------------------------------------------------


def _many(count: int, rennes) -> None:
    sector = Sector.objects.get(code="alimentation")
    association = LegalForm.objects.get(code="association")
    for n in range(count):
        organisation = make_listed(
            f"Épicerie {n:02d}", commune=rennes, sector=sector, legal_form=association, since=date(2025, 1, 1)
        )
        add_offer(organisation, f"Paniers {n}", "alimentation")
        add_offer(organisation, f"Réparation {n}")


@pytest.mark.parametrize("count", [2, 30])
@pytest.mark.parametrize(("fmt", "queries"), [(f, 1 if f == "offres-csv" else 2) for f in FORMATS])
def test_an_export_is_a_stream_whose_queries_do_not_grow_with_the_rows(
    client, django_assert_num_queries, rennes, count: int, fmt: str, queries: int
) -> None:
    _many(count, rennes)

    # The view answers before reading any row: the rows are read as the response is sent.
    with django_assert_num_queries(0):
        response = client.get(NAMES[fmt])
    assert response.streaming
    with django_assert_num_queries(queries):
        body = b"".join(response.streaming_content)
    assert "Épicerie 01".encode() in body


def test_an_export_is_sent_in_pieces_as_its_rows_are_read(client, monkeypatch, rennes) -> None:
    monkeypatch.setattr(exports, "BUFFER_BYTES", 1024)
    _many(12, rennes)

    pieces = list(client.get(NAMES["json"]).streaming_content)

    assert len(pieces) > 5
    assert max(len(piece) for piece in pieces) < 4 * 1024
    assert len(json.loads(b"".join(pieces))["organisations"]) == 12


# --- Links and the open-data page ---------------------------------------------------------


def test_the_list_links_to_the_exports_of_the_current_selection(client, showcase) -> None:
    response = client.get(reverse("vitrine:list"), {"departement": "29", "q": "vélos"})

    for url in NAMES.values():
        assert f'href="{url}?q=v%C3%A9los&amp;departement=29"' in response.text
    assert f'href="{reverse("vitrine:feed")}"' in response.text


def test_the_open_data_page_documents_every_field_and_the_licence(client, showcase) -> None:
    response = client.get(reverse("vitrine:open_data"))

    assert response.status_code == 200
    fields = exports.ORGANISATION_FIELDS + exports.CSV_OFFER_SUMMARY + exports.OFFER_FIELDS
    for field in fields + exports.CSV_OFFER_ORGANISATION:
        assert f"<code>{field.name}</code>" in response.text
    assert "Licence Ouverte / Open Licence version 2.0" in response.text
    assert "En continu" in response.text


def test_the_open_data_page_links_every_export_and_the_feed(client, db) -> None:
    response = client.get(reverse("vitrine:open_data"))

    for url in [*NAMES.values(), reverse("vitrine:feed"), reverse("sitemap")]:
        assert f'href="{url}"' in response.text


def test_donnees_ouvertes_is_never_the_slug_of_an_organisation(db) -> None:
    assert organisations.unique_slug("Données ouvertes") == "donnees-ouvertes-2"
