import io
import struct
import zlib

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from solidaire.lib.images import reencode_image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30), mode: str = "RGB", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "teal").save(buffer, fmt, **save)
    return buffer.getvalue()


def upload(content: bytes, name: str = "logo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def refusal(content: bytes, name: str = "logo.png") -> str:
    with pytest.raises(forms.ValidationError) as error:
        reencode_image(upload(content, name))
    return error.value.messages[0]


def test_a_photo_is_re_encoded_without_its_metadata() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Appareil de Léa"  # camera maker
    result = reencode_image(upload(image_bytes("JPEG", exif=exif.tobytes()), "photo.jpg"))
    reopened = Image.open(io.BytesIO(result.read()))
    assert reopened.format == "JPEG"
    assert not reopened.getexif()


def test_a_transparent_logo_stays_a_png() -> None:
    result = reencode_image(upload(image_bytes("PNG", mode="RGBA")))
    assert result.name.endswith(".png")


def test_a_large_image_is_scaled_down(settings) -> None:
    settings.IMAGE_MAX_SIDE = 100
    result = reencode_image(upload(image_bytes("PNG", size=(400, 200))))
    assert Image.open(io.BytesIO(result.read())).size == (100, 50)


def test_an_empty_file_is_refused() -> None:
    assert refusal(b"") == "Le fichier est vide."


def test_a_file_over_the_size_limit_is_refused_with_the_limit_stated(settings) -> None:
    settings.MAX_IMAGE_UPLOAD_BYTES = 1024
    assert "la taille maximale est de 1,0\xa0Kio" in refusal(image_bytes(size=(300, 300)) + b"\0" * 2048)


def test_html_behind_an_image_extension_is_refused() -> None:
    message = refusal(b"<html><script>alert(1)</script></html>", "logo.png")
    assert message == "Ce fichier n'est pas une image lisible (JPEG, PNG ou WebP)."


def test_an_svg_with_a_script_is_refused() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert "n'est pas une image lisible" in refusal(svg, "logo.svg")


def test_a_gif_is_refused_as_an_unaccepted_format() -> None:
    assert refusal(image_bytes("GIF")) == "Ce fichier n'est pas une image JPEG, PNG ou WebP."


def grey_png(width: int, height: int) -> bytes:
    """A black PNG, compressed row by row: its pixels are never all in memory here."""
    compressor = zlib.compressobj(9)
    row = b"\0" * (width + 1)  # the filter byte, then one grey byte per pixel
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_before_it_is_decoded(monkeypatch) -> None:
    bomb = grey_png(8000, 5000)  # 40 megapixels in a few kilobytes
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image))
    assert len(bomb) < 100_000
    assert refusal(bomb) == (
        "Cette image compte trop de pixels : 16 millions au plus. Réduisez ses dimensions avant de l'envoyer."
    )
    assert decoded == []


def test_the_pixel_limit_is_a_setting(settings) -> None:
    settings.MAX_IMAGE_PIXELS = 2_500_000
    assert "2,5 millions au plus" in refusal(grey_png(2000, 1500))
    assert reencode_image(upload(grey_png(1000, 1000))).name.endswith(".jpg")


def test_the_payload_after_a_polyglot_image_is_dropped() -> None:
    polyglot = image_bytes("PNG") + b"<script>alert(1)</script>"
    assert b"<script>" not in reencode_image(upload(polyglot)).read()
