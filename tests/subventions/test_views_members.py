"""The organisation's members: their grants, the reporting calendar, the report of a
period (value, comment, evidence), the Region's correction message and the chart."""

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from subventions import services
from subventions.models import Report, ReportState
from tests.referentiel.factory import pdf_bytes


def text(response) -> str:
    return html.unescape(response.content.decode())


def make_late(report: Report) -> Report:
    Report.objects.filter(pk=report.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    report.refresh_from_db()
    return report


@pytest.fixture
def member(client, bob):
    client.force_login(bob)
    return client


def report_url(report: Report) -> str:
    grant = report.grant_indicator.grant
    return reverse("member_report", args=[grant.organisation.slug, grant.pk, report.pk])


def grant_url(grant) -> str:
    return reverse("member_grant", args=[grant.organisation.slug, grant.pk])


def spreadsheet() -> SimpleUploadedFile:
    return SimpleUploadedFile("suivi.pdf", pdf_bytes("Tableau de suivi"), content_type="application/pdf")


def test_members_see_their_grants_and_the_reports_to_hand_in(member, grant, report) -> None:
    response = member.get(reverse("organisation_grants", args=[grant.organisation.slug]))
    assert grant_url(grant) in text(response)
    assert report_url(report) in text(response)


def test_a_late_report_comes_first_and_says_so(member, grant, report) -> None:
    make_late(report)
    response = member.get(reverse("organisation_grants", args=[grant.organisation.slug]))
    page = text(response)
    assert "en retard" in page
    assert page.index(report_url(report)) < page.index(report_url(report.grant_indicator.reports.last()))


def test_the_grant_page_shows_the_reporting_calendar(member, grant, report) -> None:
    response = member.get(grant_url(grant))
    assert "Calendrier des rapports : Appareils réparés" in text(response)
    assert report.due_date.strftime("%Y") in text(response)
    assert "Déclarer la valeur" in text(response)


def test_a_member_reports_a_value_with_a_comment_and_evidence(member, report) -> None:
    response = member.post(
        report_url(report), {"value": "280", "comment": "Bon trimestre.", "evidence": spreadsheet()}
    )
    report.refresh_from_db()
    assert response.url == grant_url(report.grant_indicator.grant)
    assert (report.state, report.value, report.comment) == (
        ReportState.SUBMITTED,
        Decimal(280),
        "Bon trimestre.",
    )
    assert report.evidence_name == "suivi.pdf"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"value": "beaucoup"}, "Saisissez un nombre."),
        ({"value": ""}, "Ce champ est obligatoire."),
        (
            {"value": "280", "evidence": SimpleUploadedFile("notes.txt", b"juste du texte")},
            "Ce type de fichier n'est pas accepté",
        ),
        ({"value": "280", "evidence": SimpleUploadedFile("vide.pdf", b"")}, "Le fichier soumis est vide."),
    ],
)
def test_a_bad_report_gets_a_message_and_nothing_changes(member, report, data, message) -> None:
    response = member.post(report_url(report), data)
    assert message in text(response)
    assert Report.objects.get(pk=report.pk).status == ReportState.DUE


def test_a_report_whose_period_has_not_begun_cannot_be_handed_in(member, grant) -> None:
    later = grant.indicators.get().reports.order_by("due_date").last()
    assert "La période commence le" in text(member.get(report_url(later)))
    response = member.post(report_url(later), {"value": "280"})
    assert "le rapport se remet à partir de ce jour" in text(response)
    assert Report.objects.get(pk=later.pk).status == ReportState.DUE


def test_a_report_handed_in_is_not_handed_in_twice(member, report, bob) -> None:
    services.submit_report(report, value=Decimal(280), comment="", evidence=None, by=bob)
    assert "la Région l'examine" in text(member.get(report_url(report)))
    response = member.post(report_url(report), {"value": "300"})
    assert "Ce rapport est déjà remis." in text(response)
    assert Report.objects.get(pk=report.pk).value == Decimal(280)


def test_the_region_s_correction_message_is_shown_and_the_report_handed_in_again(
    member, report, bob, nadia
) -> None:
    services.submit_report(report, value=Decimal(280), comment="", evidence=None, by=bob)
    services.request_correction(report, message="Le justificatif manque.", by=nadia)
    response = member.get(report_url(report))
    assert "La Région demande une correction" in text(response)
    assert "Le justificatif manque." in text(response)
    member.post(report_url(report), {"value": "285", "evidence": spreadsheet()})
    assert Report.objects.get(pk=report.pk).state == ReportState.SUBMITTED


def test_the_chart_shows_the_validated_values_against_the_target(member, grant, report, bob, nadia) -> None:
    services.submit_report(report, value=Decimal(280), comment="", evidence=None, by=bob)
    services.validate_report(report, by=nadia)
    page = text(member.get(grant_url(grant)))
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in page
    assert " : 280\xa0appareils" in page
    assert "Cible : 300\xa0appareils" in page


def test_members_download_their_evidence(member, report, bob) -> None:
    from solidaire.lib.documents import check_document

    services.submit_report(
        report, value=Decimal(280), comment="", evidence=check_document(spreadsheet()), by=bob
    )
    grant = report.grant_indicator.grant
    url = reverse("member_report_evidence", args=[grant.organisation.slug, grant.pk, report.pk])
    response = member.get(url)
    assert response["Content-Disposition"] == 'attachment; filename="suivi.pdf"'


def test_a_report_of_another_grant_is_not_found_under_this_one(member, report, listed, nadia) -> None:
    from tests.subventions.factory import awarded_grant, make_indicator, make_programme

    volunteers = make_indicator("benevoles", name="Bénévoles")
    other = awarded_grant(
        listed, make_programme("Vie associative"), nadia, indicator=volunteers, first_due=report.due_date
    )
    url = reverse("member_report", args=[listed.slug, other.pk, report.pk])
    assert member.get(url).status_code == 404
