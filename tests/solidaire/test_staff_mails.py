"""Staff see the emails the platform gave up on, with the reason, and send them again."""

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from solidaire import outbox
from solidaire.models import Membership, OutgoingMail
from solidaire.services import invite

REFUSED = smtplib.SMTPRecipientsRefused({"karim@exemple.og": (550, b"5.1.1 no such user")})


@pytest.fixture
def failed(org_a, alice) -> OutgoingMail:
    """Alice invited an address that does not exist: the server refused it for good."""
    invite(org_a, "karim@exemple.og", Membership.Role.EDITOR, by=alice)
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=REFUSED):
        outbox.send_due()
    return OutgoingMail.objects.get(status=OutgoingMail.Status.FAILED)


def test_staff_see_a_failed_email_with_its_reason(client, nadia, failed) -> None:
    client.force_login(nadia)
    response = client.get(reverse("staff_mails"))
    assert "[Solidaire] Invitation à rejoindre Atelier du Réemploi" in response.text
    assert "karim@exemple.og : 550 5.1.1 no such user" in response.text


def test_the_page_reads_the_same_number_of_queries_whatever_the_failures(
    client, nadia, failed, org_a, alice, django_assert_num_queries
) -> None:
    client.force_login(nadia)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("staff_mails"))
    for n in range(3):
        invite(org_a, f"personne{n}@exemple.og", Membership.Role.EDITOR, by=alice)
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=REFUSED):
        outbox.send_due()
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("staff_mails"))
    assert response.text.count("Renvoyer</button>") == 4


def test_staff_send_it_again_to_the_address_they_corrected(
    client, nadia, failed, django_capture_on_commit_callbacks
) -> None:
    client.force_login(nadia)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("staff_mail_retry", args=[failed.pk]), {"email": "karim@example.org"})
    assert response.url == reverse("staff_mails")
    assert [m.to for m in mail.outbox] == [["karim@example.org"]]
    failed.refresh_from_db()
    assert failed.status == OutgoingMail.Status.SENT


def test_a_malformed_address_is_refused_and_changes_nothing(client, nadia, failed) -> None:
    client.force_login(nadia)
    response = client.post(reverse("staff_mail_retry", args=[failed.pk]), {"email": "karim@"}, follow=True)
    assert "Courriel non renvoyé : Saisissez une adresse de courriel valide." in response.text
    failed.refresh_from_db()
    assert (failed.status, failed.to, mail.outbox) == (OutgoingMail.Status.FAILED, "karim@exemple.og", [])


def test_an_email_already_sent_again_cannot_be_sent_a_third_time(
    client, nadia, failed, django_capture_on_commit_callbacks
) -> None:
    client.force_login(nadia)
    url = reverse("staff_mail_retry", args=[failed.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"email": "karim@example.org"})
    assert client.post(url, {"email": "karim@example.org"}).status_code == 404
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("persona", ["alice", "dave"])
def test_people_outside_staff_neither_see_nor_resend(client, request, persona, failed) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("staff_mails")).status_code == 403
    response = client.post(reverse("staff_mail_retry", args=[failed.pk]), {"email": "intrus@example.org"})
    assert response.status_code == 403
    failed.refresh_from_db()
    assert failed.status == OutgoingMail.Status.FAILED


def test_a_refused_password_reset_is_shown_but_never_sent_elsewhere(client, nadia, alice) -> None:
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=REFUSED):
        client.post(reverse("account_reset_password"), {"email": "alice@example.org"})
        outbox.send_due()
    reset = OutgoingMail.objects.get(to="alice@example.org")
    assert (reset.status, reset.body_text) == (OutgoingMail.Status.FAILED, "")  # the link is erased
    client.force_login(nadia)
    assert "la personne refait sa demande" in client.get(reverse("staff_mails")).text
    response = client.post(reverse("staff_mail_retry", args=[reset.pk]), {"email": "pirate@example.org"})
    assert response.status_code == 404
