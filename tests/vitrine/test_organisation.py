"""The page of a listed organisation and the pages of its offers."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from solidaire import services as organisations
from solidaire.models import Commune, Organisation
from tests.factory import make_organisation, make_user
from tests.referentiel.factory import make_referentiel
from tests.vitrine.conftest import add_offer, complete_assessment

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def page_of(organisation: Organisation) -> str:
    return reverse("vitrine:organisation", args=[organisation.slug])


def json_ld(html: str) -> dict:
    [data] = JSON_LD.findall(html)
    return json.loads(data)


def test_the_page_shows_what_the_organisation_does_and_how_to_reach_it(client, repair_cafe) -> None:
    response = client.get(page_of(repair_cafe))

    assert response.status_code == 200
    for text in [
        "Un lieu convivial où les habitants apprennent à faire durer leurs objets.",
        "Ateliers du samedi",
        "1 rue de la Paix",
        "35000 <a",
        "mailto:contact@repair.example",
        "depuis le 1 mars 2025, jusqu'au 1 mars 2028",
    ]:
        assert text in response.text


def test_the_page_shows_the_photos_of_the_offers(client, repair_cafe) -> None:
    offer = repair_cafe.offers.get()
    offer.photo = SimpleUploadedFile("atelier.png", b"png", content_type="image/png")
    offer.save()

    response = client.get(page_of(repair_cafe))

    assert f'<img src="{offer.photo.url}"' in response.text


def test_the_page_has_a_small_map_of_the_organisation(client, repair_cafe) -> None:
    response = client.get(page_of(repair_cafe))

    assert 'data-map-point="48.11000,-1.68000"' in response.text
    assert '<script src="/static/js/map.js"></script>' in response.text


def test_a_commune_known_without_its_longitude_gives_no_map_rather_than_half_a_point(
    client, repair_cafe
) -> None:
    Organisation.objects.filter(pk=repair_cafe.pk).update(latitude=None, longitude=None)
    Commune.objects.filter(pk=repair_cafe.commune_id).update(longitude=None)

    response = client.get(page_of(repair_cafe))

    assert "data-map-point" not in response.text
    assert "geo" not in json_ld(response.text)


@pytest.mark.parametrize("status", [s for s in Organisation.Status if s != Organisation.Status.LISTED])
def test_an_organisation_that_is_not_listed_has_no_page(client, rennes, status: str) -> None:
    organisation = make_organisation("Ressourcerie", status=status, commune=rennes)
    offer = add_offer(organisation, "Meubles")

    assert client.get(page_of(organisation)).status_code == 404
    assert client.get(reverse("vitrine:offer", args=[organisation.slug, offer.pk])).status_code == 404


def test_a_suspended_organisation_disappears_at_once(client, repair_cafe) -> None:
    assert client.get(page_of(repair_cafe))["Cache-Control"] == "no-cache"
    organisations.suspend(repair_cafe, by=make_user(staff=True), reason="Contrôle en cours.")

    assert client.get(page_of(repair_cafe)).status_code == 404
    assert client.get(reverse("vitrine:list")).context["page"].paginator.count == 0
    assert client.get(reverse("vitrine:geojson")).json()["features"] == []


def test_the_json_ld_describes_the_organisation_with_its_address_and_position(client, repair_cafe) -> None:
    data = json_ld(client.get(page_of(repair_cafe)).text)

    assert data["@type"] == "Organization"
    assert data["name"] == "Repair Café de Rennes"
    assert data["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "1 rue de la Paix",
        "addressLocality": "Rennes",
        "addressRegion": "Bretagne",
        "postalCode": "35000",
        "addressCountry": "FR",
    }
    assert (data["email"], data["telephone"]) == ("contact@repair.example", "02 99 00 00 00")
    assert data["makesOffer"][0]["itemOffered"]["name"] == "Ateliers du samedi"


def test_the_json_ld_puts_the_position_on_the_place_of_the_organisation(client, repair_cafe) -> None:
    data = json_ld(client.get(page_of(repair_cafe)).text)

    assert "geo" not in data
    assert data["location"]["@type"] == "Place"
    assert data["location"]["geo"] == {"@type": "GeoCoordinates", "latitude": 48.11, "longitude": -1.68}


def test_the_json_ld_gives_the_logo_as_an_absolute_address(client, settings, repair_cafe) -> None:
    settings.SITE_URL = "https://solidaire.example"
    Organisation.objects.filter(pk=repair_cafe.pk).update(logo="logos/repair.png")

    data = json_ld(client.get(page_of(repair_cafe)).text)

    assert data["logo"] == "https://solidaire.example/media/logos/repair.png"
    assert data["mainEntityOfPage"] == f"https://solidaire.example{page_of(repair_cafe)}"


def test_text_of_the_organisation_cannot_break_out_of_the_json_ld(client, repair_cafe) -> None:
    attack = "</script><script>alert('x')</script><!-- & \u2028"
    Organisation.objects.filter(pk=repair_cafe.pk).update(description=attack)

    html = client.get(page_of(repair_cafe)).text

    assert "<script>alert" not in html
    assert json_ld(html)["description"] == attack


def test_the_offer_page_shows_the_offer_and_who_offers_it(client, epicerie) -> None:
    offer = epicerie.offers.get()

    response = client.get(reverse("vitrine:offer", args=[epicerie.slug, offer.pk]))

    assert response.status_code == 200
    assert "<h1>Réparation de vélos</h1>" in response.text
    assert f'<a href="{page_of(epicerie)}">Épicerie solidaire de Brest</a>' in response.text


def test_an_offer_is_only_found_under_its_own_organisation(client, repair_cafe, epicerie) -> None:
    offer = epicerie.offers.get()

    assert client.get(reverse("vitrine:offer", args=[repair_cafe.slug, offer.pk])).status_code == 404


def _complete_assessment(organisation: Organisation) -> None:
    make_referentiel()
    complete_assessment(organisation)


def test_the_page_shows_the_radar_of_the_latest_completed_assessment(client, repair_cafe) -> None:
    _complete_assessment(repair_cafe)

    response = client.get(page_of(repair_cafe))

    assert '<figure class="radar"><svg' in response.text
    assert "Gouvernance démocratique" in response.text


def test_the_page_has_no_radar_without_a_completed_assessment(client, repair_cafe) -> None:
    assert "<svg" not in client.get(page_of(repair_cafe)).text


@pytest.mark.parametrize("offers", [1, 12])
def test_the_page_costs_the_same_queries_whatever_the_offers(
    client, django_assert_num_queries, repair_cafe, offers: int
) -> None:
    _complete_assessment(repair_cafe)
    for n in range(offers):
        add_offer(repair_cafe, f"Offre {n}")

    # organisation, offers, latest completed assessment, domains of its référentiel
    with django_assert_num_queries(4):
        client.get(page_of(repair_cafe))
