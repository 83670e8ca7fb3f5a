"""Personas and the rule that turns a missing service into a failure.

REQUIRE_SERVICES (e.g. "postgres,redis,chromium") names the services that
must be there: a test that needs one of them fails instead of being skipped.
CI sets it; on a laptop, tests that need a missing service are skipped.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from solidaire.celery import app as celery_app
from solidaire.models import Membership
from tests.factory import add_member, make_organisation, make_user
from tests.worlds import FAST_HASHERS, storage_settings

REQUIRED = {s.strip() for s in os.getenv("REQUIRE_SERVICES", "").split(",") if s.strip()}
CHROMIUM = os.getenv("CHROMIUM_PATH", "/usr/bin/chromium")


def _redis_reachable() -> bool:
    if not settings.REDIS_URL:
        return False
    url = urlparse(settings.REDIS_URL)
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def _missing(service: str) -> str | None:
    if service == "postgres" and not settings.USING_POSTGRES:
        return "DATABASE_URL is not a PostgreSQL database"
    if service == "redis" and not _redis_reachable():
        return "no Redis server at REDIS_URL"
    if service == "chromium" and not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        return f"no Chromium at {CHROMIUM}"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    needs = {"postgres", "redis"} & {m.name for m in item.iter_markers()}
    if item.get_closest_marker("browser"):
        needs.add("chromium")
    for service in sorted(needs):
        reason = _missing(service)
        if reason is None:
            continue
        if service in REQUIRED:
            pytest.fail(f"{service} is required (REQUIRE_SERVICES) but missing: {reason}")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test gets its own media folders, eager tasks, an empty cache, and no network."""
    storage = storage_settings(tmp_path)
    settings.MEDIA_ROOT = storage["MEDIA_ROOT"]
    settings.STORAGES = {**settings.STORAGES, **storage["STORAGES"]}
    settings.BAN_API_URL = ""
    settings.PASSWORD_HASHERS = FAST_HASHERS
    celery_app.conf.task_always_eager = True
    cache.clear()
    # A request in English leaves English active in the thread: start each test in French.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    cache.clear()


# --- Personas (STYLE.md) ---------------------------------------------------------------


@pytest.fixture
def alice(db):
    """Admin member of organisation A."""
    return make_user("alice@example.org", full_name="Alice Martin")


@pytest.fixture
def org_a(alice):
    return make_organisation("Atelier du Réemploi", admin=alice)


@pytest.fixture
def bob(org_a):
    """Editor of organisation A."""
    user = make_user("bob@example.org", full_name="Bob Leroy")
    add_member(org_a, user, Membership.Role.EDITOR)
    return user


@pytest.fixture
def charlie(db):
    """Admin member of organisation B."""
    return make_user("charlie@example.org", full_name="Charlie Durand")


@pytest.fixture
def org_b(charlie):
    return make_organisation("Coopérative des Deux Rives", admin=charlie)


@pytest.fixture
def dave(db):
    """Signed-in user with no organisation."""
    return make_user("dave@example.org", full_name="Dave Petit")


@pytest.fixture
def nadia(db):
    """Regional staff, with a second factor."""
    return make_user("nadia@region.example", full_name="Nadia Benali", staff=True)


@pytest.fixture
def staff_without_2fa(db):
    return make_user("olivier@region.example", full_name="Olivier Roux", staff=True, totp=False)
