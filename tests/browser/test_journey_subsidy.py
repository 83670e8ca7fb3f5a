"""Journey 5 in the browser: Nadia drafts and awards a grant with two instalments and two
indicators to Léa's listed SCIC, and sees why another organisation is not eligible; Léa
reports 280 with a comment and a file; Nadia validates it and the chart shows it."""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from solidaire.models import Organisation
from subventions.models import Grant, Report, ReportState
from tests.browser.conftest import axe_check
from tests.factory import make_organisation, make_user
from tests.referentiel.factory import make_referentiel, pdf_bytes
from tests.subventions.factory import assess, draft, make_indicator, make_programme

# Set to a folder to keep a screenshot of each step (for a human review of the pages).
SCREENSHOTS = os.getenv("JOURNEY_SCREENSHOTS", "")


def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


@pytest.fixture
def lea(db):
    return make_user("lea@example.org", full_name="Léa Morvan")


@pytest.fixture
def scic(lea) -> Organisation:
    """Léa's SCIC, listed, with a completed self-assessment scoring well above 50 %."""
    make_referentiel()
    organisation = make_organisation("Repair Café du Trégor", admin=lea)
    assess(organisation, lea)
    Organisation.objects.filter(pk=organisation.pk).update(status=Organisation.Status.LISTED)
    return organisation


@pytest.fixture
def programme(db):
    repaired = make_indicator("appareils-repares", name="Appareils réparés", unit="appareils")
    training = make_indicator("heures-formation", name="Heures de formation", unit="heures")
    return make_programme("Économie circulaire", indicators=[repaired, training])


def iso(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def draft_and_award(page: Page, scic: Organisation) -> None:
    page.goto("/gestion/subventions/nouvelle/")
    page.get_by_label("Organisation").select_option(label=scic.name)
    page.get_by_label("Dispositif").select_option(label="Économie circulaire")
    page.get_by_role("button", name="Vérifier l'éligibilité").click()
    expect(page.get_by_text("Repair Café du Trégor remplit les conditions du dispositif")).to_be_visible()

    page.get_by_label("Objet").fill("Atelier de réparation et formations")
    page.locator("#id_amount").fill("24 000")
    page.get_by_label("Référence de la décision").fill("CP-2026-0412")
    page.get_by_label("Date de la décision").fill(iso(-85))
    page.get_by_label("Date de la convention").fill(iso(-82))
    page.get_by_label("Début de la période").fill(iso(-80))
    page.get_by_label("Fin de la période").fill(iso(284))
    page.get_by_label("Date prévue, ligne 1").fill(iso(-70))
    page.get_by_label("Montant (€), ligne 1").fill("12000")
    page.get_by_label("Date prévue, ligne 2").fill(iso(120))
    page.get_by_label("Montant (€), ligne 2").fill("12 000")
    # The two indicators the programme requires are proposed already.
    for row, (baseline, target, periodicity, first_due) in enumerate(
        [("900", "1200", "trimestrielle", iso(10)), ("300", "500", "semestrielle", iso(100))], start=1
    ):
        page.get_by_label(f"Valeur de départ, ligne {row}").fill(baseline)
        page.get_by_label(f"Cible, ligne {row}").fill(target)
        page.get_by_label(f"Périodicité, ligne {row}").select_option(label=periodicity)
        page.get_by_label(f"Première échéance, ligne {row}").fill(first_due)
    shot(page, "1-draft")
    axe_check(page)
    page.get_by_role("button", name="Enregistrer la subvention en préparation").click()

    expect(page.get_by_text("L'organisation est éligible et la subvention est complète")).to_be_visible()
    page.get_by_role("button", name="Attribuer la subvention").click()
    expect(page.get_by_text("La subvention est attribuée")).to_be_visible()
    axe_check(page)
    shot(page, "2-awarded")


def test_a_subsidy_with_indicators(
    page: Page, sign_in, context, nadia, lea, scic, programme, tmp_path
) -> None:
    # Nadia drafts and awards the grant.
    sign_in(nadia)
    draft_and_award(page, scic)
    grant = Grant.objects.get(organisation=scic)
    assert (grant.status, grant.amount, grant.instalments.count()) == (
        Grant.Status.AWARDED,
        Decimal(24_000),
        2,
    )

    # Another organisation is not eligible: each reason, and the award button refuses.
    other = make_organisation("Ressourcerie des Monts")
    page.goto(f"/gestion/subventions/nouvelle/?organisation={other.pk}&dispositif={programme.pk}")
    expect(page.get_by_text("n'est ni référencée ni en démarche de progrès")).to_be_visible()
    expect(page.get_by_text("n'a pas d'auto-évaluation terminée")).to_be_visible()
    refused = draft(other, programme, nadia)
    page.goto(f"/gestion/subventions/{refused.pk}/")
    page.get_by_role("button", name="Attribuer la subvention").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("La subvention n'est pas attribuée")
    expect(summary).to_contain_text("n'est ni référencée ni en démarche de progrès")
    shot(page, "3-refused")

    # Léa sees the calendar and reports 280 with a comment and a file.
    context.clear_cookies()
    sign_in(lea)
    page.goto(f"/espace/organisations/{scic.slug}/")
    page.get_by_role("link", name="Subventions et rapports d'indicateurs").click()
    page.get_by_role("link", name="Économie circulaire").click()
    expect(page.get_by_role("table", name="Calendrier des rapports : Appareils réparés")).to_be_visible()
    shot(page, "4-calendar")
    axe_check(page)
    page.locator(
        "#indicateur-{}".format(grant.indicators.get(indicator__code="appareils-repares").pk)
    ).get_by_role("link", name="Déclarer la valeur").first.click()
    axe_check(page)
    page.get_by_label("Valeur").fill("")
    page.get_by_role("button", name="Remettre le rapport").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe_check(page)
    evidence = tmp_path / "suivi-trimestre.pdf"
    evidence.write_bytes(pdf_bytes("Tableau de suivi"))
    page.get_by_label("Valeur").fill("280")
    page.get_by_label("Commentaire").fill("Bon trimestre, deux nouveaux bénévoles.")
    page.get_by_label("Justificatif").set_input_files(str(evidence))
    shot(page, "5-report")
    page.get_by_role("button", name="Remettre le rapport").click()
    expect(page.get_by_text("Votre rapport est remis")).to_be_visible()
    assert Report.objects.get(value=280).state == ReportState.SUBMITTED

    # Nadia finds it on the dashboard, validates it, and the chart shows 280 against the target.
    context.clear_cookies()
    sign_in(nadia)
    page.goto("/gestion/subventions/tableau-de-bord/")
    axe_check(page)
    shot(page, "6-dashboard")
    page.get_by_role("link", name="280 appareils").click()
    expect(page.get_by_text("Bon trimestre, deux nouveaux bénévoles.")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Valider le rapport").click()
    expect(page.get_by_text("Le rapport est validé.")).to_be_visible()
    chart = page.get_by_role("img", name="Appareils réparés")
    expect(chart).to_be_visible()
    expect(chart.locator("desc")).to_contain_text("280\xa0appareils")
    expect(chart.locator("desc")).to_contain_text("Cible : 300\xa0appareils")
    shot(page, "7-validated")


@pytest.fixture
def awarded(scic, programme, nadia) -> Grant:
    from tests.subventions.factory import awarded_grant

    grant = awarded_grant(
        scic, make_programme("Vie associative", indicators=[]), nadia,
        indicator=programme.indicators.get(code="appareils-repares"),
        first_due=timezone.localdate() + timedelta(days=10),
    )  # fmt: skip
    return grant


@pytest.mark.parametrize(
    "path",
    [
        "/gestion/subventions/",
        "/gestion/subventions/nouvelle/?organisation=0",
        "/gestion/subventions/dispositifs/",
        "/gestion/subventions/dispositifs/nouveau/",
        "/gestion/subventions/participations/",
        "/gestion/subventions/participations/nouvelle/",
        "/gestion/subventions/tableau-de-bord/?etat=perdu",
    ],
)
def test_the_staff_subsidy_pages_pass_the_wcag_rules(page: Page, sign_in, nadia, awarded, path: str) -> None:
    sign_in(nadia)
    page.goto(path)
    axe_check(page)


def test_a_refused_form_passes_the_wcag_rules(page: Page, sign_in, nadia, awarded) -> None:
    sign_in(nadia)
    page.goto("/gestion/subventions/participations/nouvelle/")
    page.get_by_role("button", name="Enregistrer la participation").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe_check(page)
    page.goto("/gestion/subventions/dispositifs/nouveau/")
    page.get_by_role("button", name="Enregistrer le dispositif").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe_check(page)


def test_the_organisation_s_grants_and_the_open_data_page_pass_the_wcag_rules(
    page: Page, sign_in, lea, awarded
) -> None:
    page.goto("/donnees-ouvertes/subventions/")
    axe_check(page)
    sign_in(lea)
    page.goto(f"/espace/organisations/{awarded.organisation.slug}/subventions/")
    axe_check(page)
