"""The SCDL "subventions" file: the schema's columns, one row per grant of the year, its formats."""

import csv
import inspect
import re
from datetime import date
from decimal import Decimal

import pytest

from subventions import services
from subventions.models import Grant
from subventions.scdl import scdl_lines
from tests.subventions.factory import awarded_grant, draft


@pytest.fixture
def awarded(listed, circular, repaired, nadia) -> Grant:
    return awarded_grant(
        listed, circular, nadia, indicator=repaired, first_due=date(2026, 3, 31), start=date(2026, 1, 1),
        end=date(2026, 12, 31), purpose="Atelier de réparation, « seconde vie »", amount=Decimal("24000.50"),
        instalments=[(date(2026, 2, 1), Decimal("12000.25")), (date(2026, 9, 1), Decimal("12000.25"))],
    )  # fmt: skip


def rows(year: int) -> list[dict[str, str]]:
    return list(csv.DictReader(scdl_lines(year)))


def test_the_header_holds_the_columns_of_the_schema_in_order(db) -> None:
    assert next(scdl_lines(2026)) == (
        "nomAttribuant,idAttribuant,dateConvention,referenceDecision,nomBeneficiaire,idBeneficiaire,objet,"
        "montant,nature,conditionsVersement,datesPeriodeVersement,idRAE,notificationUE,pourcentageSubvention\r\n"
    )


def test_a_grant_is_a_row_in_the_formats_of_the_schema(awarded, settings) -> None:
    settings.SCDL_ATTRIBUTING_NAME, settings.SCDL_ATTRIBUTING_SIRET = "Région Bretagne", "23350001600040"
    [row] = rows(2026)
    assert row == {
        "nomAttribuant": "Région Bretagne", "idAttribuant": "23350001600040", "dateConvention": "2026-01-20",
        "referenceDecision": "CP-2026-0412", "nomBeneficiaire": "Atelier du Réemploi",
        "idBeneficiaire": awarded.organisation.siret, "objet": "Atelier de réparation, « seconde vie »",
        "montant": "24000.50", "nature": "aide en numéraire", "conditionsVersement": "échelonné",
        "datesPeriodeVersement": "2026-02-01/2026-09-01", "idRAE": "", "notificationUE": "non",
        "pourcentageSubvention": "1.00",
    }  # fmt: skip
    assert re.fullmatch(r"\d{14}", row["idBeneficiaire"])


def test_a_single_payment_is_one_date(listed, circular, repaired, nadia) -> None:
    awarded_grant(
        listed, circular, nadia, indicator=repaired, first_due=date(2026, 3, 31), start=date(2026, 1, 1),
        end=date(2026, 12, 31), payment_conditions=Grant.PaymentConditions.SINGLE, eu_notified=True,
        instalments=[(date(2026, 2, 1), Decimal(24_000))],
    )  # fmt: skip
    [row] = rows(2026)
    assert (row["datesPeriodeVersement"], row["conditionsVersement"], row["notificationUE"]) == (
        "2026-02-01", "unique", "oui",
    )  # fmt: skip


def test_drafts_and_conventions_of_other_years_are_left_out(awarded, listed, circular, nadia) -> None:
    draft(listed, circular, nadia)
    assert len(rows(2026)) == 1
    assert rows(2025) == []


def test_the_file_is_made_line_by_line(awarded) -> None:
    lines = scdl_lines(2026)
    assert inspect.isgenerator(lines)
    assert next(lines).startswith("nomAttribuant,")
    assert next(lines).startswith("Région Bretagne,")


def test_a_closed_grant_stays_in_the_file_of_its_year(awarded, nadia) -> None:
    services.close_grant(awarded, by=nadia)
    assert len(rows(2026)) == 1
