import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from solidaire.models import Offer, OfferCategory
from tests.factory import make_offer


def offer_data(**overrides) -> dict:
    data = {
        "kind": "product",
        "category": OfferCategory.objects.get(code="seconde-main").pk,
        "name": "Électroménager reconditionné",
        "description": "Lave-linge et réfrigérateurs révisés, garantis six mois.",
        "availability": "Boutique de Lannion",
    }
    data.update(overrides)
    return data


def test_an_editor_adds_a_product(client, bob, org_a) -> None:
    client.force_login(bob)
    client.post(reverse("offer_create", args=[org_a.slug]), offer_data())
    offer = Offer.objects.get()
    assert (offer.organisation, offer.kind, offer.name) == (org_a, "product", "Électroménager reconditionné")


def test_an_offer_photo_goes_through_the_image_checks(client, bob, org_a) -> None:
    client.force_login(bob)
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = client.post(reverse("offer_create", args=[org_a.slug]), {**offer_data(), "photo": fake})
    assert "Ce fichier n&#x27;est pas une image lisible (JPEG, PNG ou WebP)." in response.text
    assert not Offer.objects.exists()


def test_an_offer_photo_is_stored(client, bob, org_a) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50), "orange").save(buffer, "JPEG")
    client.force_login(bob)
    photo = SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")
    client.post(reverse("offer_create", args=[org_a.slug]), {**offer_data(), "photo": photo})
    assert Image.open(Offer.objects.get().photo).size == (50, 50)


def test_a_member_edits_an_offer(client, alice, org_a) -> None:
    offer = make_offer(org_a)
    client.force_login(alice)
    client.post(reverse("offer_edit", args=[org_a.slug, offer.pk]), offer_data(name="Vélos reconditionnés"))
    offer.refresh_from_db()
    assert offer.name == "Vélos reconditionnés"


def test_a_member_deletes_an_offer_after_confirming(client, alice, org_a) -> None:
    offer = make_offer(org_a)
    client.force_login(alice)
    assert (
        "Supprimer l'offre « Atelier de réparation » ?"
        in client.get(reverse("offer_delete", args=[org_a.slug, offer.pk])).text
    )
    client.post(reverse("offer_delete", args=[org_a.slug, offer.pk]))
    assert not Offer.objects.exists()


def test_an_offer_of_another_organisation_is_not_found(client, charlie, org_a, org_b) -> None:
    offer = make_offer(org_a)
    client.force_login(charlie)
    for name in ("offer_edit", "offer_delete"):
        assert client.get(reverse(name, args=[org_b.slug, offer.pk])).status_code == 404
        assert client.post(reverse(name, args=[org_a.slug, offer.pk])).status_code == 404
    assert Offer.objects.filter(pk=offer.pk).exists()


def test_a_missing_name_is_reported_and_nothing_is_saved(client, bob, org_a) -> None:
    client.force_login(bob)
    response = client.post(reverse("offer_create", args=[org_a.slug]), offer_data(name=""))
    assert "Ce champ est obligatoire." in response.text
    assert not Offer.objects.exists()
