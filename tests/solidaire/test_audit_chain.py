"""The audit trail is a hash chain: altering or removing an entry is detected."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from solidaire import services
from solidaire.audit import verify_chain
from solidaire.models import AuditEntry, Organisation
from tests.factory import make_organisation


@pytest.fixture
def trail(db, nadia) -> list[AuditEntry]:
    organisation = make_organisation(status=Organisation.Status.APPLICANT)
    services.admit(organisation, by=None)
    services.suspend(organisation, by=nadia, reason="Contrôle des statuts")
    services.reinstate(organisation, by=nadia)
    return list(AuditEntry.objects.order_by("pk"))


def test_each_entry_carries_the_hash_of_the_previous_one(trail) -> None:
    assert [e.prev_hash for e in trail[1:]] == [e.hash for e in trail[:-1]]


def test_an_intact_trail_is_verified(trail, capsys) -> None:
    call_command("verify_audit")
    assert "Journal d'audit intègre : 3 entrées vérifiées." in capsys.readouterr().out


def test_a_changed_entry_is_found(trail) -> None:
    AuditEntry.objects.filter(pk=trail[1].pk).update(
        data={"from": "listed", "to": "suspended", "reason": "autre"}
    )
    with pytest.raises(
        CommandError, match=f"altéré à l'entrée n° {trail[1].pk} \\(its content was changed\\)"
    ):
        call_command("verify_audit")


def test_a_change_made_directly_in_sql_is_found(trail) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE solidaire_auditentry SET action = 'organisation.admit' WHERE id = %s", [trail[2].pk]
        )
    assert verify_chain()[1].entry_id == trail[2].pk


def test_a_removed_entry_is_found(trail) -> None:
    AuditEntry.objects.filter(pk=trail[1].pk)._raw_delete(AuditEntry.objects.db)
    assert verify_chain()[1].entry_id == trail[2].pk


def test_erasing_the_authors_name_keeps_the_chain_verifiable(trail, nadia) -> None:
    AuditEntry.objects.filter(actor=nadia).update(actor_label="compte supprimé")
    assert verify_chain() == (3, None)


def test_entries_hold_no_email_address(db, alice, org_a) -> None:
    services.invite(org_a, "karim@example.org", "editor", by=alice)
    assert "karim@example.org" not in str(AuditEntry.objects.get(action="membership.invite").data)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_keep_one_unbroken_chain() -> None:
    import threading

    organisation = make_organisation()
    barrier = threading.Barrier(8)

    def write() -> None:
        barrier.wait()
        try:
            for n in range(5):
                AuditEntry.record(None, "test.concurrent", organisation, n=n)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert verify_chain() == (40, None)
