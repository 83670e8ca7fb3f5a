import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from solidaire.models import AuditEntry, LegalForm, Membership, Organisation, Sector
from tests.factory import make_commune, valid_siret


def form_data(**overrides) -> dict:
    data = {
        "legal_name": "Repair Café du Trégor",
        "usual_name": "",
        "siret": valid_siret(),
        "legal_form": LegalForm.objects.get(code="scic").pk,
        "sector": Sector.objects.get(code="economie-circulaire").pk,
        "address": "3 rue des Tisserands",
        "commune": "Rennes",
        "website": "",
        "contact_email": "contact@repair.example",
        "contact_phone": "",
        "description": "Un atelier de réparation et une boutique de seconde main.",
    }
    data.update(overrides)
    return data


def png(size: int = 2000, *, noise: bool = False) -> SimpleUploadedFile:
    """A PNG; with noise it does not compress, so its weight grows with its size."""
    buffer = io.BytesIO()
    image = (
        Image.effect_noise((size, size), 80).convert("RGB")
        if noise
        else Image.new("RGB", (size, size), "teal")
    )
    image.save(buffer, "PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def rennes(db):
    return make_commune()


def test_a_signed_in_user_creates_an_organisation_and_becomes_its_admin(client, dave, rennes) -> None:
    client.force_login(dave)
    response = client.post(reverse("organisation_create"), form_data())
    organisation = Organisation.objects.get()
    assert response.url == reverse("organisation_detail", args=[organisation.slug])
    assert Membership.objects.get(organisation=organisation).user == dave
    assert Membership.objects.get(organisation=organisation).role == Membership.Role.ADMIN


def test_a_new_organisation_is_a_draft_located_in_its_commune(client, dave, rennes) -> None:
    client.force_login(dave)
    client.post(reverse("organisation_create"), form_data(siret="7328 2932 0000 74"))
    organisation = Organisation.objects.get()
    assert (organisation.status, organisation.commune, organisation.siret) == (
        "draft",
        rennes,
        "73282932000074",
    )
    assert organisation.coordinates == (rennes.latitude, rennes.longitude)


def test_an_invalid_siret_is_explained_in_french_and_nothing_is_saved(client, dave, rennes) -> None:
    client.force_login(dave)
    response = client.post(reverse("organisation_create"), form_data(siret="12345678901234"))
    assert "Ce numéro SIRET n&#x27;est pas valide (clé de contrôle)." in response.text
    assert not Organisation.objects.exists()


def test_a_siret_whose_siren_key_is_wrong_is_refused_though_the_whole_key_is_right(
    client, dave, rennes
) -> None:
    client.force_login(dave)
    response = client.post(reverse("organisation_create"), form_data(siret="732 829 321 00072"))
    assert "Ce numéro SIRET n&#x27;est pas valide (clé de contrôle)." in response.text
    assert not Organisation.objects.exists()


def test_the_same_error_reads_in_english_when_english_is_chosen(client, dave, rennes) -> None:
    client.force_login(dave)
    response = client.post("/en" + reverse("organisation_create"), form_data(siret="12345678901234"))
    assert "This SIRET number is not valid (check digit)." in response.text


def test_a_siret_already_registered_is_refused(client, dave, org_a, rennes) -> None:
    client.force_login(dave)
    response = client.post(reverse("organisation_create"), form_data(siret=org_a.siret))
    assert "Une organisation avec ce numéro SIRET existe déjà." in response.text
    assert Organisation.objects.count() == 1


def test_an_unknown_commune_is_explained(client, dave, rennes) -> None:
    client.force_login(dave)
    response = client.post(reverse("organisation_create"), form_data(commune="Atlantis"))
    assert "Aucune commune ne correspond à « Atlantis »" in response.text


def test_an_ambiguous_commune_lists_the_choices(client, dave, rennes) -> None:
    make_commune("31450", "Renneville", "31290")
    make_commune("27488", "Renneville", "27910")
    client.force_login(dave)
    response = client.post(reverse("organisation_create"), form_data(commune="renneville"))
    assert "« Renneville (31290) », « Renneville (27910) »" in response.text
    assert not Organisation.objects.exists()


def test_a_commune_is_found_by_name_and_postcode(client, dave, rennes) -> None:
    make_commune("31450", "Renneville", "31290")
    make_commune("27488", "Renneville", "27910")
    client.force_login(dave)
    client.post(reverse("organisation_create"), form_data(commune="Renneville (27910)"))
    assert Organisation.objects.get().commune_id == "27488"


def test_a_logo_is_stored_re_encoded_and_scaled(client, dave, rennes) -> None:
    client.force_login(dave)
    client.post(reverse("organisation_create"), {**form_data(), "logo": png()})
    logo = Organisation.objects.get().logo
    assert Image.open(logo).size == (1600, 1600)


def test_an_oversized_logo_is_refused_with_the_limit_and_nothing_is_saved(
    client, dave, rennes, settings
) -> None:
    settings.MAX_IMAGE_UPLOAD_BYTES = 10_000
    client.force_login(dave)
    response = client.post(reverse("organisation_create"), {**form_data(), "logo": png(400, noise=True)})
    assert "la taille maximale est de 9,8\xa0Kio" in response.text
    assert not Organisation.objects.exists()


def test_an_editor_edits_the_profile_and_the_change_is_audited(client, bob, org_a) -> None:
    client.force_login(bob)
    data = form_data(siret=org_a.siret, legal_name=org_a.legal_name, description="Nouvelle présentation.")
    client.post(reverse("organisation_edit", args=[org_a.slug]), data)
    org_a.refresh_from_db()
    assert org_a.description == "Nouvelle présentation."
    assert AuditEntry.objects.filter(action="organisation.edit", actor=bob).exists()


def listed_edit(client, user, organisation: Organisation, **overrides):
    Organisation.objects.filter(pk=organisation.pk).update(status=Organisation.Status.LISTED)
    client.force_login(user)
    data = form_data(legal_name=organisation.legal_name, description="Nouvelle présentation.", **overrides)
    return client.post(reverse("organisation_edit", args=[organisation.slug]), data)


def test_members_of_a_listed_organisation_cannot_change_its_siret(client, alice, org_a) -> None:
    siret = org_a.siret
    listed_edit(client, alice, org_a, siret=valid_siret(), rna="W352001234")
    org_a.refresh_from_db()
    assert (org_a.siret, org_a.rna) == (siret, "")
    assert org_a.description == "Nouvelle présentation."  # the rest is saved


def test_the_form_of_a_listed_organisation_says_to_ask_staff_for_a_new_siret(client, alice, org_a) -> None:
    Organisation.objects.filter(pk=org_a.pk).update(status=Organisation.Status.LISTED)
    client.force_login(alice)
    response = client.get(reverse("organisation_edit", args=[org_a.slug]))
    assert "ne se changent que par l'équipe de la Région" in response.text
    assert f'value="{org_a.siret}"' in response.text and "disabled" in response.text


def test_members_of_an_organisation_not_listed_yet_set_its_siret_and_rna(client, alice, org_a) -> None:
    client.force_login(alice)
    siret = valid_siret()
    data = form_data(legal_name=org_a.legal_name, siret=siret, rna="w 352 001 234")
    client.post(reverse("organisation_edit", args=[org_a.slug]), data)
    org_a.refresh_from_db()
    assert (org_a.siret, org_a.rna) == (siret, "W352001234")


@pytest.mark.parametrize(
    ("rna", "message"),
    [
        ("352001234", "Un numéro RNA s&#x27;écrit W suivi de 9 chiffres"),
        ("W123", "Un numéro RNA s&#x27;écrit W suivi de 9 chiffres"),
        ("W999999999", "Une organisation avec ce numéro RNA existe déjà."),
    ],
)
def test_a_wrong_or_taken_rna_number_is_refused_with_a_message(
    client, alice, org_a, org_b, rna, message
) -> None:
    Organisation.objects.filter(pk=org_b.pk).update(rna="W999999999")
    client.force_login(alice)
    data = form_data(legal_name=org_a.legal_name, siret=org_a.siret, rna=rna)
    response = client.post(reverse("organisation_edit", args=[org_a.slug]), data)
    assert message in response.text
    org_a.refresh_from_db()
    assert org_a.rna == ""


def test_the_edit_form_shows_the_commune_as_text(client, alice, org_a) -> None:
    client.force_login(alice)
    response = client.get(reverse("organisation_edit", args=[org_a.slug]))
    assert 'value="Rennes (35000)"' in response.text


@pytest.mark.parametrize("name", ["organisation_detail", "organisation_edit", "offer_create"])
def test_a_member_of_another_organisation_gets_404(client, charlie, org_a, name) -> None:
    client.force_login(charlie)
    assert client.get(reverse(name, args=[org_a.slug])).status_code == 404


@pytest.mark.parametrize("name", ["organisation_detail", "organisation_edit"])
def test_a_visitor_is_sent_to_the_login_page(client, org_a, name) -> None:
    response = client.get(reverse(name, args=[org_a.slug]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_editor_cannot_invite(client, bob, org_a) -> None:
    client.force_login(bob)
    response = client.post(
        reverse("member_invite", args=[org_a.slug]), {"email": "x@example.org", "role": "editor"}
    )
    assert response.status_code == 403
    assert not mail.outbox


def test_the_dashboard_tells_a_newcomer_to_create_an_organisation(client, dave) -> None:
    client.force_login(dave)
    assert "Prochaine étape : créez votre organisation." in client.get(reverse("dashboard")).text


def test_the_dashboard_lists_the_users_organisations_only(client, alice, org_a, org_b) -> None:
    client.force_login(alice)
    response = client.get(reverse("dashboard"))
    assert org_a.name in response.text
    assert org_b.name not in response.text
