"""Who reaches which subsidies page: staff pages, the organisation's pages, open data."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from subventions.models import Grant, Programme, Report
from tests.subventions.factory import draft

STAFF_PAGES = [
    "staff_grants",
    "staff_grant_new",
    "staff_grant",
    "staff_grant_edit",
    "staff_report",
    "staff_programmes",
    "staff_programme_new",
    "staff_programme_edit",
    "staff_grants_dashboard",
    "staff_stakes",
    "staff_stake_new",
]
STAFF_FILES = ["staff_grant_pdf", "staff_grant_followup_pdf", "staff_grants_dashboard_csv"]
MEMBER_PAGES = ["organisation_grants", "member_grant", "member_report"]


@pytest.fixture
def drafted(listed, circular, nadia) -> Grant:
    return draft(
        listed, circular, nadia, amount=Decimal(5000), start=date(2026, 1, 1), end=date(2026, 12, 31)
    )


def staff_url(name: str, grant: Grant, drafted: Grant, report: Report, programme: Programme) -> str:
    args = {
        "staff_grant": [grant.pk],
        "staff_grant_edit": [drafted.pk],
        "staff_grant_pdf": [grant.pk],
        "staff_grant_followup_pdf": [grant.pk],
        "staff_report": [report.pk],
        "staff_programme_edit": [programme.pk],
    }
    return reverse(name, args=args.get(name, []))


def member_url(name: str, grant: Grant, report: Report) -> str:
    slug = grant.organisation.slug
    if name == "organisation_grants":
        return reverse(name, args=[slug])
    if name in ("member_grant", "member_grant_followup_pdf"):
        return reverse(name, args=[slug, grant.pk])
    return reverse(name, args=[slug, grant.pk, report.pk])


@pytest.fixture
def urls(grant, drafted, report, circular):
    return lambda name: staff_url(name, grant, drafted, report, circular)


@pytest.mark.parametrize("name", STAFF_PAGES + STAFF_FILES)
@pytest.mark.parametrize("persona", ["alice", "dave"])
def test_people_outside_staff_are_refused(client, request, urls, persona, name) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(urls(name)).status_code == 403


@pytest.mark.parametrize("name", STAFF_PAGES + STAFF_FILES)
def test_visitors_are_asked_to_sign_in_for_staff_pages(client, urls, name) -> None:
    response = client.get(urls(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("name", STAFF_PAGES + STAFF_FILES)
def test_staff_without_a_second_factor_are_sent_to_set_it_up(client, staff_without_2fa, urls, name) -> None:
    client.force_login(staff_without_2fa)
    assert client.get(urls(name)).url == reverse("mfa_activate_totp")


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_open_every_page(client, nadia, urls, name) -> None:
    client.force_login(nadia)
    assert client.get(urls(name)).status_code == 200


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("staff_grant_pdf", "application/pdf"),
        ("staff_grant_followup_pdf", "application/pdf"),
        ("staff_grants_dashboard_csv", "text/csv; charset=utf-8"),
    ],
)
def test_staff_download_the_files(client, nadia, urls, name, content_type) -> None:
    client.force_login(nadia)
    response = client.get(urls(name))
    assert (response.status_code, response["Content-Type"]) == (200, content_type)


def test_the_staff_menu_links_to_the_subsidies(client, nadia, listed) -> None:
    client.force_login(nadia)
    response = client.get(reverse("staff_organisations"))
    assert f'href="{reverse("staff_grants")}"' in response.text


@pytest.mark.parametrize("name", ["staff_grant", "staff_grant_edit", "staff_report", "staff_programme_edit"])
def test_an_unknown_id_is_not_found(client, nadia, name) -> None:
    client.force_login(nadia)
    assert client.get(reverse(name, args=[999999])).status_code == 404


# --- The organisation's pages ------------------------------------------------------------------


@pytest.mark.parametrize("name", [*MEMBER_PAGES, "member_grant_followup_pdf"])
@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_members_open_their_organisation_s_grant_pages(client, request, grant, report, persona, name) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(member_url(name, grant, report)).status_code == 200


@pytest.mark.parametrize("name", [*MEMBER_PAGES, "member_grant_followup_pdf", "member_report_evidence"])
@pytest.mark.parametrize("persona", ["charlie", "dave", "nadia"])
def test_outsiders_get_not_found(client, request, grant, report, persona, name) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(member_url(name, grant, report)).status_code == 404


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_visitors_are_asked_to_sign_in_for_the_organisation_s_pages(client, grant, report, name) -> None:
    response = client.get(member_url(name, grant, report))
    assert response.url.startswith(reverse("account_login"))


def test_a_member_does_not_see_a_grant_still_in_preparation(client, alice, drafted) -> None:
    client.force_login(alice)
    assert (
        client.get(reverse("member_grant", args=[drafted.organisation.slug, drafted.pk])).status_code == 404
    )


def test_a_member_cannot_reach_a_grant_through_another_organisation(
    client, charlie, org_b, grant, report
) -> None:
    client.force_login(charlie)
    url = reverse("member_report", args=[org_b.slug, grant.pk, report.pk])
    assert client.get(url).status_code == 404


def test_the_organisation_page_links_to_its_grants(client, alice, listed) -> None:
    client.force_login(alice)
    response = client.get(reverse("organisation_detail", args=[listed.slug]))
    assert f'href="{reverse("organisation_grants", args=[listed.slug])}"' in response.text


# --- Open data ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["open_data_grants", "open_data_grants_csv"])
def test_open_data_is_public(client, db, name) -> None:
    url = reverse(name, args=[2026] if name.endswith("csv") else [])
    assert client.get(url).status_code == 200
