"""The grant PDF and the follow-up report PDF: the facts and the indicators, read back."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import formats, timezone
from pypdf import PdfReader

from subventions import services
from subventions.pdf import grant_context, render_followup_pdf, render_grant_pdf


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def validated(grant, report, alice, nadia):
    services.submit_report(report, value=Decimal(280), comment="Bon trimestre.", evidence=None, by=alice)
    services.validate_report(report, by=nadia)
    return grant


def test_the_context_holds_the_indicators_with_their_reports_and_chart(validated) -> None:
    [item] = grant_context(validated)["indicators"]
    assert item.grant_indicator.indicator.name == "Appareils réparés"
    assert item.latest_value == Decimal(280)
    assert "280" in item.chart


def test_the_grant_pdf_holds_the_organisation_programme_amount_and_indicators(validated) -> None:
    text = pdf_text(render_grant_pdf(validated))
    for fact in (
        "Atelier du Réemploi",
        "Économie circulaire",
        "24 000 €",
        "Appareils réparés",
        "280",
        "CP-2026-0412",
    ):
        assert fact in text.replace("\xa0", " ").replace("\u202f", " ")


def test_the_follow_up_report_holds_the_values_reported_and_the_target(validated) -> None:
    text = pdf_text(render_followup_pdf(validated)).replace("\xa0", " ").replace("\u202f", " ")
    assert "Rapport de suivi — Atelier du Réemploi" in text
    assert "Économie circulaire" in text and "24 000 €" in text
    assert "Total des valeurs validées : 280 appareils, pour une cible de 1 200 par an." in text
    assert "Situation au " + formats.date_format(timezone.localdate(), "j F Y") in text


def test_staff_download_the_grant_pdf(client, nadia, validated) -> None:
    client.force_login(nadia)
    response = client.get(reverse("staff_grant_pdf", args=[validated.pk]))
    assert response["Content-Disposition"].startswith('attachment; filename="subvention-atelier-du-reemploi-')
    assert response.content.startswith(b"%PDF")


def test_members_download_their_follow_up_report(client, alice, validated) -> None:
    client.force_login(alice)
    response = client.get(
        reverse("member_grant_followup_pdf", args=[validated.organisation.slug, validated.pk])
    )
    assert "Appareils réparés" in pdf_text(response.content)
