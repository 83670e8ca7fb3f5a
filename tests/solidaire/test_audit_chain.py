"""The audit trail is a chain of signed digests: altering, removing or rewriting entries is
detected, and removing the last ones contradicts the copies of its head kept elsewhere."""

from datetime import timedelta
from importlib import import_module
from unittest import mock

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from solidaire import privacy, services, tasks
from solidaire.audit import Anchor, Break, head, verify_chain
from solidaire.lib import auditchain
from solidaire.models import AUDIT_GENESIS, AuditAnchor, AuditEntry, Organisation, OutgoingMail
from tests.factory import make_organisation, make_user, sign_in_with_totp

LOCMEM = "django.core.mail.backends.locmem.EmailBackend.send_messages"

KEYS = {"2025": "a" * 40, "2026": "b" * 40}


@pytest.fixture
def trail(db, nadia) -> list[AuditEntry]:
    organisation = make_organisation(status=Organisation.Status.APPLICANT)
    services.admit(organisation, by=None)
    services.suspend(organisation, by=nadia, reason="Contrôle des statuts")
    services.reinstate(organisation, by=nadia)
    return list(AuditEntry.objects.order_by("pk"))


def rewrite(entries: list[AuditEntry], key_id: str, keys: dict[str, str] | None = None, **changes) -> None:
    """What a database writer does to rebuild these (consecutive) entries: change the first,
    then recompute each digest with the key they have (or none)."""
    AuditEntry.objects.filter(pk=entries[0].pk).update(**changes)
    previous = AuditEntry.objects.filter(pk__lt=entries[0].pk).order_by("-pk").values_list("hash", flat=True)
    previous_hash = previous.first() or AUDIT_GENESIS
    rows = (
        AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).select_related("target_type").order_by("pk")
    )
    for entry in rows:
        entry.prev_hash, entry.key_id = previous_hash, key_id
        previous_hash = entry.compute_hash(keys)
        AuditEntry.objects.filter(pk=entry.pk).update(
            prev_hash=entry.prev_hash, key_id=key_id, hash=previous_hash
        )


@pytest.fixture
def paul(db):
    return make_user("paul@region.example", full_name="Paul Morel", staff=True)


def staff_page(client, user, organisation_pk: int) -> str:
    client.force_login(user)
    slug = Organisation.objects.get(pk=organisation_pk).slug
    return client.get(reverse("staff_organisation", args=[slug])).text


# --- The chain ---------------------------------------------------------------------------


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
        CommandError, match=f"altéré à l'entrée n° {trail[1].pk} \\(son contenu a été modifié"
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


# --- The author and the target that pages show -------------------------------------------


def test_the_staff_page_names_the_author_the_hashed_reference_names(client, trail, nadia, paul) -> None:
    AuditEntry.objects.filter(pk=trail[1].pk).update(actor=paul)
    page = staff_page(client, nadia, int(trail[1].target_id))
    assert "Nadia Benali" in page and "Paul Morel" not in page
    assert verify_chain()[1] == Break(trail[1].pk, "son auteur a été modifié")


def test_an_actor_column_emptied_is_found(trail) -> None:
    AuditEntry.objects.filter(pk=trail[2].pk).update(actor=None)
    assert verify_chain()[1].reason == "son auteur a été modifié"


def test_an_edited_author_reference_is_found(trail, paul) -> None:
    AuditEntry.objects.filter(pk=trail[1].pk).update(actor=paul, actor_ref=f"user:{paul.pk}")
    assert verify_chain()[1].entry_id == trail[1].pk


def test_an_edited_target_reference_is_found(trail) -> None:
    other = make_organisation("Autre organisation")
    AuditEntry.objects.filter(pk=trail[1].pk).update(target_id=str(other.pk))
    assert verify_chain()[1].entry_id == trail[1].pk


def test_the_admin_shows_the_author_and_target_of_the_hashed_references(client, trail, paul) -> None:
    admin = make_user("admin@example.org", full_name="Admin", is_superuser=True, is_staff=True, totp=True)
    AuditEntry.objects.filter(pk=trail[1].pk).update(actor=paul)
    sign_in_with_totp(client, admin)
    page = client.get(reverse("admin:solidaire_auditentry_changelist")).text
    assert "Nadia Benali" in page and "Paul Morel" not in page
    assert Organisation.objects.get().name in page


def test_an_erased_author_shows_as_such_and_the_chain_stays_verifiable(client, trail, nadia, paul) -> None:
    privacy.delete_account(nadia)
    page = staff_page(client, paul, int(trail[1].target_id))
    assert "Compte supprimé" in page and "Nadia" not in page
    assert verify_chain() == (4, None)


def test_entries_hold_no_email_address(db, alice, org_a) -> None:
    services.invite(org_a, "karim@example.org", "editor", by=alice)
    assert "karim@example.org" not in str(AuditEntry.objects.get(action="membership.invite").data)


# --- A chain rewritten without the key ---------------------------------------------------


def test_a_chain_rewritten_with_plain_hashes_is_found(trail) -> None:
    rewrite(
        trail[1:], auditchain.LEGACY_KEY_ID, data={"from": "listed", "to": "suspended", "reason": "autre"}
    )
    assert verify_chain()[1] == Break(
        trail[1].pk, "entrée non signée après des entrées signées : la chaîne a été réécrite sans la clé"
    )


def test_a_whole_chain_rebuilt_with_plain_hashes_is_found(trail) -> None:
    rewrite(trail, auditchain.LEGACY_KEY_ID, action="organisation.refuse")
    _checked, broken = verify_chain()
    assert broken.entry_id == trail[0].pk
    assert "aucune entrée signée ne suit" in broken.reason


def test_a_chain_rewritten_with_a_guessed_key_is_found(trail, settings) -> None:
    rewrite(trail[1:], auditchain.signing_key_id(), {auditchain.signing_key_id(): "x" * 40}, action="autre")
    assert verify_chain()[1].entry_id == trail[1].pk


def test_an_entry_signed_with_an_unknown_key_is_found(trail) -> None:
    rewrite(trail[2:], "pirate", {"pirate": "x" * 40})
    assert "clé inconnue (« pirate »)" in verify_chain()[1].reason


def test_keys_rotate_and_older_entries_stay_verified(trail, settings) -> None:
    first_key = auditchain.signing_key_id()
    settings.AUDIT_KEYS = {first_key: settings.AUDIT_KEYS[first_key], **KEYS}
    AuditEntry.record(None, "test.rotated", Organisation.objects.get())
    assert list(AuditEntry.objects.order_by("pk").values_list("key_id", flat=True)) == [first_key] * 3 + [
        "2026"
    ]
    assert verify_chain() == (4, None)


def test_a_key_taken_out_of_the_settings_no_longer_verifies_its_entries(trail, settings) -> None:
    settings.AUDIT_KEYS = KEYS
    assert verify_chain()[1].entry_id == trail[0].pk


# --- Entries written before the chain was keyed (migration 0011) ------------------------


@pytest.fixture
def legacy_trail(trail) -> list[AuditEntry]:
    """The trail as it was before the keys: plain SHA-256, key id "", then sealed."""
    rewrite(trail, auditchain.LEGACY_KEY_ID)
    import_module("solidaire.migrations.0011_audit_keyed_chain").seal_legacy_entries(apps, None)
    return list(AuditEntry.objects.order_by("pk"))


def test_legacy_entries_are_still_verified_once_sealed(legacy_trail) -> None:
    assert [e.key_id for e in legacy_trail] == ["", "", "", auditchain.signing_key_id()]
    assert legacy_trail[-1].action == "audit.seal"
    assert verify_chain() == (4, None)


def test_legacy_entries_rewritten_with_plain_hashes_break_the_seal(legacy_trail) -> None:
    rewrite(legacy_trail[1:3], auditchain.LEGACY_KEY_ID, action="organisation.refuse")
    assert verify_chain()[1].entry_id == legacy_trail[3].pk


# --- Copies of the head kept elsewhere ---------------------------------------------------


def test_the_head_is_the_last_entry_and_its_position(trail) -> None:
    assert head() == Anchor(trail[-1].hash, 3)
    assert str(head()) == f"3:{trail[-1].hash}"


def test_removing_the_last_entries_contradicts_an_anchor(trail, nadia) -> None:
    services.suspend(Organisation.objects.get(), by=nadia, reason="Nouveau contrôle")
    anchor = head()
    AuditEntry.objects.filter(pk__gt=trail[-1].pk)._raw_delete(AuditEntry.objects.db)
    assert verify_chain() == (3, None)  # without a copy, nothing says an entry is missing
    assert verify_chain(anchor)[1].entry_id is None
    with pytest.raises(CommandError, match="l'entrée ancrée est absente"):
        call_command("verify_audit", anchor=str(anchor))


def test_an_anchor_still_in_its_place_with_entries_after_it_verifies(trail, nadia, capsys) -> None:
    anchor = head()
    services.suspend(Organisation.objects.get(), by=nadia, reason="Nouveau contrôle")
    call_command("verify_audit", anchor=str(anchor))
    assert "est à sa place" in capsys.readouterr().out


def test_an_anchor_at_another_place_is_found(trail) -> None:
    assert "n'est plus à sa place" in verify_chain(Anchor(trail[2].hash, 2))[1].reason
    assert "n'est plus à sa place" in verify_chain(Anchor("f" * 64, 3))[1].reason


def test_a_malformed_anchor_is_refused_with_a_message(trail) -> None:
    with pytest.raises(CommandError, match="64 caractères hexadécimaux"):
        call_command("verify_audit", anchor="3:abc")


def test_the_head_is_emailed_once_a_day(trail, settings, django_capture_on_commit_callbacks) -> None:
    settings.AUDIT_ANCHOR_EMAIL = "archives@region.example"
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_audit_anchor()
        tasks.send_audit_anchor()
    [message] = mail.outbox
    assert message.to == ["archives@region.example"]
    assert f"verify_audit --anchor 3:{trail[-1].hash}" in message.body


def test_a_refused_anchor_email_is_sent_by_a_later_run_once(trail, settings) -> None:
    settings.AUDIT_ANCHOR_EMAIL = "archives@region.example"
    with mock.patch(LOCMEM, side_effect=ConnectionRefusedError("SMTP indisponible")):
        tasks.send_audit_anchor()
        tasks.send_queued_mail()
    assert "SMTP indisponible" in OutgoingMail.objects.get().error
    later = timezone.now() + timedelta(seconds=settings.MAIL_RETRY_SECONDS)
    with mock.patch("django.utils.timezone.now", return_value=later):
        tasks.send_audit_anchor()
        tasks.send_queued_mail()
    assert len(mail.outbox) == 1 and AuditAnchor.objects.get().sent_at is not None


def test_without_an_address_no_anchor_is_emailed(trail, settings) -> None:
    settings.AUDIT_ANCHOR_EMAIL = ""
    tasks.send_audit_anchor()
    assert mail.outbox == [] and not AuditAnchor.objects.exists()


# --- Concurrency -------------------------------------------------------------------------


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
