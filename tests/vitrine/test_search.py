"""Full-text search of the showcase: names, descriptions and offers, accents ignored."""

import pytest
from django.db import connection
from django.urls import reverse

from solidaire.models import Offer, Organisation, refresh_search_vectors
from tests.vitrine.conftest import add_offer, make_listed
from vitrine.filters import select_organisations


def names(**params) -> list[str]:
    return [organisation.name for organisation in select_organisations(params)]


def test_a_search_finds_an_organisation_by_its_name(showcase) -> None:
    assert names(q="canuts") == ["Cinéma des Canuts"]


def test_a_search_finds_an_organisation_by_one_of_its_offers(showcase) -> None:
    assert names(q="vélos") == ["Épicerie solidaire de Brest"]


def test_a_search_finds_an_organisation_by_its_description(showcase) -> None:
    assert names(q="convivial") == ["Repair Café de Rennes"]


def test_a_search_ignores_accents_and_case(showcase) -> None:
    assert set(names(q="REPARATION")) == {"Épicerie solidaire de Brest", "Cinéma des Canuts"}
    assert names(q="epicerie") == ["Épicerie solidaire de Brest"]


def test_a_search_with_accents_finds_a_text_without(showcase) -> None:
    assert names(q="Répair") == ["Repair Café de Rennes"]


def test_every_word_of_a_search_must_match(showcase) -> None:
    assert names(q="réparation vélos") == ["Épicerie solidaire de Brest"]


def test_a_search_without_any_match_finds_nothing(showcase) -> None:
    assert names(q="xylophone") == []


@pytest.mark.parametrize("text", ["%", "_", "'", '"', "-", "( ) : & |", "!!", "<>"])
def test_a_search_of_punctuation_finds_nothing_and_is_not_an_error(client, showcase, text: str) -> None:
    response = client.get(reverse("vitrine:list"), {"q": text})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0


def test_a_search_ranks_name_matches_before_offers_and_offers_before_descriptions(rennes) -> None:
    make_listed(
        "Les Ateliers du Bocage", commune=rennes, description="Réparation, réparation et encore réparation."
    )
    in_offer = make_listed("La Navette", commune=rennes, description="Transport solidaire.")
    add_offer(in_offer, "Réparation de cycles", description="Le samedi.")
    make_listed("Réparation Express", commune=rennes, description="Un atelier.")

    assert names(q="réparation") == ["Réparation Express", "La Navette", "Les Ateliers du Bocage"]


@pytest.mark.postgres
def test_on_postgresql_a_search_finds_other_forms_of_a_word(showcase) -> None:
    # French stemming: "réparer" and "réparations" share the stem of "réparation".
    assert set(names(q="réparer")) == {"Épicerie solidaire de Brest", "Cinéma des Canuts"}
    assert set(names(q="reparations")) == {"Épicerie solidaire de Brest", "Cinéma des Canuts"}


@pytest.mark.postgres
def test_on_postgresql_the_stored_vector_weighs_names_offers_and_descriptions(epicerie) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM solidaire_organisation WHERE id = %s", [epicerie.pk])
        vector = cursor.fetchone()[0]

    assert "'epicer':1A" in vector  # name, accent removed
    assert "'velos':" in vector and "B" in vector.split("'velos':")[1].split(" ")[0]
    assert "'quarti':" in vector and "C" in vector.split("'quarti':")[1].split(" ")[0]


@pytest.mark.postgres
def test_on_postgresql_a_websearch_excludes_a_word(showcase) -> None:
    assert names(q="réparation -vélos") == ["Cinéma des Canuts"]


def test_the_search_follows_a_new_offer(repair_cafe) -> None:
    add_offer(repair_cafe, "Compostage collectif")

    assert names(q="compostage") == ["Repair Café de Rennes"]


def test_the_search_follows_a_renamed_offer(epicerie) -> None:
    offer = epicerie.offers.get()
    offer.name = "Ferronnerie d'art"
    offer.description = "Grilles et portails."
    offer.save()

    assert names(q="ferronnerie") == ["Épicerie solidaire de Brest"]
    assert names(q="vélos") == []


def test_the_search_follows_a_deleted_offer(epicerie) -> None:
    epicerie.offers.get().delete()

    assert names(q="vélos") == []


def test_the_search_follows_a_renamed_organisation(repair_cafe) -> None:
    repair_cafe.usual_name = "La Bricole"
    repair_cafe.save()

    assert names(q="bricole") == ["La Bricole"]


def test_the_search_catches_up_with_bulk_changes_once_refreshed(showcase) -> None:
    Offer.objects.filter(organisation__in=showcase).update(name="Tricot")
    assert names(q="tricot") == []

    refresh_search_vectors(organisation.pk for organisation in showcase)

    assert len(names(q="tricot")) == 3


def test_a_status_change_keeps_the_search_columns(repair_cafe) -> None:
    Organisation.objects.get(pk=repair_cafe.pk).save(update_fields=["status"])

    assert names(q="repair") == ["Repair Café de Rennes"]
