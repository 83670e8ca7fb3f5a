"""The staff dashboard of reports: by state per programme and per organisation, late
first, filters, a chart per indicator, and the CSV of what it shows."""

import csv
import html
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from subventions import services
from subventions.models import Programme, Report
from tests.factory import make_organisation
from tests.subventions.factory import awarded_grant, make_programme


def text(response) -> str:
    return html.unescape(response.content.decode())


def make_late(report: Report) -> Report:
    Report.objects.filter(pk=report.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    report.refresh_from_db()
    return report


@pytest.fixture
def staff(client, nadia):
    client.force_login(nadia)
    return client


@pytest.fixture
def other_grant(org_b, repaired, nadia):
    """Organisation B's grant under a programme without conditions; its first report is due in 40 days."""
    programme = make_programme("Vie associative", min_overall=None, status_rule=Programme.StatusRule.ANY,
                               indicators=[repaired])  # fmt: skip
    return awarded_grant(org_b, programme, nadia, indicator=repaired,
                         first_due=timezone.localdate() + timedelta(days=40))  # fmt: skip


def rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_late_reports_come_first(staff, grant, report, other_grant) -> None:
    late = other_grant.indicators.get().reports.order_by("due_date").first()
    make_late(late)
    page = text(staff.get(reverse("staff_grants_dashboard")))
    assert page.index(reverse("staff_grant", args=[other_grant.pk])) < page.index(
        reverse("staff_grant", args=[grant.pk])
    )
    assert "en retard" in page


def test_reports_are_counted_by_state_per_programme_and_per_organisation(
    staff, grant, report, other_grant, alice
) -> None:
    services.submit_report(report, value=Decimal(280), comment="", evidence=None, by=alice)
    response = staff.get(reverse("staff_grants_dashboard"))
    assert response.context["by_programme"][0].name in ("Économie circulaire", "Vie associative")
    by_organisation = {row.name: row.counts for row in response.context["by_organisation"]}
    # late, due, correction requested, submitted, validated
    assert by_organisation["Atelier du Réemploi"] == [0, 4, 0, 1, 0]
    assert by_organisation["Coopérative des Deux Rives"][1] == 5


def test_the_filters_narrow_the_reports(staff, grant, other_grant) -> None:
    response = staff.get(reverse("staff_grants_dashboard"), {"organisation": other_grant.organisation_id})
    organisations = {report.grant_indicator.grant.organisation_id for report in response.context["page"]}
    assert organisations == {other_grant.organisation_id}


def test_the_state_filter_keeps_the_late_reports(staff, grant, report, other_grant) -> None:
    make_late(report)
    response = staff.get(reverse("staff_grants_dashboard"), {"etat": "late"})
    assert [r.pk for r in response.context["page"]] == [report.pk]
    assert len(response.context["charts"]) == 1


def test_a_filter_value_that_is_not_a_choice_gets_a_message(staff, grant) -> None:
    response = staff.get(reverse("staff_grants_dashboard"), {"dispositif": "999", "etat": "perdu"})
    assert response.status_code == 200
    assert text(response).count("Sélectionnez un choix valide") >= 2


def test_each_indicator_of_a_grant_has_its_chart_against_baseline_and_target(
    staff, grant, other_grant
) -> None:
    response = staff.get(reverse("staff_grants_dashboard"))
    page = text(response)
    assert len(response.context["charts"]) == 2
    assert "Appareils réparés — Atelier du Réemploi (Économie circulaire)" in page
    assert "Référence : 225\xa0appareils" in page and "Cible : 300\xa0appareils" in page


def test_the_csv_holds_the_reports_shown_with_the_same_filters(staff, grant, report, other_grant) -> None:
    make_late(report)
    response = staff.get(reverse("staff_grants_dashboard_csv"), {"etat": "late"})
    assert response.streaming
    assert [(row["organisation"], row["etat"], row["depart_periode"]) for row in rows(response)] == [
        ("Atelier du Réemploi", "en retard", "225.00")
    ]


def test_the_dashboard_links_to_the_csv_of_its_selection(staff, grant) -> None:
    response = staff.get(reverse("staff_grants_dashboard"), {"etat": "due", "page": "2"})
    assert f'href="{reverse("staff_grants_dashboard_csv")}?etat=due"' in response.text


def test_a_csv_asked_with_a_wrong_filter_sends_back_to_the_dashboard(staff, grant) -> None:
    response = staff.get(reverse("staff_grants_dashboard_csv"), {"etat": "perdu"})
    assert response.url == reverse("staff_grants_dashboard") + "?etat=perdu"


def many(count: int, repaired, nadia) -> None:
    programme = make_programme("Vie associative", min_overall=None, status_rule=Programme.StatusRule.ANY,
                               indicators=[repaired])  # fmt: skip
    first_due = timezone.localdate() + timedelta(days=10)
    for n in range(count):
        organisation = make_organisation(f"Ressourcerie {n:02d}")
        awarded_grant(organisation, programme, nadia, indicator=repaired, first_due=first_due)
    make_late(Report.objects.order_by("pk").first())


@pytest.mark.parametrize("count", [2, 20])
def test_the_dashboard_reads_a_constant_number_of_queries(
    staff, django_assert_num_queries, repaired, nadia, count
) -> None:
    many(count, repaired, nadia)
    with django_assert_num_queries(9):
        response = staff.get(reverse("staff_grants_dashboard"))
    assert len(response.context["charts"]) == count


@pytest.mark.parametrize("count", [2, 20])
def test_the_csv_is_a_stream_whose_queries_do_not_grow_with_the_rows(
    staff, django_assert_num_queries, repaired, nadia, count
) -> None:
    many(count, repaired, nadia)
    response = staff.get(reverse("staff_grants_dashboard_csv"))
    with django_assert_num_queries(1):
        lines = rows(response)
    assert len(lines) == Report.objects.count()


def test_the_list_is_paginated_and_the_pages_keep_the_filters(staff, grant, monkeypatch) -> None:
    from subventions.views import dashboard

    monkeypatch.setattr(dashboard, "DASHBOARD_PAGE", 2)
    response = staff.get(reverse("staff_grants_dashboard"), {"etat": "due"})
    assert 'href="?etat=due&amp;page=2"' in response.text
    assert "Page 1 sur 3" in text(response)
