import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse

from solidaire import services
from solidaire.models import Organisation
from tests.factory import make_commune, make_organisation


def test_the_home_page_says_what_the_platform_is_and_where_to_go(client, db) -> None:
    response = client.get("/")
    assert "L'économie sociale et solidaire de la région, au grand jour" in response.text
    for name in ("vitrine:list", "account_signup", "account_login"):
        assert f'href="{reverse(name)}"' in response.text


def test_the_home_page_counts_the_listed_organisations(client, db) -> None:
    services.admit(make_organisation(status=Organisation.Status.APPLICANT), by=None)
    make_organisation()
    assert "1 organisation référencée aujourd'hui." in client.get("/").text


def test_french_is_the_default_and_english_is_under_en(client, db) -> None:
    assert '<html lang="fr">' in client.get("/").text
    assert '<html lang="en">' in client.get("/en/").text


def test_the_language_switch_keeps_the_page(client, db) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accessibilite/"})
    assert response.url == "/en/accessibilite/"


@pytest.mark.parametrize("name", ["privacy", "accessibility"])
def test_the_legal_pages_are_public(client, db, name) -> None:
    assert client.get(reverse(name)).status_code == 200


def test_every_page_links_to_the_accessibility_statement(client, db) -> None:
    assert f'href="{reverse("accessibility")}"' in client.get(reverse("privacy")).text


def test_commune_suggestions_match_the_start_of_the_name_without_accents(client, db) -> None:
    make_commune("29232", "Quimper", "29000", population=63000)
    make_commune("29233", "Quimperlé", "29300", population=12000)
    make_commune("35238", "Rennes", "35000")
    results = client.get(reverse("commune_suggestions"), {"q": "quimperle"}).json()["results"]
    assert results == [{"insee": "29233", "label": "Quimperlé (29300)"}]


def test_commune_suggestions_by_postcode_put_the_largest_first(client, db) -> None:
    make_commune("29232", "Quimper", "29000", population=63000)
    make_commune("29233", "Quimperlé", "29300", population=12000)
    labels = [r["label"] for r in client.get(reverse("commune_suggestions"), {"q": "29"}).json()["results"]]
    assert labels == ["Quimper (29000)", "Quimperlé (29300)"]


def test_an_empty_commune_query_gives_no_suggestion(client, db) -> None:
    assert client.get(reverse("commune_suggestions"), {"q": " "}).json() == {"results": []}


def test_public_uploads_are_served_and_private_files_are_not(client, settings) -> None:
    public = storages["default"].save("logos/logo.txt", ContentFile(b"logo"))
    private = storages["private"].save("evidence/statuts.pdf", ContentFile(b"statuts"))
    assert client.get(f"/media/{public}").status_code == 200
    assert client.get(f"/media/{private}").status_code == 404
    assert client.get(f"/media/../private/{private}").status_code in (400, 404)


def test_an_unknown_page_is_a_french_404(client, db) -> None:
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.text


@pytest.mark.parametrize("host", ["ailleurs.example", "bad host", "127.0.0.1/.ailleurs.example"])
@pytest.mark.parametrize("path", ["/", "/organisations/", "/compte/login/"])
def test_an_invalid_host_header_is_a_400_page_not_a_server_error(client, db, host, path) -> None:
    response = client.get(path, headers={"host": host})
    assert response.status_code == 400
    assert "Requête invalide" in response.text
