"""The CSV files of the grants (the SCDL open data and the staff dashboard): a name or a
purpose written like a formula is text in a spreadsheet, and numbers stay numbers."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from solidaire.models import Organisation
from subventions.models import Report
from subventions.scdl import scdl_lines
from tests.subventions.factory import awarded_grant

LEADING = ["=", "+", "-", "@", "\t", "\r"]


def formula(leading: str) -> str:
    return f'{leading}HYPERLINK("https://attaquant.example/";"Subvention")'


@pytest.mark.parametrize("leading", LEADING)
def test_the_scdl_file_writes_a_formula_as_text(listed, circular, repaired, nadia, leading) -> None:
    Organisation.objects.filter(pk=listed.pk).update(legal_name=formula(leading))
    listed.refresh_from_db()
    awarded_grant(
        listed, circular, nadia, indicator=repaired, first_due=date(2026, 3, 31), purpose=formula(leading)
    )
    [row] = csv.DictReader(io.StringIO("".join(scdl_lines(2026)), newline=""))
    assert (row["nomBeneficiaire"], row["objet"]) == ("'" + formula(leading), "'" + formula(leading))
    assert row["montant"] == "24000.00"


@pytest.mark.parametrize("leading", LEADING)
def test_the_dashboard_csv_writes_a_formula_as_text_and_a_negative_value_as_a_number(
    client, nadia, listed, report, leading
) -> None:
    Organisation.objects.filter(pk=listed.pk).update(legal_name=formula(leading))
    Report.objects.filter(pk=report.pk).update(value=Decimal("-12.50"))
    client.force_login(nadia)
    response = client.get(reverse("staff_grants_dashboard_csv"))
    body = b"".join(response.streaming_content).decode()
    row = next(r for r in csv.DictReader(io.StringIO(body, newline="")) if r["valeur"])
    assert (row["organisation"], row["valeur"]) == ("'" + formula(leading), "-12.50")
