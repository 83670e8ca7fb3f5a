import copy
import io
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.dateformat import format as format_date
from pypdf import PdfReader

from solidaire.lib.charts import radar_chart
from solidaire.lib.pdf import find_static_file, pdf_response, render_pdf, static_url_fetcher

# A document as a feature would write it: it extends the shared base template.
CERTIFICATE = """{% extends "pdf/base.html" %}
{% block title %}Attestation d’admission{% endblock %}
{% block content %}
<h1>Attestation d’admission</h1>
<p>La Coopérative Éole, à Saint-Étienne, est admise sur la plateforme.</p>
<table>
  <thead><tr><th>Versement</th><th>Montant</th></tr></thead>
  <tbody>
    {% for label, amount in instalments %}<tr><td>{{ label }}</td><td>{{ amount }}</td></tr>{% endfor %}
  </tbody>
</table>
<figure>{{ radar }}</figure>
<img src="http://example.org/x.png" alt="">
<p>Fin de l’attestation.</p>
{% endblock %}
"""


@dataclass
class Rendered:
    pdf: bytes
    text: str
    connections: list[object]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Renders the document once for the module: a PDF takes a noticeable fraction of a second."""
    folder = tmp_path_factory.mktemp("templates")
    (folder / "pdf").mkdir()
    (folder / "pdf" / "test_certificate.html").write_text(CERTIFICATE, encoding="utf-8")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [folder, *templates[0]["DIRS"]]
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    radar = radar_chart(
        [("Gouvernance démocratique", 72), ("Ancrage territorial", 64), ("Pratiques environnementales", 55)],
        title="Scores par domaine",
        description="Auto-évaluation 2026.",
    )
    context = {"instalments": [("Premier versement", "12 500 €"), ("Solde", "7 300 €")], "radar": radar}
    connections: list[object] = []

    def no_network(*args: object, **kwargs: object) -> None:
        connections.append(args)
        raise OSError("no network in tests")

    with (
        override_settings(TEMPLATES=templates, STORAGES=storages),
        translation.override("fr"),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(socket, "create_connection", no_network)
        patch.setattr(socket.socket, "connect", no_network)
        pdf = render_pdf("pdf/test_certificate.html", context)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return Rendered(pdf, " ".join(text.split()), connections)


def test_the_document_is_a_pdf(certificate: Rendered) -> None:
    assert certificate.pdf.startswith(b"%PDF")


def test_the_pdf_holds_the_french_text_with_its_accents(certificate: Rendered) -> None:
    assert "La Coopérative Éole, à Saint-Étienne, est admise sur la plateforme." in certificate.text
    assert "Attestation d’admission" in certificate.text


def test_the_pdf_holds_the_rows_of_the_table(certificate: Rendered) -> None:
    assert "Premier versement 12 500 €" in certificate.text
    assert "Solde 7 300 €" in certificate.text


def test_the_inline_radar_chart_is_drawn_in_the_pdf(certificate: Rendered) -> None:
    assert "Pratiques environnementales" in certificate.text


def test_the_print_stylesheet_makes_numbered_a4_pages(certificate: Rendered) -> None:
    box = PdfReader(io.BytesIO(certificate.pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert "page 1 / 1" in certificate.text


def test_every_page_is_headed_with_the_region_and_the_date(certificate: Rendered) -> None:
    with translation.override("fr"):
        today = format_date(timezone.localdate(), "j F Y")
    assert "Solidaire — Conseil régional" in certificate.text
    assert f"Document généré le {today}" in certificate.text


def test_an_external_image_is_not_fetched_and_the_pdf_still_renders(certificate: Rendered) -> None:
    assert certificate.connections == []
    assert "Fin de l’attestation." in certificate.text


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/x.png",
        "https://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "file:///static/../../etc/passwd",
        "file:///static/css/missing.css",
    ],
)
def test_a_pdf_loads_nothing_but_static_files(url: str) -> None:
    with pytest.raises(ValueError, match="only load static files"):
        static_url_fetcher().fetch(url)


def test_the_print_stylesheet_is_read_from_the_static_files() -> None:
    response = static_url_fetcher().fetch("file:///static/css/print.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_a_hashed_name_of_collectstatic_is_read_from_static_root(settings, tmp_path: Path) -> None:
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "print.0f1e2d3c.css").write_text("@page { size: A4 }")
    assert (
        find_static_file("file:///static/css/print.0f1e2d3c.css") == tmp_path / "css" / "print.0f1e2d3c.css"
    )


def test_importing_the_pdf_helpers_does_not_import_weasyprint() -> None:
    # Importing WeasyPrint takes about a second: web processes that never render a PDF skip it.
    code = "import django; django.setup(); import solidaire.lib.pdf, sys; print('weasyprint' in sys.modules)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "solidaire.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
    )
    assert result.stdout.strip() == "False"


# --- The response ----------------------------------------------------------------------


def test_a_pdf_is_downloaded_under_its_accented_name() -> None:
    response = pdf_response(b"%PDF-1.7", "attestation-Éole.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"attestation-Eole.pdf\"; filename*=UTF-8''attestation-%C3%89ole.pdf"
    )


def test_a_pdf_can_be_shown_in_the_browser() -> None:
    response = pdf_response(b"%PDF-1.7", "proces-verbal.pdf", inline=True)
    assert response["Content-Disposition"] == 'inline; filename="proces-verbal.pdf"'


def test_a_pdf_is_kept_in_no_cache() -> None:
    assert pdf_response(b"%PDF-1.7", "attestation.pdf")["Cache-Control"] == "private, no-store"


def test_a_file_name_cannot_break_out_of_its_header() -> None:
    disposition = pdf_response(b"%PDF-1.7", 'a"b/..\\c\r\nSet-Cookie: x.pdf')["Content-Disposition"]
    assert disposition == 'attachment; filename="ab..cSet-Cookie: x.pdf"'
