"""Pages pass axe-core's WCAG 2.1 A/AA rules, in French and in English, with and without errors."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from solidaire.models import User
from tests.browser.conftest import axe_check

FORM_FIELDS = "input:not([type=hidden]), select, textarea"


def expect_every_field_labelled(page: Page) -> None:
    fields = page.locator(FORM_FIELDS)
    expect(fields.first).to_be_attached()
    for field in fields.all():
        expect(field).to_have_accessible_name(re.compile(r"\w"))


@pytest.mark.parametrize(
    ("path", "language"),
    [("/", "fr"), ("/compte/signup/", "fr"), ("/compte/login/", "fr"), ("/en/", "en")],
)
def test_a_public_page_passes_the_wcag_rules_in_its_language(page: Page, path: str, language: str) -> None:
    page.goto(path)

    expect(page.locator("html")).to_have_attribute("lang", language)
    axe_check(page)


@pytest.mark.parametrize("path", ["/compte/signup/", "/compte/login/"])
def test_every_field_of_the_account_forms_has_a_label(page: Page, path: str) -> None:
    page.goto(path)

    expect_every_field_labelled(page)


def test_the_organisation_form_passes_the_wcag_rules(
    page: Page, sign_in: Callable[[User], None], dave: User
) -> None:
    sign_in(dave)
    page.goto("/espace/organisations/nouvelle/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Créer une organisation")
    expect_every_field_labelled(page)
    axe_check(page)


def test_the_organisation_form_with_errors_passes_the_wcag_rules(
    page: Page, sign_in: Callable[[User], None], dave: User
) -> None:
    sign_in(dave)
    page.goto("/espace/organisations/nouvelle/")
    page.get_by_label(re.compile(r"^SIRET")).fill("12345678901234")
    page.get_by_role("button", name="Créer l'organisation").click()

    expect(page.get_by_role("alert")).to_contain_text("Le formulaire contient 7 erreurs.")
    expect_every_field_labelled(page)
    axe_check(page)


def test_the_skip_link_moves_the_focus_to_the_main_content(page: Page) -> None:
    page.goto("/")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Aller au contenu")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")

    expect(page.get_by_role("main")).to_be_focused()
