"""The SCDL "subventions" file: the schema's columns, one row per grant of the year, its formats."""

import csv
import inspect
import re
from datetime import date
from decimal import Decimal

import pytest

from solidaire import services as core_services
from solidaire.models import Organisation
from subventions import scdl, services
from subventions.models import Grant
from subventions.scdl import COLUMNS, grants_of_year, payment_dates, row, scdl_lines
from tests.subventions.factory import awarded_grant, draft

# The fields of the SCDL "subventions" schema, version 2.1.1, in the order of its schema.json
# (https://schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json).
SCHEMA_VERSION = "2.1.1"
SCHEMA_FIELDS = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
]


@pytest.fixture
def awarded(listed, circular, repaired, nadia) -> Grant:
    return awarded_grant(
        listed, circular, nadia, indicator=repaired, first_due=date(2026, 3, 31), start=date(2026, 1, 1),
        end=date(2026, 12, 31), purpose="Atelier de réparation, « seconde vie »", amount=Decimal("24000.50"),
        instalments=[(date(2026, 2, 1), Decimal("12000.25")), (date(2026, 9, 1), Decimal("12000.25"))],
    )  # fmt: skip


def rows(year: int) -> list[dict[str, str]]:
    return list(csv.DictReader(scdl_lines(year)))


def test_the_header_holds_the_fields_of_the_schema_version_in_order(db) -> None:
    assert scdl.SCHEMA_VERSION == SCHEMA_VERSION
    assert next(scdl_lines(2026)) == ",".join(SCHEMA_FIELDS) + "\r\n"


def test_a_grant_is_a_row_in_the_formats_of_the_schema(awarded, settings) -> None:
    settings.SCDL_ATTRIBUTING_NAME, settings.SCDL_ATTRIBUTING_SIRET = "Région Bretagne", "23350001600040"
    [row] = rows(2026)
    assert row == {
        "nomAttribuant": "Région Bretagne", "idAttribuant": "23350001600040", "dateConvention": "2026-01-20",
        "referenceDecision": "CP-2026-0412", "nomBeneficiaire": "Atelier du Réemploi",
        "idBeneficiaire": awarded.organisation.siret, "rnaBeneficiaire": "",
        "objet": "Atelier de réparation, « seconde vie »", "montant": "24000.50",
        "nature": "aide en numéraire", "conditionsVersement": "échelonné",
        "datesPeriodeVersement": "2026-02-01/2026-09-01", "idRAE": "",
        "notificationUE": "non", "pourcentageSubvention": "1.00", "dispositifAide": "Économie circulaire",
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


def test_the_rna_number_of_an_association_is_published(listed, circular, repaired, nadia) -> None:
    Organisation.objects.filter(pk=listed.pk).update(rna="W352001234")
    listed.refresh_from_db()
    awarded_grant(listed, circular, nadia, indicator=repaired, first_due=date(2026, 3, 31))
    [row] = rows(2026)
    assert row["rnaBeneficiaire"] == "W352001234"


def test_renaming_the_organisation_after_the_award_does_not_change_the_file(awarded, alice) -> None:
    before = list(scdl_lines(2026))
    Organisation.objects.filter(pk=awarded.organisation_id).update(legal_name="Nouveau nom", rna="W999999999")
    assert list(scdl_lines(2026)) == before


def test_a_siret_corrected_by_staff_after_the_award_does_not_change_the_file(awarded, nadia) -> None:
    from tests.factory import valid_siret

    before = list(scdl_lines(2026))
    core_services.change_identifiers(awarded.organisation, nadia, siret=valid_siret(777), rna="")
    assert list(scdl_lines(2026)) == before


def test_grants_awarded_before_the_snapshot_get_their_organisations_current_values(awarded) -> None:
    from importlib import import_module

    from django.apps import apps

    Grant.objects.filter(pk=awarded.pk).update(beneficiary_name="", beneficiary_siret="", beneficiary_rna="")
    migration = import_module("subventions.migrations.0002_grant_scdl_purpose_and_beneficiary")
    migration.snapshot_beneficiaries(apps, None)
    [row] = rows(2026)
    siret = awarded.organisation.siret
    assert (row["nomBeneficiaire"], row["idBeneficiaire"]) == ("Atelier du Réemploi", siret)


def test_payments_known_at_one_end_only_are_written_as_the_grants_period() -> None:
    period = (date(2026, 1, 1), date(2026, 12, 31))
    assert payment_dates(date(2026, 2, 1), None, period) == "2026-01-01/2026-12-31"


def test_a_row_without_its_convention_date_leaves_the_field_empty_as_the_schema_writes_it(awarded) -> None:
    grant = grants_of_year(2026).get()
    grant.convention_date = None
    assert row(grant)[COLUMNS.index("dateConvention")] == ""
