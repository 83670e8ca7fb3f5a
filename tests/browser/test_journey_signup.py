"""Issue #2: a visitor signs up, confirms her email and creates her organisation."""

import re
from collections.abc import Callable

from django.core import mail
from playwright.sync_api import Locator, Page, expect

from solidaire.models import Organisation, User
from tests.factory import PASSWORD, make_commune, valid_siret

CONFIRMATION_LINK = re.compile(r"https?://\S+/compte/confirm-email/\S+/")


def field(page: Page, label: str) -> Locator:
    """The form field whose label reads `label` (Django adds " :" after it)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\s*:?$"))


def sign_up(page: Page, email: str) -> None:
    page.goto("/compte/signup/")
    field(page, "Courriel").fill(email)
    field(page, "Mot de passe").fill(PASSWORD)
    field(page, "Mot de passe (confirmation)").fill(PASSWORD)
    page.get_by_role("button", name="Création de compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre adresse e-mail")


def confirmation_link(email: str) -> str:
    [message] = [m for m in mail.outbox if email in m.to]
    return CONFIRMATION_LINK.search(message.body).group(0)


def test_a_visitor_signs_up_and_creates_her_organisation(page: Page) -> None:
    make_commune()
    sign_up(page, "emma@example.org")

    page.goto(confirmation_link("emma@example.org"))
    page.get_by_role("button", name="Confirmer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.get_by_text("Prochaine étape : créez votre organisation")).to_be_visible()

    page.get_by_role("link", name="Créer mon organisation").click()
    field(page, "Raison sociale").fill("La Recyclerie du Blosne")
    field(page, "SIRET").fill("12345678901234")
    field(page, "Forme juridique").select_option(label="SCIC — société coopérative d'intérêt collectif")
    field(page, "Filière").select_option(label="Réemploi et économie circulaire")
    field(page, "Adresse").fill("12 boulevard de Yougoslavie")
    field(page, "Commune").press_sequentially("Rennes")
    field(page, "Présentation").fill("Une recyclerie de quartier : collecte, réparation et vente solidaire.")
    page.get_by_role("button", name="Créer l'organisation").click()

    expect(field(page, "SIRET")).to_have_accessible_description(
        re.compile(re.escape("Ce numéro SIRET n'est pas valide (clé de contrôle).")),
    )
    assert Organisation.objects.count() == 0

    field(page, "SIRET").fill(valid_siret())
    page.get_by_role("button", name="Créer l'organisation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("La Recyclerie du Blosne")
    expect(page.get_by_role("status")).to_have_text("L'organisation « La Recyclerie du Blosne » est créée.")


def test_the_commune_field_suggests_communes_as_she_types(
    page: Page, sign_in: Callable[[User], None], dave: User
) -> None:
    make_commune()
    sign_in(dave)
    page.goto("/espace/organisations/nouvelle/")

    field(page, "Commune").press_sequentially("Ren")

    expect(page.locator("datalist#commune-suggestions option")).to_have_attribute("value", "Rennes (35000)")
