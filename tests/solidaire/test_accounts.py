import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from solidaire.models import OutgoingMail, User
from tests.factory import PASSWORD, TOTP_SECRET, make_user

NEW_PASSWORD = "une phrase de passe 2026"


@pytest.fixture
def sign_up(client, db, django_capture_on_commit_callbacks):
    """Signs up; the emails it stores are sent as the worker would after the commit."""

    def post(email: str = "lea@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("account_signup"),
                {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            )

    return post


def test_signing_up_sends_a_verification_email_and_does_not_sign_in(client, sign_up) -> None:
    response = sign_up()
    assert response.url == reverse("account_email_verification_sent")
    assert mail.outbox[0].to == ["lea@example.org"]
    assert not client.get(reverse("dashboard")).wsgi_request.user.is_authenticated


def test_the_link_of_a_sent_verification_email_is_not_kept(sign_up) -> None:
    sign_up()
    kept = OutgoingMail.objects.get(to="lea@example.org")
    assert (kept.status, kept.subject, kept.body_text, kept.body_html) == (
        OutgoingMail.Status.SENT,
        "[Solidaire] Confirmez votre adresse e-mail",
        "",
        "",
    )


def test_following_the_verification_link_signs_in_and_shows_the_next_step(client, sign_up) -> None:
    sign_up()
    link = re.search(r"https?://\S+/compte/confirm-email/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path, follow=True)
    assert EmailAddress.objects.get(email="lea@example.org").verified
    assert "Prochaine étape : créez votre organisation." in response.text


def test_an_unverified_user_cannot_sign_in(client, sign_up) -> None:
    sign_up()
    client.logout()
    response = client.post(reverse("account_login"), {"login": "lea@example.org", "password": NEW_PASSWORD})
    assert response.url == reverse("account_email_verification_sent")


def test_the_login_is_the_email_address(client, alice) -> None:
    response = client.post(reverse("account_login"), {"login": "ALICE@example.org", "password": PASSWORD})
    assert response.url == reverse("dashboard")


def test_a_wrong_password_is_explained_in_french(client, alice) -> None:
    response = client.post(reverse("account_login"), {"login": "alice@example.org", "password": "faux"})
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in response.text


def test_failed_logins_are_rate_limited(client, alice) -> None:
    for _attempt in range(5):
        client.post(reverse("account_login"), {"login": "alice@example.org", "password": "faux"})
    response = client.post(reverse("account_login"), {"login": "alice@example.org", "password": PASSWORD})
    assert "Trop de tentatives de connexion échouées. Veuillez réessayer ultérieurement." in response.text
    assert not response.wsgi_request.user.is_authenticated


def eleven_clients_behind_the_proxy(network: str):
    """Ten people behind the reverse proxy at 10.0.0.2 mistype their password once each,
    then an eleventh, Alice, types hers. Her response."""
    from django.test import Client

    def sign_in(n: int, email: str, password: str):
        return Client(REMOTE_ADDR="10.0.0.2").post(
            reverse("account_login"),
            {"login": email, "password": password},
            headers={"x-forwarded-for": f"{network}.{n}"},
        )

    for n in range(10):
        sign_in(n, f"personne{n}@example.org", "faux")
    return sign_in(11, "alice@example.org", PASSWORD)


def test_behind_the_proxy_failed_logins_are_counted_per_client(alice, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    assert eleven_clients_behind_the_proxy("203.0.113").url == reverse("dashboard")


def test_a_forged_forwarded_address_without_a_trusted_proxy_escapes_no_limit(alice, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    response = eleven_clients_behind_the_proxy("198.51.100")
    assert "Trop de tentatives de connexion échouées." in response.text
    assert not response.wsgi_request.user.is_authenticated


def test_a_password_reset_sends_a_link(client, alice, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "alice@example.org"})
    assert mail.outbox[0].to == ["alice@example.org"]
    assert "/compte/password/reset/key/" in mail.outbox[0].body


def test_a_user_with_totp_is_asked_for_the_code_after_the_password(client, nadia) -> None:
    response = client.post(reverse("account_login"), {"login": nadia.email, "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")
    assert not client.get(reverse("dashboard")).wsgi_request.user.is_authenticated


def test_the_right_totp_code_completes_the_login(client, nadia) -> None:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    client.post(reverse("account_login"), {"login": nadia.email, "password": PASSWORD})
    counters = list(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(TOTP_SECRET, counters[len(counters) // 2]))
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.get(reverse("staff_organisations")).status_code == 200


def test_a_user_is_created_with_an_email_and_no_username(db) -> None:
    user = make_user("Lea@Example.org")
    assert User.objects.get(email="lea@example.org") == user


def test_emails_to_someone_who_signed_up_in_english_are_in_english(client, db) -> None:
    client.post(
        "/en" + reverse("account_signup"),
        {"email": "sophie@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert User.objects.get(email="sophie@example.org").language == "en"


def test_changing_the_password_signs_out_the_other_sessions_and_keeps_this_one(alice) -> None:
    from django.test import Client

    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        device.post(reverse("account_login"), {"login": "alice@example.org", "password": PASSWORD})
        assert device.get(reverse("dashboard")).status_code == 200
    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get(reverse("dashboard")).status_code == 200
    signed_out = phone.get(reverse("dashboard"))
    assert signed_out.status_code == 302
    assert signed_out.url.startswith(reverse("account_login"))
