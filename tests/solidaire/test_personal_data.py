"""Journey 6: Léa downloads her personal data, then deletes her account."""

import json

import pytest
from django.urls import reverse

from solidaire import outbox, privacy
from solidaire.audit import verify_chain
from solidaire.models import AuditEntry, Membership, OutgoingMail, User
from tests.factory import PASSWORD, make_user


def test_a_person_downloads_their_data_as_json(client, alice, org_a) -> None:
    client.force_login(alice)
    response = client.get(reverse("personal_data"), {"format": "json"})
    data = json.loads(response.content)
    assert response["Content-Disposition"] == 'attachment; filename="mes-donnees-solidaire.json"'
    assert data["account"]["email"] == "alice@example.org"
    assert data["memberships"][0]["organisation"] == "Atelier du Réemploi"


def test_the_export_includes_what_the_other_apps_hold(alice) -> None:
    data = privacy.export_personal_data(alice)
    assert {"referentiel", "assembly"} <= set(data)


def test_the_export_lists_the_emails_she_received_and_deleting_the_account_deletes_them(
    alice, org_a, karim_takes_over
) -> None:
    outbox.notify("listing_renewal", [alice, karim_takes_over], {"organisation": org_a})
    [received] = privacy.export_personal_data(alice)["emails_received"]
    assert received["subject"] == "[Solidaire] Le référencement de Atelier du Réemploi prend fin le"
    privacy.delete_account(alice)
    assert list(OutgoingMail.objects.values_list("to", flat=True)) == ["karim@example.org"]


def test_the_last_admin_of_an_organisation_must_name_another_first(client, alice, org_a) -> None:
    client.force_login(alice)
    response = client.post(reverse("account_delete"), {"password": PASSWORD})
    assert "Vous êtes le seul administrateur de « Atelier du Réemploi »" in response.text
    assert User.objects.get(pk=alice.pk).is_active


@pytest.fixture
def karim_takes_over(org_a, alice):
    karim = make_user("karim@example.org", full_name="Karim Haddad")
    Membership.objects.create(organisation=org_a, user=karim, role=Membership.Role.ADMIN)
    return karim


def test_a_wrong_password_deletes_nothing(client, alice, karim_takes_over) -> None:
    client.force_login(alice)
    response = client.post(reverse("account_delete"), {"password": "pas le bon"})
    assert "Ce mot de passe n&#x27;est pas le bon." in response.text
    assert User.objects.get(pk=alice.pk).is_active


def test_deleting_the_account_erases_the_name_and_signs_out(client, alice, org_a, karim_takes_over) -> None:
    client.force_login(alice)
    client.post(reverse("account_delete"), {"password": PASSWORD})
    deleted = User.objects.get(pk=alice.pk)
    assert (deleted.is_active, deleted.full_name, str(deleted)) == (False, "", "Compte supprimé")
    assert "alice" not in deleted.email
    assert not client.get(reverse("dashboard")).wsgi_request.user.is_authenticated


def test_her_name_no_longer_appears_on_the_organisation_page(client, alice, org_a, karim_takes_over) -> None:
    privacy.delete_account(alice)
    client.force_login(karim_takes_over)
    response = client.get(reverse("organisation_detail", args=[org_a.slug]))
    assert "Alice" not in response.text
    assert "alice@example.org" not in response.text


def test_the_audit_trail_stays_verifiable_without_her_email(alice, org_a, karim_takes_over) -> None:
    from solidaire import services

    services.invite(org_a, "bob@example.org", "editor", by=alice)
    privacy.delete_account(alice)
    assert verify_chain()[1] is None
    shown = {entry.author for entry in AuditEntry.objects.filter(actor_ref=f"user:{alice.pk}").with_names()}
    assert shown == {"Compte supprimé"}


def test_her_ballots_keep_their_count(alice, org_a, karim_takes_over, nadia) -> None:
    from assemblee import services as assembly
    from assemblee.models import Ballot
    from tests.assemblee.factory import make_colleges, make_member, make_session, on_agenda, ready_application

    colleges = make_colleges()
    member = make_member(colleges[0], "lea@example.org")
    for college in colleges[1:3]:  # the college quorum needs seated members in three of five
        make_member(college)
    applicant = make_user()
    from tests.factory import make_organisation

    organisation = make_organisation("Candidate", admin=applicant)
    session = make_session(nadia)
    item = on_agenda(ready_application(organisation, applicant), session, nadia)
    assembly.publish_session(session, by=nadia)
    assembly.cast_ballot(item, member, "admit")
    privacy.delete_account(member)
    assert Ballot.objects.filter(item=item, choice="admit").count() == 1
    assert not member.mandates.current().exists()
