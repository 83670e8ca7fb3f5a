"""Checks uploaded documents (evidence, report attachments) by their content.

The type comes from the file's bytes (the `filetype` library reads its magic
numbers and, for office files, its inner structure), never from its name or
the browser's claim. Accepted: PDF, images and office documents. Files are
stored in the private storage and always served as attachments."""

from dataclasses import dataclass
from typing import Any

import filetype
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

# MIME type -> extension kept for the stored file
ACCEPTED = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
}
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,.webp,.docx,.xlsx,.pptx,.odt,.ods,.odp,.doc,.xls"
# How many bytes `filetype` needs to recognise office files by their structure.
HEAD_BYTES = 8192


@dataclass(frozen=True)
class CheckedDocument:
    upload: UploadedFile
    content_type: str
    extension: str

    # An uploaded file always has a name and a size; a file built in code may lack them.
    @property
    def name(self) -> str:
        return self.upload.name or ""

    @property
    def size(self) -> int:
        return self.upload.size or 0


def check_document(upload: UploadedFile) -> CheckedDocument:
    max_bytes = settings.MAX_DOCUMENT_UPLOAD_BYTES
    size = upload.size or 0  # an uploaded file always has its size
    if size == 0:
        raise forms.ValidationError(_("Le fichier est vide."), code="empty")
    if size > max_bytes:
        raise forms.ValidationError(
            _("Le fichier pèse %(size)s ; la taille maximale est de %(max)s.")
            % {"size": filesizeformat(size), "max": filesizeformat(max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ACCEPTED:
        raise forms.ValidationError(
            _("Ce type de fichier n'est pas accepté : envoyez un PDF, une image ou un document bureautique."),
            code="format",
        )
    return CheckedDocument(upload=upload, content_type=kind.mime, extension=ACCEPTED[kind.mime])


def _help_text() -> str:
    return _("PDF, image ou document bureautique, %(max)s au plus.") % {
        "max": filesizeformat(settings.MAX_DOCUMENT_UPLOAD_BYTES)
    }


class DocumentUploadField(forms.FileField):
    """A file field whose cleaned value is a CheckedDocument."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", lazy(_help_text, str)())
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT_ATTRIBUTE)

    def to_python(self, data: Any) -> CheckedDocument | None:  # type: ignore[override]
        # The cleaned value is the checked document, not the file (django-stubs says a File).
        data = super().to_python(data)
        return None if data is None else check_document(data)
