import pytest
from django.urls import reverse

from solidaire import services
from solidaire.models import AuditEntry, Organisation
from tests.factory import make_organisation, valid_siret


@pytest.fixture
def listed(db) -> Organisation:
    organisation = make_organisation("Épicerie solidaire de Morlaix", status=Organisation.Status.APPLICANT)
    return services.admit(organisation, by=None)


def test_staff_see_every_organisation(client, nadia, listed, org_a) -> None:
    client.force_login(nadia)
    response = client.get(reverse("staff_organisations"))
    assert listed.name in response.text
    assert org_a.name in response.text


def test_staff_filter_organisations_by_status(client, nadia, listed, org_a) -> None:
    client.force_login(nadia)
    response = client.get(reverse("staff_organisations"), {"statut": "listed"})
    assert listed.name in response.text
    assert org_a.name not in response.text


@pytest.mark.parametrize("persona", ["alice", "dave"])
def test_people_outside_staff_are_refused(client, request, persona, listed) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("staff_organisations")).status_code == 403
    assert client.get(reverse("staff_organisation", args=[listed.slug])).status_code == 403


def test_staff_without_a_second_factor_are_sent_to_set_it_up(client, staff_without_2fa) -> None:
    client.force_login(staff_without_2fa)
    response = client.get(reverse("staff_organisations"))
    assert response.url == reverse("mfa_activate_totp")


def test_a_visitor_is_asked_to_sign_in(client) -> None:
    response = client.get(reverse("staff_organisations"))
    assert response.url.startswith(reverse("account_login"))


def test_staff_suspend_a_listing_with_a_reason(client, nadia, listed) -> None:
    client.force_login(nadia)
    client.post(
        reverse("staff_organisation", args=[listed.slug]),
        {"action": "suspend", "reason": "Contrôle en cours"},
    )
    listed.refresh_from_db()
    assert (listed.status, listed.status_reason) == ("suspended", "Contrôle en cours")


def test_a_suspension_without_reason_is_refused(client, nadia, listed) -> None:
    client.force_login(nadia)
    response = client.post(
        reverse("staff_organisation", args=[listed.slug]), {"action": "suspend", "reason": ""}
    )
    assert "Ce champ est obligatoire." in response.text
    listed.refresh_from_db()
    assert listed.status == "listed"


def test_staff_reinstate_a_suspended_listing(client, nadia, listed) -> None:
    services.suspend(listed, by=nadia, reason="Contrôle")
    client.force_login(nadia)
    client.post(reverse("staff_organisation", args=[listed.slug]), {"action": "reinstate"})
    listed.refresh_from_db()
    assert listed.status == "listed"


def test_the_staff_page_shows_the_history(client, nadia, listed) -> None:
    client.force_login(nadia)
    response = client.get(reverse("staff_organisation", args=[listed.slug]))
    assert "organisation.admit" in response.text


def test_staff_see_the_organisations_whose_siret_the_check_now_refuses(client, nadia, org_a, org_b) -> None:
    # A valid key over the 14 digits, not over the SIREN: accepted before python-stdnum checked it.
    Organisation.objects.filter(pk=org_a.pk).update(siret="73282932100072")
    client.force_login(nadia)
    response = client.get(reverse("staff_organisations"), {"statut": "listed"})
    section = response.text.split('id="invalid-sirets"')[1].split("</section>")[0]
    assert "73282932100072" in section and org_a.name in section
    assert org_b.name not in section
    assert Organisation.objects.filter(pk=org_a.pk).exists()


def test_without_an_invalid_siret_staff_see_no_list_of_them(client, nadia, org_a) -> None:
    client.force_login(nadia)
    assert "Numéros SIRET à faire corriger" not in client.get(reverse("staff_organisations")).text


def test_staff_correct_the_siret_and_rna_of_a_listed_organisation(client, nadia, listed) -> None:
    client.force_login(nadia)
    siret = valid_siret()
    response = client.post(
        reverse("staff_organisation", args=[listed.slug]),
        {"action": "identifiers", "siret": siret, "rna": "W352001234"},
        follow=True,
    )
    assert "Les identifiants de l&#x27;organisation sont enregistrés." in response.text
    listed.refresh_from_db()
    assert (listed.siret, listed.rna) == (siret, "W352001234")
    assert AuditEntry.objects.get(action="organisation.identifiers").data == {"fields": ["siret", "rna"]}


def test_a_wrong_siret_typed_by_staff_is_refused_with_a_message(client, nadia, listed) -> None:
    client.force_login(nadia)
    siret = listed.siret
    response = client.post(
        reverse("staff_organisation", args=[listed.slug]),
        {"action": "identifiers", "siret": "123", "rna": ""},
    )
    assert "Un numéro SIRET compte exactement 14 chiffres." in response.text
    assert f"<dd>{siret}</dd>" in response.text
    listed.refresh_from_db()
    assert listed.siret == siret
