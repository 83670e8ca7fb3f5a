from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from solidaire.models import AuditEntry, Invitation, Membership, User
from tests.factory import make_user


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    """Posts the invitation form and runs what waits for the commit (the email)."""

    def post(org, email: str = "karim@example.org", role: str = "editor"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("member_invite", args=[org.slug]), {"email": email, "role": role})

    return post


def test_an_admin_invites_a_colleague_who_receives_a_link(client, invite, alice, org_a) -> None:
    client.force_login(alice)
    invite(org_a)
    invitation = Invitation.objects.get()
    assert mail.outbox[0].to == ["karim@example.org"]
    assert invitation.get_absolute_url() in mail.outbox[0].body
    assert "Atelier du Réemploi" in mail.outbox[0].subject


def test_the_invitation_email_has_a_text_and_an_html_part(client, invite, alice, org_a) -> None:
    client.force_login(alice)
    invite(org_a)
    html, mimetype = mail.outbox[0].alternatives[0]
    assert mimetype == "text/html"
    assert "Accepter l'invitation" in html


def test_inviting_a_member_again_is_refused(client, invite, alice, bob, org_a) -> None:
    client.force_login(alice)
    response = invite(org_a, email="BOB@example.org")
    assert "Cette personne est déjà membre de l&#x27;organisation." in response.text
    assert not mail.outbox


def test_a_colleague_with_an_account_joins_with_the_invited_role(client, invite, alice, org_a) -> None:
    karim = make_user("karim@example.org")
    client.force_login(alice)
    invite(org_a)
    client.force_login(karim)
    response = client.post(Invitation.objects.get().get_absolute_url())
    assert response.url == reverse("organisation_detail", args=[org_a.slug])
    assert Membership.objects.get(user=karim).role == Membership.Role.EDITOR


def test_an_invitation_cannot_be_used_by_another_address(client, invite, alice, dave, org_a) -> None:
    client.force_login(alice)
    invite(org_a)
    client.force_login(dave)
    response = client.post(Invitation.objects.get().get_absolute_url())
    assert "Cette invitation a été envoyée à karim@example.org" in response.text
    assert not Membership.objects.filter(user=dave).exists()


def test_an_expired_invitation_is_refused(client, invite, alice, org_a) -> None:
    karim = make_user("karim@example.org")
    client.force_login(alice)
    invite(org_a)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(karim)
    response = client.post(Invitation.objects.get().get_absolute_url())
    assert response.status_code == 410
    assert not Membership.objects.filter(user=karim).exists()


def test_an_invitation_is_used_once(client, invite, alice, org_a) -> None:
    karim = make_user("karim@example.org")
    client.force_login(alice)
    invite(org_a)
    url = Invitation.objects.get().get_absolute_url()
    client.force_login(karim)
    client.post(url)
    assert client.post(url).status_code == 410


def test_a_newcomer_following_the_link_signs_up_without_a_second_verification(
    client, invite, alice, org_a
) -> None:
    client.force_login(alice)
    invite(org_a)
    client.logout()
    url = Invitation.objects.get().get_absolute_url()
    assert "Créer mon compte" in client.get(url).text
    response = client.post(
        reverse("account_signup") + f"?next={url}",
        {
            "email": "karim@example.org",
            "password1": "un autre mot de passe 2026",
            "password2": "un autre mot de passe 2026",
        },
        follow=True,
    )
    assert response.wsgi_request.user.email == "karim@example.org"
    client.post(url)
    assert Membership.objects.filter(organisation=org_a, user__email="karim@example.org").exists()


def test_an_admin_removes_a_member(client, alice, bob, org_a) -> None:
    client.force_login(alice)
    client.post(reverse("member_remove", args=[org_a.slug, bob.memberships.get().pk]))
    assert not Membership.objects.filter(user=bob).exists()
    assert AuditEntry.objects.filter(action="membership.remove", actor=alice).exists()


def test_the_last_admin_cannot_be_removed(client, alice, org_a) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("member_remove", args=[org_a.slug, alice.memberships.get().pk]), follow=True
    )
    assert "L&#x27;organisation doit garder au moins un administrateur." in response.text
    assert Membership.objects.filter(user=alice).exists()


def test_an_editor_cannot_remove_a_member(client, alice, bob, org_a) -> None:
    client.force_login(bob)
    response = client.post(reverse("member_remove", args=[org_a.slug, alice.memberships.get().pk]))
    assert response.status_code == 403
    assert Membership.objects.filter(user=alice).exists()


def test_an_admin_cannot_remove_a_member_of_another_organisation(
    client, alice, org_a, charlie, org_b
) -> None:
    client.force_login(alice)
    response = client.post(reverse("member_remove", args=[org_a.slug, charlie.memberships.get().pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_member_of_another_organisation_cannot_invite(client, charlie, org_a, method) -> None:
    client.force_login(charlie)
    assert getattr(client, method)(reverse("member_invite", args=[org_a.slug])).status_code in (404, 405)


def test_the_text_part_of_an_email_is_not_html_escaped(client, invite, alice) -> None:
    from tests.factory import make_organisation

    organisation = make_organisation("L'Atelier d'Yves", admin=alice)
    client.force_login(alice)
    invite(organisation)
    assert "« L'Atelier d'Yves »" in mail.outbox[0].body
    assert "&#x27;" not in mail.outbox[0].subject


def test_an_organisations_mail_goes_to_its_members_whose_account_is_active(alice, bob, org_a, org_b) -> None:
    User.objects.filter(pk=bob.pk).update(is_active=False)
    assert list(User.objects.active_members_of(org_a)) == [alice]


def test_the_active_members_of_several_organisations_are_read_at_once(alice, charlie, org_a, org_b) -> None:
    members = User.objects.active_members_of(org_a.pk, org_b.pk).order_by("email")
    assert list(members) == [alice, charlie]
