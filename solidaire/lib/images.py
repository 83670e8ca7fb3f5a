"""Checks and re-encodes uploaded images (logos, offer photos).

The content decides, never the file name: an image is opened with Pillow,
refused if it is not a JPEG, PNG or WebP, too large in bytes or in pixels
(decompression bombs), then re-encoded so that nothing but pixels is kept
(no metadata, no trailing payload of a polyglot file).

The number of pixels is read from the header (Pillow's `open` is lazy) and checked
against `MAX_IMAGE_PIXELS` before anything is decoded: a PNG of a few kilobytes can
hold forty million pixels, which would take hundreds of megabytes once decoded.
"""

import io
import uuid
import warnings
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat, floatformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp"


def reencode_image(upload: UploadedFile) -> ContentFile:
    """Returns the upload re-encoded as JPEG (or PNG when it has transparency).

    Raises ValidationError with a message for the person who sent it."""
    max_bytes = settings.MAX_IMAGE_UPLOAD_BYTES
    size = upload.size or 0  # an uploaded file always has its size
    if size == 0:
        raise forms.ValidationError(_("Le fichier est vide."), code="empty")
    if size > max_bytes:
        raise forms.ValidationError(
            _("Le fichier pèse %(size)s ; la taille maximale est de %(max)s.")
            % {"size": filesizeformat(size), "max": filesizeformat(max_bytes)},
            code="too_large",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            image: Image.Image = Image.open(upload)
            if image.format not in ACCEPTED_FORMATS:
                raise forms.ValidationError(
                    _("Ce fichier n'est pas une image JPEG, PNG ou WebP."), code="format"
                )
            if image.width * image.height > settings.MAX_IMAGE_PIXELS:
                raise _too_many_pixels()
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise forms.ValidationError(
            _("Ce fichier n'est pas une image lisible (JPEG, PNG ou WebP)."), code="invalid"
        ) from None

    image = ImageOps.exif_transpose(image)
    image.thumbnail((settings.IMAGE_MAX_SIDE, settings.IMAGE_MAX_SIDE))
    output = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P") and _has_transparency(image):
        image.convert("RGBA").save(output, "PNG", optimize=True)
        extension = "png"
    else:
        image.convert("RGB").save(output, "JPEG", quality=85, optimize=True)
        extension = "jpg"
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def _has_transparency(image: Image.Image) -> bool:
    if image.mode == "P":
        return "transparency" in image.info
    return True


def _too_many_pixels() -> forms.ValidationError:
    return forms.ValidationError(
        _(
            "Cette image compte trop de pixels : %(pixels)s millions au plus. "
            "Réduisez ses dimensions avant de l'envoyer."
        )
        % {"pixels": floatformat(settings.MAX_IMAGE_PIXELS / 1_000_000, -1)},
        code="too_many_pixels",
    )


def _size_help_text() -> str:
    # Built when shown, in the reader's language, not when the form class is loaded.
    return _("JPEG, PNG ou WebP, %(max)s au plus.") % {"max": filesizeformat(settings.MAX_IMAGE_UPLOAD_BYTES)}


class ImageUploadField(forms.ImageField):
    """An image field whose cleaned value is the re-encoded image."""

    default_error_messages = {
        "invalid_image": _("Ce fichier n'est pas une image lisible (JPEG, PNG ou WebP)."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", lazy(_size_help_text, str)())
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT_ATTRIBUTE)

    def to_python(self, data: Any) -> ContentFile | None:
        # Skip ImageField.to_python, which opens the image without our limits.
        data = forms.FileField.to_python(self, data)
        if data is None:
            return None
        return reencode_image(data)
