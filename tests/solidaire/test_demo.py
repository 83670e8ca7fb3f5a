import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from solidaire.models import AuditEntry, Commune, Membership, Offer, Organisation, User


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """The demo is loaded once for this module (it loads all the territories of France),
    in a transaction rolled back at the end so that other tests never see it."""
    files = tmp_path_factory.mktemp("demo-files")
    storages = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": files / "media"},
        },
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": files / "private"},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The per-test isolation of tests/conftest.py does not reach a module fixture: the demo's
    # files (evidence, pictures) go to a temporary folder rather than the real media/.
    with (
        override_settings(STORAGES=storages, MEDIA_ROOT=files / "media", BAN_API_URL=""),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        out = io.StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Organisation, Offer, User, Membership, Commune, AuditEntry)
    }


def test_the_demo_has_sixty_organisations_in_several_departements(demo_output, db) -> None:
    organisations = Organisation.objects.all()
    assert organisations.count() >= 60
    assert organisations.values("commune__departement").distinct().count() >= 3
    assert organisations.values("commune").distinct().count() >= 20


def test_the_demo_varies_legal_forms_sectors_and_states(demo_output, db) -> None:
    organisations = Organisation.objects.all()
    assert organisations.values("legal_form").distinct().count() >= 8
    assert organisations.values("sector").distinct().count() >= 10
    assert set(organisations.values_list("status", flat=True)) == set(Organisation.Status.values)


def test_every_organisation_has_an_admin_member_and_offers(demo_output, db) -> None:
    assert not Organisation.objects.exclude(memberships__role="admin").exists()
    assert not Organisation.objects.filter(offers=None).exists()


def test_running_the_demo_twice_changes_nothing(demo_output, db) -> None:
    before = counts()
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert counts() == before
    assert "0 créées" in out.getvalue()


def test_the_demo_prints_its_progress_and_the_accounts(demo_output, db) -> None:
    assert "organisations : 64 créées" in demo_output
    assert "nadia@region.example" in demo_output
