"""The showcase part of the demo: pictures for the offers, search and filters up to date."""

import io

from django.core.files.storage import default_storage
from PIL import Image

from solidaire.models import Offer, Organisation
from tests.vitrine.conftest import add_offer
from vitrine import demo
from vitrine.filters import select_organisations


def test_the_demo_gives_a_picture_to_every_offer_without_a_photo(showcase) -> None:
    demo.populate(io.StringIO())

    assert not Offer.objects.filter(photo="").exists()
    with default_storage.open(Offer.objects.first().photo.name) as stored:
        assert Image.open(stored).size == (demo.WIDTH, demo.HEIGHT)


def test_offers_of_one_category_share_one_picture(repair_cafe) -> None:
    add_offer(repair_cafe, "Réparation de grille-pain")

    demo.populate(io.StringIO())

    assert Offer.objects.filter(category__code="reparation").values("photo").distinct().count() == 1


def test_running_the_demo_twice_draws_nothing_more(showcase) -> None:
    demo.populate(io.StringIO())
    photos = set(Offer.objects.values_list("photo", flat=True))
    out = io.StringIO()

    demo.populate(out)

    assert set(Offer.objects.values_list("photo", flat=True)) == photos
    assert "0 offres illustrées" in out.getvalue()


def test_the_demo_brings_the_search_up_to_date(showcase) -> None:
    Organisation.objects.filter(pk=showcase[0].pk).update(usual_name="La Bricole")

    demo.populate(io.StringIO())

    assert [o.name for o in select_organisations({"q": "bricole"})] == ["La Bricole"]
