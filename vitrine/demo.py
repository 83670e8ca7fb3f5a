"""Demo data of the showcase: a drawn picture for the offers without a photo, and the
derived search and filter data of every organisation. Idempotent."""

import hashlib
import io
from typing import TextIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from solidaire.models import Offer, OfferCategory
from vitrine.search import refresh_showcase

WIDTH, HEIGHT = 640, 400
# Soft backgrounds with a darker motif, one pair per category (chosen by its code).
PALETTE = [
    ("#d7ece9", "#00695c"),
    ("#f6e3d3", "#8a3b00"),
    ("#e3e7f6", "#3949ab"),
    ("#efe1f3", "#6a1b9a"),
    ("#e6f0d8", "#33691e"),
    ("#f7efcf", "#7a5c00"),
]


def placeholder_png(code: str) -> bytes:
    """A simple abstract picture for an offer category: the same code, the same picture."""
    digest = hashlib.sha256(code.encode()).digest()
    background, ink = PALETTE[digest[0] % len(PALETTE)]
    image = Image.new("RGB", (WIDTH, HEIGHT), background)
    draw = ImageDraw.Draw(image)
    for index in range(6):
        x = digest[1 + index] / 255 * WIDTH
        y = digest[7 + index] / 255 * HEIGHT
        radius = 30 + digest[13 + index] % 90
        box = (x - radius, y - radius, x + radius, y + radius)
        if index % 2:
            draw.ellipse(box, outline=ink, width=6)
        else:
            draw.rounded_rectangle(box, radius=18, fill=ink if index == 0 else None, outline=ink, width=6)
    draw.rectangle((0, HEIGHT - 24, WIDTH, HEIGHT), fill=ink)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _placeholder(category: OfferCategory) -> str:
    """The stored name of the category's picture, drawn and saved on the first run."""
    name = f"offers/demo/{category.code}.png"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(placeholder_png(category.code)))
    return name


def populate(out: TextIO) -> None:
    pictured = 0
    for category in OfferCategory.objects.filter(offer__photo="").distinct():
        # update(): a photo changes nothing the showcase searches, no need for the signals.
        pictured += Offer.objects.filter(category=category, photo="").update(photo=_placeholder(category))
    out.write(f"  images d'illustration : {pictured} offres illustrées\n")
    refresh_showcase()
    out.write("  recherche et filtres de la vitrine : à jour\n")
