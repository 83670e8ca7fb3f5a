"""Journeys 1 to 3 in the browser: Léa applies through every step, Nadia puts the
application on an agenda and publishes the session, members of several colleges vote,
the session closes through the scheduled job, the SCIC is listed and its certificate
names it."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from assemblee.models import Application, Session
from assemblee.tasks import close_due_sessions
from tests.assemblee.factory import make_colleges, make_member
from tests.browser.conftest import axe_check
from tests.factory import make_offer, make_organisation, make_user
from tests.referentiel.factory import make_referentiel, pdf_bytes


@pytest.fixture
def lea(db):
    return make_user("lea@example.org", full_name="Léa Morvan")


@pytest.fixture
def scic(lea):
    organisation = make_organisation("Repair Café du Trégor", admin=lea)
    make_offer(organisation, "Ateliers de réparation")
    return organisation


def apply_through_every_step(page: Page, scic, tmp_path) -> None:
    statutes = tmp_path / "statuts.pdf"
    statutes.write_bytes(pdf_bytes())
    page.goto(f"/espace/organisations/{scic.slug}/candidature/")
    page.get_by_role("button", name="Commencer une candidature").click()

    expect(page.get_by_text("Étape 1 sur 5")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Enregistrer et continuer").click()

    expect(page.get_by_text("Étape 2 sur 5")).to_be_visible()
    axe_check(page)
    page.get_by_label("produit").check()
    page.get_by_label("Catégorie").select_option(label="Seconde main")
    page.locator("#id_name").fill("Électroménager reconditionné")
    page.locator("#id_description").fill("Lave-linge révisés, garantis six mois.")
    page.get_by_role("button", name="Ajouter l'offre").click()
    expect(page.get_by_text("Électroménager reconditionné").first).to_be_visible()
    page.get_by_role("link", name="Continuer : l'auto-évaluation").click()

    expect(page.get_by_text("Étape 3 sur 5")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Commencer l'auto-évaluation").click()
    page.locator("#critere-gouv-1").get_by_label("Oui").check()
    page.locator("#critere-gouv-2").get_by_label("3 — largement").check()
    page.locator("#critere-gouv-3").get_by_label("Votre réponse").fill(
        "Une AG par an, un conseil coopératif."
    )
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.get_by_label("Votre réponse (%)").fill("60")
    page.locator("#critere-env-2").get_by_label("Votre réponse").fill("4")
    page.get_by_role("button", name="Enregistrer et voir la synthèse").click()

    page.goto(f"/espace/organisations/{scic.slug}/candidature/etape/4/")
    expect(page.get_by_text("Étape 4 sur 5")).to_be_visible()
    axe_check(page)
    page.locator("input[type=file]").first.set_input_files(str(statutes))
    page.get_by_role("button", name="Enregistrer et continuer").click()

    expect(page.get_by_text("Étape 5 sur 5")).to_be_visible()
    expect(page.locator("figure.radar svg")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Soumettre ma candidature").click()
    expect(page.get_by_text("soumise").first).to_be_visible()


def test_an_application_goes_from_the_form_to_the_showcase(
    page: Page, context, sign_in, lea, scic, nadia, tmp_path
) -> None:
    make_referentiel()
    colleges = make_colleges()
    voters = [make_member(college, f"membre{n}@example.org") for n, college in enumerate(colleges[:3])]
    session = Session.objects.create(
        title="Séance du 12 mars", place="Hôtel de Région", opens_at=timezone.now() - timedelta(hours=1),
        closes_at=timezone.now() + timedelta(days=7),
    )  # fmt: skip

    sign_in(lea)
    apply_through_every_step(page, scic, tmp_path)
    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED

    context.clear_cookies()
    sign_in(nadia)
    page.goto(f"/gestion/candidatures/{application.pk}/")
    page.locator("#id_odj-session").select_option(str(session.pk))
    page.get_by_role("button", name="Inscrire à l'ordre du jour").click()
    page.goto(f"/gestion/seances/{session.pk}/")
    page.get_by_role("button", name="Publier la séance").click()
    expect(page.get_by_text("convoquée").first).to_be_visible()

    for voter in voters:
        context.clear_cookies()
        sign_in(voter)
        page.goto(f"/assemblee/seances/{session.pk}/")
        page.get_by_role("link", name="Repair Café du Trégor").first.click()
        axe_check(page)
        page.get_by_label("admettre").check()
        page.get_by_role("button", name="Voter").click()
        expect(page.get_by_role("button", name="Changer mon vote")).to_be_visible()

    Session.objects.filter(pk=session.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert close_due_sessions() == 1

    page.goto(f"/assemblee/seances/{session.pk}/resultats/")
    expect(page.get_by_text("admission").first).to_be_visible()
    axe_check(page)

    context.clear_cookies()
    page.goto(f"/organisations/{scic.slug}/")
    expect(page.get_by_role("heading", name="Repair Café du Trégor")).to_be_visible()

    sign_in(lea)
    page.goto(f"/espace/organisations/{scic.slug}/candidature/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger l'attestation (PDF)").click()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(download.value.path().read_bytes())).pages)
    assert "Repair Café du Trégor" in text
