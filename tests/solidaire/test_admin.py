"""Django's admin signs in only through the platform's login: second factor and rate limits."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from tests.factory import PASSWORD, make_user, sign_in_with_totp


@pytest.fixture
def root(db):
    """A superuser with TOTP, as every Django admin must have."""
    return make_user("root@region.example", is_staff=True, is_superuser=True, totp=True)


def location(response) -> tuple[str, dict]:
    url = urlsplit(response["Location"])
    return url.path, parse_qs(url.query)


def test_the_admin_login_sends_to_the_platform_login_with_next(client, db) -> None:
    response = client.get(reverse("admin:login"), {"next": "/admin/solidaire/organisation/"})
    assert location(response) == (reverse("account_login"), {"next": ["/admin/solidaire/organisation/"]})


@pytest.mark.parametrize("form", ["admin:login", "account_login"])
def test_a_superuser_with_totp_cannot_reach_an_admin_page_after_a_password_only_login(
    client, root, form
) -> None:
    client.post(reverse(form), {"username": root.email, "login": root.email, "password": PASSWORD})
    response = client.get(reverse("admin:solidaire_organisation_changelist"))
    assert location(response)[0] == reverse("admin:login")
    assert not response.wsgi_request.user.is_authenticated


def test_a_superuser_signed_in_without_the_code_is_asked_for_it(client, root) -> None:
    client.force_login(root)  # e.g. signed in before the second factor was set up
    page = reverse("admin:solidaire_organisation_changelist")
    response = client.get(reverse("admin:login"), {"next": page})
    assert location(response) == (reverse("mfa_reauthenticate"), {"next": [page]})


def test_a_superuser_who_typed_the_code_reaches_the_admin(client, root) -> None:
    sign_in_with_totp(client, root)
    assert client.get(reverse("admin:solidaire_organisation_changelist")).status_code == 200


def test_a_superuser_without_a_second_factor_is_sent_to_set_one_up(client, db) -> None:
    client.force_login(make_user("nouveau@region.example", is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:login"), {"next": reverse("admin:index")}, follow=True)
    assert response.redirect_chain[0][0] == reverse("mfa_activate_totp")
    assert "activez d&#x27;abord la double authentification" in response.text


def test_a_signed_in_person_who_is_not_a_django_admin_is_refused(client, alice) -> None:
    client.force_login(alice)
    assert client.get(reverse("admin:login")).status_code == 403


def test_the_admin_login_does_not_send_elsewhere(client, root) -> None:
    sign_in_with_totp(client, root)
    response = client.get(reverse("admin:login"), {"next": "https://ailleurs.example/"})
    assert response.url == reverse("admin:index")


def test_thirty_wrong_passwords_through_the_admin_are_throttled(client, root) -> None:
    for _attempt in range(30):
        login_page = client.post(reverse("admin:login"), {"username": root.email, "password": "faux"}).url
        response = client.post(login_page, {"login": root.email, "password": "faux"})
    assert "Trop de tentatives de connexion échouées." in response.text
    response = client.post(login_page, {"login": root.email, "password": PASSWORD})
    assert (response.status_code, response.wsgi_request.user.is_authenticated) == (429, False)
    assert "Patientez quelques minutes, puis réessayez." in response.text


def test_the_admin_password_form_is_the_platform_one(client, root) -> None:
    sign_in_with_totp(client, root)
    assert client.get(reverse("admin:password_change")).url == reverse("account_change_password")
