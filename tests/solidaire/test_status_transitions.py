from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from solidaire import services
from solidaire.models import AuditEntry, Organisation
from tests.factory import make_organisation

Status = Organisation.Status


@pytest.fixture
def applicant(db) -> Organisation:
    return make_organisation(status=Status.APPLICANT)


def test_admission_lists_the_organisation_for_three_years(applicant) -> None:
    services.admit(applicant, by=None, decided_on=date(2026, 3, 12))
    applicant.refresh_from_db()
    assert (applicant.status, applicant.listed_since, applicant.listed_until) == (
        Status.LISTED,
        date(2026, 3, 12),
        date(2029, 3, 12),
    )


def test_an_admission_on_the_29th_of_february_ends_on_the_28th(applicant) -> None:
    services.admit(applicant, by=None, decided_on=date(2028, 2, 29))
    assert applicant.listed_until == date(2031, 2, 28)


def test_each_transition_is_written_to_the_audit_trail(applicant, nadia) -> None:
    services.admit(applicant, by=None, decided_on=date(2026, 3, 12))
    services.suspend(applicant, by=nadia, reason="Statuts en cours de modification")
    entries = list(AuditEntry.objects.filter(target_id=str(applicant.pk)).order_by("pk").with_names())
    assert [(e.action, e.author, e.data["from"], e.data["to"]) for e in entries] == [
        ("organisation.admit", "système", "applicant", "listed"),
        ("organisation.suspend", "Nadia Benali", "listed", "suspended"),
    ]
    assert entries[1].data["reason"] == "Statuts en cours de modification"


def test_a_transition_from_the_wrong_state_is_refused_and_changes_nothing(db) -> None:
    draft = make_organisation(status=Status.DRAFT)
    with pytest.raises(ValidationError, match="Impossible depuis le statut « brouillon »"):
        services.refuse(draft, by=None)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not AuditEntry.objects.exists()


def test_only_staff_suspend_a_listing(applicant, alice) -> None:
    services.admit(applicant, by=None)
    with pytest.raises(PermissionDenied):
        services.suspend(applicant, by=alice, reason="…")


def test_a_suspension_needs_a_reason(applicant, nadia) -> None:
    services.admit(applicant, by=None)
    with pytest.raises(ValidationError, match="motif"):
        services.suspend(applicant, by=nadia, reason="  ")


def test_a_listed_organisation_that_renews_stays_listed(applicant) -> None:
    services.admit(applicant, by=None)
    services.mark_applicant(applicant, by=None)
    assert applicant.status == Status.LISTED


def test_a_refused_organisation_may_apply_again(applicant) -> None:
    services.refuse(applicant, by=None)
    services.mark_applicant(applicant, by=None)
    applicant.refresh_from_db()
    assert applicant.status == Status.APPLICANT


def test_an_expired_listing_cannot_be_reinstated_after_its_end(applicant, nadia) -> None:
    services.admit(applicant, by=None, decided_on=date(2020, 1, 1))
    services.suspend(applicant, by=nadia, reason="Contrôle")
    with pytest.raises(ValidationError, match="expiré"):
        services.reinstate(applicant, by=nadia)


def test_audit_entries_cannot_be_changed(applicant) -> None:
    services.refuse(applicant, by=None)
    entry = AuditEntry.objects.get()
    entry.action = "autre chose"
    with pytest.raises(ValidationError):
        entry.save()


def test_an_organisation_never_takes_a_slug_the_showcase_uses(db) -> None:
    assert services.unique_slug("Carte") == "carte-2"
