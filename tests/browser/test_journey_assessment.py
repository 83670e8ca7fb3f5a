"""Léa's self-assessment in the browser, with an upload, and a peer review exchange."""

import pytest
from playwright.sync_api import Page, expect

from referentiel import services
from referentiel.models import Assessment, Criterion, PeerReview
from solidaire import services as core
from solidaire.models import Organisation
from tests.browser.conftest import axe_check
from tests.factory import make_organisation, make_user
from tests.referentiel.factory import make_referentiel, pdf_bytes


@pytest.fixture
def lea(db):
    return make_user("lea@example.org", full_name="Léa Morvan")


@pytest.fixture
def scic(lea):
    return make_organisation("Repair Café du Trégor", admin=lea)


def test_lea_assesses_her_cooperative_domain_by_domain_with_evidence(
    page: Page, sign_in, lea, scic, tmp_path
) -> None:
    make_referentiel()
    statutes = tmp_path / "statuts.pdf"
    statutes.write_bytes(pdf_bytes())
    sign_in(lea)
    page.goto(f"/espace/organisations/{scic.slug}/auto-evaluation/")
    page.get_by_role("button", name="Commencer une auto-évaluation").click()

    expect(page.get_by_text("Domaine 1 sur 2")).to_be_visible()
    axe_check(page)
    page.locator("#critere-gouv-1").get_by_label("Oui").check()
    page.locator("#critere-gouv-2").get_by_label("3 — largement").check()
    page.locator("#critere-gouv-3").get_by_label("Votre réponse").fill(
        "Une AG par an, un conseil coopératif."
    )
    page.locator("#critere-gouv-1").locator("input[type=file]").set_input_files(str(statutes))
    page.get_by_role("button", name="Enregistrer et continuer").click()

    expect(page.get_by_text("Domaine 2 sur 2")).to_be_visible()
    page.get_by_label("Votre réponse (%)").fill("62,5")
    page.locator("#critere-env-2").get_by_label("Votre réponse").fill("4")
    page.get_by_role("button", name="Enregistrer et voir la synthèse").click()

    expect(page.get_by_role("heading", name="Synthèse avant de terminer")).to_be_visible()
    expect(page.get_by_text("Rien : toutes les réponses et les preuves demandées sont là.")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Terminer l'auto-évaluation").click()

    expect(page.get_by_text("Ces réponses satisfont au référentiel.")).to_be_visible()
    expect(page.locator("figure.radar svg")).to_be_visible()
    expect(page.get_by_role("link", name="statuts.pdf")).to_be_visible()
    axe_check(page)
    assert Assessment.objects.get().status == Assessment.Status.COMPLETED


def test_a_draft_is_resumed_where_she_left_it(page: Page, sign_in, lea, scic) -> None:
    make_referentiel()
    assessment = services.start_assessment(scic, by=lea)
    Assessment.objects.filter(pk=assessment.pk).update(current_position=2)
    sign_in(lea)
    page.goto(f"/espace/organisations/{scic.slug}/auto-evaluation/")
    page.get_by_role("link", name="Reprendre").click()

    expect(page.get_by_text("Domaine 2 sur 2")).to_be_visible()


def test_a_peer_reviewer_and_the_organisation_exchange(
    page: Page, sign_in, context, lea, scic, nadia
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from solidaire.lib.documents import check_document
    from tests.referentiel.conftest import answer_all

    make_referentiel()
    assessment = services.start_assessment(scic, by=lea)
    answer_all(assessment, lea)
    criterion = Criterion.objects.get(code="gouv-1", domain__referentiel=assessment.referentiel)
    services.add_evidence(
        assessment, criterion, check_document(SimpleUploadedFile("statuts.pdf", pdf_bytes())), lea
    )
    services.complete_assessment(assessment, by=lea)
    yann = make_user("yann@example.org", full_name="Yann Le Gall")
    core.admit(
        make_organisation("Ressourcerie de Brest", admin=yann, status=Organisation.Status.APPLICANT), by=None
    )
    review = services.assign_reviewer(assessment, yann, by=nadia)

    sign_in(yann)
    page.goto(f"/espace/relectures/{review.pk}/")
    axe_check(page)
    for fieldset in page.locator("fieldset.criterion").all():
        fieldset.get_by_label("Oui").check()
    page.locator("#critere-env-2").get_by_label("Non").check()
    page.locator("#critere-env-2").get_by_label("Votre commentaire").fill("L'écart me semble sous-estimé.")
    page.get_by_role("button", name="Rendre la relecture").click()
    expect(page.get_by_text("Votre relecture est rendue.")).to_be_visible()
    assert PeerReview.objects.get().status == PeerReview.Status.SUBMITTED

    context.clear_cookies()
    sign_in(lea)
    page.goto(f"/auto-evaluations/{assessment.pk}/")
    expect(page.get_by_text("L'écart me semble sous-estimé.")).to_be_visible()
    page.get_by_label("Répondre à ce commentaire").first.fill("Il inclut les primes : 4,2 fois.")
    page.get_by_role("button", name="Publier la réponse").first.click()
    expect(page.get_by_text("Il inclut les primes : 4,2 fois.")).to_be_visible()
    axe_check(page)
