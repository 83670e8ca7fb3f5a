"""The organisation's application, step by step (DESIGN §5, journey 1)."""

from datetime import datetime

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assemblee import services
from assemblee.models import AgendaItem, Application, Session
from referentiel import services as referentiel_services
from referentiel.models import Assessment, Evidence, ProgressPlan
from solidaire.models import AuditEntry, LegalForm, Offer, OfferCategory, Organisation, Sector
from tests.assemblee.factory import make_colleges, ready_application
from tests.factory import make_offer
from tests.referentiel.conftest import answer_all
from tests.referentiel.factory import make_referentiel, pdf_bytes


@pytest.fixture
def referentiel(db):
    return make_referentiel()


@pytest.fixture
def application(org_a, alice, referentiel) -> Application:
    return services.start_application(org_a, by=alice)


def step_url(organisation: Organisation, step: int) -> str:
    return reverse("application_step", args=[organisation.slug, step])


def home_url(organisation: Organisation) -> str:
    return reverse("application_home", args=[organisation.slug])


def profile_data(organisation: Organisation, **overrides) -> dict:
    data = {
        "legal_name": organisation.legal_name,
        "usual_name": "",
        "siret": organisation.siret,
        "legal_form": LegalForm.objects.get(code="scic").pk,
        "sector": Sector.objects.get(code="economie-circulaire").pk,
        "address": organisation.address,
        "commune": "Rennes",
        "website": "",
        "contact_email": "contact@atelier.example",
        "contact_phone": "",
        "description": "Un repair café et une boutique de seconde main.",
    }
    data.update(overrides)
    return data


def offer_data(**overrides) -> dict:
    data = {
        "kind": "service",
        "category": OfferCategory.objects.get(code="reparation").pk,
        "name": "Ateliers de réparation",
        "description": "Chaque samedi, on répare ensemble petit électroménager et vélos.",
        "availability": "Lannion",
    }
    data.update(overrides)
    return data


def march_12_session(staff) -> Session:
    year = timezone.localdate().year + 1
    tz = timezone.get_current_timezone()
    return Session.objects.create(
        title="Séance de printemps", place="Hôtel de Région", created_by=staff,
        opens_at=datetime(year, 3, 1, 9, tzinfo=tz), closes_at=datetime(year, 3, 12, 18, tzinfo=tz),
    )  # fmt: skip


def with_certificate(application: Application, staff, *, generated: bool = True) -> AgendaItem:
    """An admission decided by a closed session, as the closing leaves it."""
    session = march_12_session(staff)
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CLOSED)
    Application.objects.filter(pk=application.pk).update(status=Application.Status.ADMITTED)
    item = AgendaItem.objects.create(
        session=session, application=application, outcome=AgendaItem.Outcome.ADMIT, reference="SOL-2027-00001"
    )
    if generated:
        item.certificate.save("attestation.pdf", ContentFile(pdf_bytes("Attestation")))
    return item


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args", [("application_home", []), ("application_withdraw", []), ("application_step", [1])]
)
def test_an_outsider_gets_404(client, charlie, org_a, application, name, args) -> None:
    client.force_login(charlie)
    assert client.get(reverse(name, args=[org_a.slug, *args])).status_code == 404
    assert client.post(reverse(name, args=[org_a.slug, *args])).status_code == 404


def test_an_outsider_cannot_start_an_application(client, charlie, org_a, referentiel) -> None:
    client.force_login(charlie)
    client.post(home_url(org_a))
    assert not Application.objects.exists()


def test_a_visitor_is_asked_to_sign_in(client, org_a) -> None:
    response = client.get(home_url(org_a))
    assert response.url.startswith(reverse("account_login"))


def test_an_editor_starts_the_application_at_step_1(client, bob, org_a, referentiel) -> None:
    client.force_login(bob)
    response = client.post(home_url(org_a))
    assert response.url == step_url(org_a, 1)
    assert Application.objects.get().organisation == org_a


def test_the_organisation_page_links_to_the_application(client, alice, org_a) -> None:
    client.force_login(alice)
    response = client.get(reverse("organisation_detail", args=[org_a.slug]))
    assert f'href="{home_url(org_a)}"' in response.text


# --- The five steps ---------------------------------------------------------------------------


def test_each_step_says_where_you_are(client, alice, org_a, application) -> None:
    client.force_login(alice)
    response = client.get(step_url(org_a, 2))
    assert "Étape 2 sur 5 — Offres" in response.text
    assert '<span aria-current="step">Offres</span>' in response.text


def test_an_unknown_step_is_not_found(client, alice, org_a, application) -> None:
    client.force_login(alice)
    assert client.get(step_url(org_a, 6)).status_code == 404


def test_step_1_saves_the_profile_and_records_who_changed_it(client, bob, org_a, application) -> None:
    client.force_login(bob)
    response = client.post(step_url(org_a, 1), {**profile_data(org_a), "go": "next"})
    org_a.refresh_from_db()
    assert response.url == step_url(org_a, 2)
    assert org_a.description == "Un repair café et une boutique de seconde main."
    assert AuditEntry.objects.filter(action="organisation.edit", actor=bob).exists()


def test_step_1_refuses_a_bad_siret_and_saves_nothing(client, alice, org_a, application) -> None:
    client.force_login(alice)
    response = client.post(
        step_url(org_a, 1), profile_data(org_a, siret="73282932000075", description="Autre")
    )
    org_a.refresh_from_db()
    assert "Ce numéro SIRET n&#x27;est pas valide (clé de contrôle)" in response.text
    assert org_a.description != "Autre"


def test_step_2_adds_an_offer_on_the_page_itself(client, bob, org_a, application) -> None:
    client.force_login(bob)
    client.post(step_url(org_a, 2), offer_data())
    response = client.get(step_url(org_a, 2))
    assert Offer.objects.get().organisation == org_a
    assert "Ateliers de réparation" in response.text


def test_step_2_lists_offers_with_links_to_edit_and_delete_them(client, alice, org_a, application) -> None:
    offer = make_offer(org_a)
    client.force_login(alice)
    response = client.get(step_url(org_a, 2))
    assert f'href="{reverse("offer_edit", args=[org_a.slug, offer.pk])}"' in response.text
    assert f'href="{reverse("offer_delete", args=[org_a.slug, offer.pk])}"' in response.text


def test_step_2_refuses_an_offer_without_a_name(client, alice, org_a, application) -> None:
    client.force_login(alice)
    response = client.post(step_url(org_a, 2), offer_data(name=""))
    assert "Ce champ est obligatoire." in response.text
    assert not Offer.objects.exists()


def test_step_3_offers_to_start_the_self_assessment(client, alice, org_a, application) -> None:
    client.force_login(alice)
    response = client.get(step_url(org_a, 3))
    assert f'action="{reverse("assessment_home", args=[org_a.slug])}"' in response.text


def test_step_3_says_how_many_answers_are_missing(client, alice, org_a, application) -> None:
    assessment = referentiel_services.start_assessment(org_a, by=alice)
    answer_all(assessment, alice, {"gouv-1": (True, ""), "gouv-2": (3, ""), "gouv-3": ("AG annuelle", "")})
    client.force_login(alice)
    response = client.get(step_url(org_a, 3))
    assert "Il manque 2 réponses." in response.text
    assert reverse("assessment_domain", args=[org_a.slug, assessment.pk, 2]) in response.text


def test_step_4_asks_for_the_missing_evidence_and_stores_it(client, bob, org_a, application) -> None:
    assessment = referentiel_services.start_assessment(org_a, by=bob)
    client.force_login(bob)
    page = client.get(step_url(org_a, 4))
    field = f"c{assessment.referentiel.domains.get(code='gouvernance').criteria.get(code='gouv-1').pk}"
    client.post(step_url(org_a, 4), {field: SimpleUploadedFile("statuts.pdf", pdf_bytes()), "go": "stay"})
    evidence = Evidence.objects.get()
    assert "Les statuts signés (PDF)" in page.text
    assert (evidence.assessment, evidence.criterion.code) == (assessment, "gouv-1")
    assert (
        reverse("evidence_download", args=[assessment.pk, evidence.pk]) in client.get(step_url(org_a, 4)).text
    )


def test_step_4_refuses_a_file_that_is_not_a_document(client, alice, org_a, application) -> None:
    assessment = referentiel_services.start_assessment(org_a, by=alice)
    field = f"c{assessment.referentiel.domains.get(code='gouvernance').criteria.get(code='gouv-1').pk}"
    client.force_login(alice)
    response = client.post(step_url(org_a, 4), {field: SimpleUploadedFile("statuts.pdf", b"plain text")})
    assert "Ce type de fichier n&#x27;est pas accepté" in response.text
    assert not Evidence.objects.exists()


def test_step_5_shows_the_radar_and_what_is_missing_with_links_to_its_step(
    client, alice, org_a, application
) -> None:
    referentiel_services.start_assessment(org_a, by=alice)
    client.force_login(alice)
    response = client.get(step_url(org_a, 5))
    assert "<svg" in response.text
    assert "Présentez au moins un produit ou un service." in response.text
    assert f'href="{step_url(org_a, 2)}">à compléter à l\'étape 2' in response.text


def test_submitting_an_incomplete_application_is_refused_with_what_is_missing(
    client, alice, org_a, application
) -> None:
    client.force_login(alice)
    response = client.post(step_url(org_a, 5), follow=True)
    application.refresh_from_db()
    assert application.status == "draft"
    assert "Commencez l&#x27;auto-évaluation au regard du référentiel." in response.text


def test_the_application_resumes_at_the_step_left(client, alice, org_a, application) -> None:
    client.force_login(alice)
    client.get(step_url(org_a, 3))
    assert "Reprendre la candidature (étape 3 sur 5)" in client.get(home_url(org_a)).text
    assert client.post(home_url(org_a)).url == step_url(org_a, 3)


def test_a_member_goes_through_the_five_steps_and_submits(
    client, bob, org_a, referentiel, django_capture_on_commit_callbacks
) -> None:
    client.force_login(bob)
    client.post(home_url(org_a))
    client.post(step_url(org_a, 1), {**profile_data(org_a), "go": "next"})
    client.post(step_url(org_a, 2), offer_data())
    client.post(reverse("assessment_home", args=[org_a.slug]))
    answer_all(Assessment.objects.get(), bob)
    field = f"c{referentiel.domains.get(code='gouvernance').criteria.get(code='gouv-1').pk}"
    client.post(step_url(org_a, 4), {field: SimpleUploadedFile("statuts.pdf", pdf_bytes()), "go": "next"})
    summary = client.get(step_url(org_a, 5)).text
    assert "Rien : votre candidature est prête à être envoyée." in summary
    assert "statuts.pdf" in summary
    with django_capture_on_commit_callbacks(execute=True):
        client.post(step_url(org_a, 5))
    assert Application.objects.get().status == "submitted"
    assert "soumise" in mail.outbox[-1].subject


def test_after_submitting_the_dashboard_says_soumise(client, alice, org_a, referentiel) -> None:
    ready_application(org_a, alice)
    client.force_login(alice)
    assert ">soumise</a>" in client.get(reverse("dashboard")).text


def test_a_submitted_application_is_no_longer_edited(client, alice, org_a, referentiel) -> None:
    ready_application(org_a, alice)
    client.force_login(alice)
    response = client.get(step_url(org_a, 1))
    assert response.url == home_url(org_a)


# --- Sent back, resubmitted, on the agenda ----------------------------------------------------


@pytest.fixture
def sent_back(org_a, alice, nadia, referentiel) -> Application:
    application = ready_application(org_a, alice)
    return services.send_back(application, by=nadia, message="La page des signatures des statuts manque.")


def test_after_a_send_back_the_staff_message_is_on_every_step(client, alice, org_a, sent_back) -> None:
    client.force_login(alice)
    for step in (1, 4):
        assert "La page des signatures des statuts manque." in client.get(step_url(org_a, step)).text


def test_after_a_send_back_the_dashboard_shows_the_message(client, alice, sent_back) -> None:
    client.force_login(alice)
    response = client.get(reverse("dashboard"))
    assert "Message de la Région : La page des signatures des statuts manque." in response.text


def test_a_sent_back_application_is_submitted_again(
    client, alice, org_a, sent_back, django_capture_on_commit_callbacks
) -> None:
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(step_url(org_a, 5))
    sent_back.refresh_from_db()
    assert (sent_back.status, sent_back.staff_message) == ("submitted", "")
    assert len(mail.outbox) == 1


def test_withdrawing_a_sent_back_application_ends_the_candidacy(client, alice, org_a, sent_back) -> None:
    client.force_login(alice)
    client.post(reverse("application_withdraw", args=[org_a.slug]))
    org_a.refresh_from_db()
    assert org_a.status == "draft"


def test_the_dashboard_names_the_session_of_the_agenda(client, alice, org_a, nadia, referentiel) -> None:
    make_colleges()
    services.put_on_agenda(ready_application(org_a, alice), march_12_session(nadia), by=nadia)
    client.force_login(alice)
    response = client.get(reverse("dashboard"))
    assert "complète, inscrite à l'ordre du jour de la séance du 12 mars" in response.text


# --- Starting again, withdrawing ------------------------------------------------------------


def test_starting_is_refused_while_a_demarche_de_progres_is_unfinished(
    client, alice, org_a, referentiel
) -> None:
    ProgressPlan.objects.create(
        organisation=org_a, origin=ProgressPlan.Origin.STAFF, status=ProgressPlan.Status.OPEN
    )
    client.force_login(alice)
    response = client.post(home_url(org_a), follow=True)
    assert "Votre démarche de progrès a encore des engagements en cours" in response.text
    assert not Application.objects.exists()


def test_withdrawing_asks_for_confirmation_first(client, bob, org_a, application) -> None:
    client.force_login(bob)
    response = client.get(reverse("application_withdraw", args=[org_a.slug]))
    application.refresh_from_db()
    assert "Retirer votre candidature ?" in response.text
    assert application.status == "draft"


def test_a_member_withdraws_a_submitted_application(client, bob, org_a, alice, referentiel) -> None:
    application = ready_application(org_a, alice)
    client.force_login(bob)
    client.post(reverse("application_withdraw", args=[org_a.slug]))
    application.refresh_from_db()
    org_a.refresh_from_db()
    assert (application.status, org_a.status) == ("withdrawn", "draft")


# --- The admission certificate ----------------------------------------------------------------


def certificate_url(application: Application) -> str:
    return reverse("application_certificate", args=[application.organisation.slug, application.pk])


def test_a_member_downloads_the_admission_certificate(client, bob, application, nadia) -> None:
    with_certificate(application, nadia)
    client.force_login(bob)
    response = client.get(certificate_url(application))
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


def test_staff_download_the_certificate_too(client, nadia, application) -> None:
    with_certificate(application, nadia)
    client.force_login(nadia)
    assert client.get(certificate_url(application)).status_code == 200


@pytest.mark.parametrize("persona", ["charlie", "dave", "staff_without_2fa"])
def test_anyone_else_gets_404_for_the_certificate(client, request, persona, application, nadia) -> None:
    with_certificate(application, nadia)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(certificate_url(application)).status_code == 404


def test_the_certificate_is_404_until_it_is_generated(client, alice, application, nadia) -> None:
    with_certificate(application, nadia, generated=False)
    client.force_login(alice)
    assert client.get(certificate_url(application)).status_code == 404


def test_the_application_page_links_to_the_certificate(client, alice, org_a, application, nadia) -> None:
    with_certificate(application, nadia)
    client.force_login(alice)
    assert f'href="{certificate_url(application)}"' in client.get(home_url(org_a)).text
