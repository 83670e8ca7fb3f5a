import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from referentiel import access, services
from referentiel.models import Criterion, Evidence
from tests.factory import make_user
from tests.referentiel.factory import pdf_bytes


@pytest.fixture
def gouv_1(draft) -> Criterion:
    return Criterion.objects.get(code="gouv-1", domain__referentiel=draft.referentiel)


def upload(client, draft, criterion, content: bytes, name: str = "statuts.pdf"):
    url = reverse("assessment_domain", args=[draft.organisation.slug, draft.pk, 1])
    return client.post(url, {f"c{criterion.pk}_file": SimpleUploadedFile(name, content), "go": "stay"})


def test_a_member_uploads_the_required_evidence(client, alice, draft, gouv_1) -> None:
    client.force_login(alice)
    upload(client, draft, gouv_1, pdf_bytes())
    evidence = Evidence.objects.get()
    assert (evidence.criterion, evidence.original_name, evidence.content_type) == (
        gouv_1,
        "statuts.pdf",
        "application/pdf",
    )


def test_evidence_is_stored_outside_the_public_media_folder(client, alice, draft, gouv_1) -> None:
    client.force_login(alice)
    upload(client, draft, gouv_1, pdf_bytes())
    path = Evidence.objects.get().file.path
    assert not path.startswith(str(settings.MEDIA_ROOT))
    assert client.get(f"/media/{Evidence.objects.get().file.name}").status_code == 404


def test_a_file_whose_content_is_not_accepted_is_refused_whatever_its_name(
    client, alice, draft, gouv_1
) -> None:
    client.force_login(alice)
    response = upload(client, draft, gouv_1, b"<html><script>alert(1)</script></html>", "statuts.pdf")
    assert "Ce type de fichier n&#x27;est pas accepté" in response.text
    assert not Evidence.objects.exists()


def test_an_oversized_file_is_refused_with_the_limit(client, alice, draft, gouv_1, settings) -> None:
    settings.MAX_DOCUMENT_UPLOAD_BYTES = 1000
    client.force_login(alice)
    response = upload(client, draft, gouv_1, pdf_bytes() + b"0" * 2000)
    assert "la taille maximale est de 1000\xa0octets" in response.text
    assert not Evidence.objects.exists()


def test_an_office_spreadsheet_is_accepted(client, alice, draft, gouv_1) -> None:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    client.force_login(alice)
    upload(client, draft, gouv_1, buffer.getvalue(), "comptes.xlsx")
    assert Evidence.objects.get().file.name.endswith(".xlsx")


def test_a_member_deletes_evidence_of_a_draft(client, alice, draft, gouv_1) -> None:
    client.force_login(alice)
    upload(client, draft, gouv_1, pdf_bytes())
    evidence = Evidence.objects.get()
    client.post(reverse("evidence_delete", args=[draft.organisation.slug, draft.pk, evidence.pk]))
    assert not Evidence.objects.exists()


@pytest.fixture
def evidence_url(completed) -> str:
    return reverse("evidence_download", args=[completed.pk, completed.evidence.get().pk])


@pytest.mark.parametrize("persona", ["alice", "bob", "nadia"])
def test_members_and_staff_download_evidence(client, request, evidence_url, persona) -> None:
    client.force_login(request.getfixturevalue(persona))
    response = client.get(evidence_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_an_assigned_peer_reviewer_downloads_evidence(
    client, completed, evidence_url, nadia, charlie, org_b
) -> None:
    from solidaire import services as core

    org_b.status = "applicant"
    org_b.save()
    core.admit(org_b, by=None)
    services.assign_reviewer(completed, charlie, by=nadia)
    client.force_login(charlie)
    assert client.get(evidence_url).status_code == 200


@pytest.mark.parametrize("persona", ["charlie", "dave", "staff_without_2fa"])
def test_everyone_else_gets_404(client, request, evidence_url, persona) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(evidence_url).status_code == 404


def test_a_visitor_is_sent_to_sign_in(client, evidence_url) -> None:
    assert client.get(evidence_url).url.startswith(reverse("account_login"))


def test_evidence_of_another_assessment_is_not_reachable_by_changing_the_id(
    client, alice, completed, referentiel
) -> None:
    other_org_member = make_user()
    from tests.factory import make_organisation

    other = make_organisation(admin=other_org_member)
    other_assessment = services.start_assessment(other, by=other_org_member)
    client.force_login(alice)
    url = reverse("evidence_download", args=[other_assessment.pk, completed.evidence.get().pk])
    assert client.get(url).status_code == 404


def test_a_later_layer_can_grant_reading(client, dave, evidence_url, monkeypatch) -> None:
    monkeypatch.setattr(access, "_readers", [lambda user, assessment: user.email == "dave@example.org"])
    client.force_login(dave)
    assert client.get(evidence_url).status_code == 200
