"""Django templates rendered to PDF with WeasyPrint, and the response that serves a PDF.

A PDF takes about a second to render (mostly font subsetting) and importing WeasyPrint
another second: documents are generated once, in a Celery task, and the stored file is
served. WeasyPrint is imported inside the functions so that web processes and management
commands that never render a PDF do not pay for it.

PDFs load nothing but static files. Their templates show text that users typed
(organisation names, comments, descriptions); if a stray URL in there were fetched, the
worker would make requests on a user's behalf from inside our network (cloud metadata
endpoints, internal services: SSRF), could hang on a slow host, and ``file://`` URLs or
``<a rel="attachment">`` could embed any file the worker can read. So the URL fetcher maps
``/static/...`` to the files Django's staticfiles finders (or ``collectstatic``) know and
refuses everything else; a refused resource is left out of the PDF with a warning in the
``weasyprint`` log, and the PDF still renders. Uploaded images (logos) must be passed as
``data:`` URIs by the document that needs them.
"""

from __future__ import annotations

import mimetypes
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils._os import safe_join

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher


def render_pdf(template: str, context: dict[str, Any], *, base_url: str | None = None) -> bytes:
    """Renders ``template`` with ``context`` and returns the bytes of the PDF.

    Relative URLs resolve against ``base_url``, by default the project's ``static/``
    directory; whatever the base, only static files are ever loaded (see the module doc).
    """
    html = render_to_string(template, context)
    from weasyprint import HTML  # here, not at the top: importing WeasyPrint takes ≈1 s

    document = HTML(string=html, base_url=base_url or _static_base_url(), url_fetcher=static_url_fetcher())
    return document.write_pdf()


def pdf_response(pdf: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """Serves ``pdf`` as a download (or shown in the browser when ``inline``).

    The file name keeps its accents for browsers that read RFC 6266 ``filename*`` and falls
    back to an ASCII name for the others. ``no-store``: these documents are personal
    (certificates, minutes) and must not stay in shared caches or the browser's cache.
    """
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = _content_disposition("inline" if inline else "attachment", filename)
    response["Content-Length"] = str(len(pdf))
    response["Cache-Control"] = "private, no-store"
    return response


def static_url_fetcher() -> URLFetcher:
    """A WeasyPrint URL fetcher that only reads static files (and ``data:`` URIs)."""
    # Defined here because the base class lives in WeasyPrint, imported lazily. WeasyPrint 70
    # has no default_url_fetcher any more: a fetcher is a URLFetcher returning responses.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFileResponse(URLFetcherResponse):
        def __init__(self, url: str, file: Path) -> None:
            content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            if content_type.startswith("text/"):
                content_type += "; charset=utf-8"
            super().__init__(url, body=file.read_bytes(), headers={"Content-Type": content_type})
            self._file = file

        @property
        def path(self) -> str:
            # WeasyPrint may re-read an image from its path; the URL ("/static/…") is not one.
            return str(self._file)

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            file = find_static_file(url)
            if file is None:
                raise ValueError(f"PDFs only load static files; refused {url}")
            return StaticFileResponse(url, file)

    return StaticFilesOnly(allowed_protocols=("data",), allow_redirects=False)


def find_static_file(url: str) -> Path | None:
    """The file behind a static URL as WeasyPrint resolved it, or None for any other URL.

    Accepted: ``file:///static/css/print.css`` (``{% static %}`` resolved against a
    ``file://`` base), the same under the static base directory, and the full
    ``STATIC_URL`` when it is absolute (a CDN), read from disk all the same.
    """
    name = _static_name(url)
    if not name or name.startswith("/"):
        return None
    try:
        found = finders.find(name)
        # Hashed names ("print.3f2a….css") of the manifest storage only exist in STATIC_ROOT.
        candidate = Path(found) if found else Path(safe_join(str(settings.STATIC_ROOT), name))
    except SuspiciousFileOperation:  # "../" out of the static directories
        return None
    return candidate if candidate.is_file() else None


def _static_name(url: str) -> str | None:
    static_url = settings.STATIC_URL
    if urlsplit(static_url).scheme and url.startswith(static_url):
        return unquote(urlsplit(url[len(static_url) :]).path)
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = unquote(parts.path)
    for prefix in (urlsplit(static_url).path, unquote(urlsplit(_static_base_url()).path)):
        if prefix.startswith("/") and path.startswith(prefix):
            return path[len(prefix) :]
    return None


def _static_base_url() -> str:
    return (Path(settings.BASE_DIR) / "static").as_uri() + "/"


def _content_disposition(disposition: str, filename: str) -> str:
    # No path separators or control characters: a name is a name, and a header is one line.
    filename = "".join(c for c in filename if c not in '/\\"' and unicodedata.category(c)[0] != "C")
    filename = filename.strip() or "document.pdf"
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    header = f'{disposition}; filename="{ascii_name or "document.pdf"}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
