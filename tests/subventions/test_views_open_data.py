"""The public open-data page of the grants and its SCDL file, year by year."""

import csv
import html
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from subventions.scdl import COLUMNS
from tests.subventions.factory import awarded_grant, draft


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def awarded(listed, circular, repaired, nadia):
    return awarded_grant(
        listed, circular, nadia, indicator=repaired, first_due=date(2026, 3, 31), start=date(2026, 1, 1),
        end=date(2026, 12, 31),
    )  # fmt: skip


def test_the_page_explains_the_format_the_licence_and_every_column(client, db) -> None:
    page = text(client.get(reverse("open_data_grants")))
    assert "SCDL" in page and "Licence Ouverte" in page
    assert all(f"<code>{column}</code>" in page for column in COLUMNS)


def test_the_page_states_the_version_of_the_schema_it_follows_and_links_it(client, db) -> None:
    response = client.get(reverse("open_data_grants"))
    assert "Le fichier suit la version 2.1.1 du" in text(response)
    assert 'href="https://schema.data.gouv.fr/scdl/subventions/2.1.1/documentation.html"' in response.text


def test_the_page_holds_the_head_of_the_audit_trail(client, awarded) -> None:
    from solidaire.audit import head

    page = text(client.get(reverse("open_data_grants")))
    assert f"entrée n° {head().position}" in page and f"<code>{head()}</code>" in page


def test_visitors_choose_the_year_and_see_how_many_conventions_it_holds(client, awarded, nadia) -> None:
    draft(awarded.organisation, awarded.programme, nadia, convention_date=date(2026, 5, 1))
    response = client.get(reverse("open_data_grants"), {"annee": "2026"})
    assert "1 convention signée en 2026." in text(response)
    assert f'href="{reverse("open_data_grants_csv", args=[2026])}"' in response.text


def test_a_year_without_grants_is_refused_with_a_message(client, awarded) -> None:
    response = client.get(reverse("open_data_grants"), {"annee": "1990"})
    assert "Sélectionnez un choix valide" in text(response)
    assert "1 convention signée en 2026." in text(response)


def test_the_csv_of_a_year_is_streamed_with_one_row_per_grant(
    client, awarded, django_assert_num_queries
) -> None:
    response = client.get(reverse("open_data_grants_csv", args=[2026]))
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="subventions-2026.csv"'
    with django_assert_num_queries(1):
        body = b"".join(response.streaming_content).decode()
    [row] = list(csv.DictReader(io.StringIO(body)))
    assert (row["nomBeneficiaire"], row["montant"]) == ("Atelier du Réemploi", "24000.00")


def test_grants_in_preparation_are_not_published(client, listed, circular, nadia) -> None:
    draft(listed, circular, nadia, amount=Decimal(1000))
    body = b"".join(client.get(reverse("open_data_grants_csv", args=[2026])).streaming_content).decode()
    assert body.splitlines() == [",".join(COLUMNS)]


@pytest.mark.parametrize("year", ["0", "12345"])
def test_a_year_out_of_range_is_not_found(client, db, year) -> None:
    assert client.get(f"/donnees-ouvertes/subventions/{year}.csv").status_code == 404


def test_the_open_data_page_is_in_english_too(client, db) -> None:
    assert client.get("/en/donnees-ouvertes/subventions/").status_code == 200
