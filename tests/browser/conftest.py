"""Browser tests: a real Chromium driven by Playwright against pytest-django's live server.

One Chromium for all the tests of this folder, a fresh context (cookies, storage) for each
test, pages in French unless the URL says otherwise.
Every test in this folder is marked `browser` (skipped without Chromium unless
REQUIRE_SERVICES names it, see tests/conftest.py) and gets a transactional database
whose reference data (legal forms, sectors...) is restored before each test.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.db import connections
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from solidaire.models import User

CHROMIUM = os.getenv("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks the tests of this folder: `browser`, and a transactional database whose
    migrated reference data is serialized once and restored before each test (a
    transactional test otherwise leaves the tables empty for the next one)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
            # The live server serves /static/ from the finders: no need for collectstatic.
            item.add_marker(pytest.mark.filterwarnings("ignore:No directory at:UserWarning"))
            if not item.get_closest_marker("django_db"):
                item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.fixture(scope="package")
def playwright(django_db_setup: None) -> Iterator[Playwright]:
    """Playwright for the tests of this folder, started once the test database exists.

    Its sync API keeps an event loop running in the test thread, which changes two things:
    - Django refuses ORM calls (SynchronousOnlyOperation): DJANGO_ALLOW_ASYNC_UNSAFE allows
      them, only while this folder's tests run (the deployment check flags the variable,
      and tests/solidaire/test_settings.py runs it in a subprocess that inherits it);
    - Django's `connections` are then looked up in a context-local store (asgiref), so the
      tests get new connection objects that lack the serialized contents the database was
      set up with; they are copied over, or serialized_rollback would restore nothing."""
    serialized = {
        connection.alias: connection._test_serialized_contents
        for connection in connections.all(initialized_only=True)
        if hasattr(connection, "_test_serialized_contents")
    }
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            for alias, contents in serialized.items():
                connections[alias]._test_serialized_contents = contents
            yield p
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One Chromium for all the tests of this folder."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, live_server) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def sign_in(context: BrowserContext, live_server) -> Callable[[User], None]:
    """Signs a user in the test's browser context, with a session made by the test client
    (faster and steadier than the login form, which has tests of its own)."""

    def sign_in(user: User) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    return sign_in


def axe_check(page: Page) -> dict:
    """Runs axe-core's WCAG 2.1 A/AA rules on the page and fails on any violation, listing
    each rule, its help and the elements at fault. Returns axe's results."""
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options).response
    violations = results["violations"]
    assert not violations, _describe(page.url, violations)
    return results


def _describe(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}")
            summary = node.get("failureSummary", "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)
