"""Journey 4: Sophie browses the showcase, with and without JavaScript."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from solidaire.models import LegalForm, Sector
from tests.browser.conftest import TIMEOUT_MS, axe_check
from tests.factory import make_commune
from tests.referentiel.factory import make_referentiel
from tests.vitrine.conftest import add_offer, complete_assessment, make_listed


@pytest.fixture(autouse=True)
def _no_tiles(settings) -> None:
    # No tile server: the test needs no network, and Leaflet still draws the markers.
    settings.MAP_TILE_URL = ""


@pytest.fixture
def showcase(db) -> None:
    rennes = make_commune("35238", "Rennes", "35000")
    brest = make_commune("29019", "Brest", "29200", latitude=48.39, longitude=-4.49)
    circular = Sector.objects.get(code="economie-circulaire")
    food = Sector.objects.get(code="alimentation")
    association = LegalForm.objects.get(code="association")
    # Descriptions that do not mention repairs: only the offers below do.
    scic = make_listed(
        "Repair Café du Pays de Rennes", commune=rennes, sector=circular, description="Un café."
    )
    add_offer(scic, "Réparation d'électroménager", description="Chaque samedi, avec nos bénévoles.")
    make_referentiel()
    complete_assessment(scic)
    garage = make_listed(
        "Garage solidaire de Brest",
        commune=brest,
        sector=circular,
        legal_form=association,
        description="Un garage.",
    )
    add_offer(garage, "Réparation automobile", "transport")
    grocery = make_listed(
        "Épicerie de Rennes", commune=rennes, sector=food, legal_form=association, description="Une épicerie."
    )
    add_offer(grocery, "Réparation de vélos", "transport")
    make_listed(
        "Cinéma de Rennes",
        commune=rennes,
        sector=Sector.objects.get(code="culture"),
        description="Des films.",
    )


@pytest.fixture
def requests_made(page: Page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    """What the CSP blocked of scripts, images and requests: Leaflet, the tiles and the
    JSON-LD must all pass. (Inline styles are another matter: the radar of
    solidaire.lib.charts has a style attribute, which style-src 'self' blocks on every page
    that shows it; its size still comes from its width and viewBox.)"""
    messages: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text and "style-src" not in message.text:
            messages.append(message.text)

    page.on("console", collect)
    return messages


def test_sophie_finds_a_repair_cafe_in_her_departement_and_sees_it_on_the_map(
    page: Page, live_server, showcase, requests_made: list[str], csp_violations: list[str]
) -> None:
    page.goto("/organisations/")
    page.get_by_label("Mots-clés").fill("réparation")
    page.get_by_label("Département").select_option("35")
    page.get_by_label("Filière").select_option("economie-circulaire")
    page.get_by_role("button", name="Afficher les résultats").click()

    expect(page).to_have_url(re.compile(r"q=r%C3%A9paration&departement=35&filiere=economie-circulaire"))
    expect(page.get_by_role("heading", name="1 organisation", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Repair Café du Pays de Rennes")).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Voir ces organisations sur la carte").click()
    marker = page.locator(".leaflet-marker-icon[title='Repair Café du Pays de Rennes']")
    expect(marker).to_be_visible()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    axe_check(page)

    marker.click()
    page.locator(".leaflet-popup").get_by_role("link", name="Repair Café du Pays de Rennes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Repair Café du Pays de Rennes")
    expect(page.locator("figure.radar svg")).to_be_visible()
    expect(page.locator(".map-small .leaflet-marker-icon")).to_be_visible()
    expect(page.get_by_text("Réparation d'électroménager")).to_be_visible()
    axe_check(page)

    assert [url for url in requests_made if not url.startswith(live_server.url)] == []
    assert csp_violations == []


def test_the_map_clusters_the_organisations_of_a_selection(page: Page, showcase) -> None:
    page.goto("/organisations/carte/?q=r%C3%A9paration")

    # Two organisations in Rennes at the same point: one cluster of 2, and Brest alone.
    expect(page.locator(".marker-cluster")).to_have_text("2")
    expect(page.locator(".leaflet-marker-icon[title='Garage solidaire de Brest']")).to_be_visible()
    axe_check(page)


@pytest.fixture
def page_without_javascript(browser: Browser, live_server) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_without_javascript_the_search_the_filters_and_the_pages_work(
    page_without_javascript, showcase
) -> None:
    page = page_without_javascript
    page.goto("/organisations/")
    page.get_by_label("Mots-clés").fill("reparation")
    page.get_by_label("Commune").select_option(label="Rennes (3)")
    page.get_by_role("button", name="Afficher les résultats").click()

    expect(page.get_by_role("heading", name="2 organisations", exact=True)).to_be_visible()
    page.get_by_role("link", name="Commune : Rennes – retirer ce critère").click()
    expect(page.get_by_role("heading", name="3 organisations", exact=True)).to_be_visible()

    page.get_by_role("link", name="Voir ces organisations sur la carte").click()
    expect(page.get_by_text("La carte a besoin de JavaScript.")).to_be_visible()
    page.get_by_role("link", name="voir la liste de ces 3 organisations").click()
    page.get_by_role("link", name="Épicerie de Rennes").click()
    page.get_by_role("link", name="Réparation de vélos").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Réparation de vélos")
