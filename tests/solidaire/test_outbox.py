"""The outbox: every email written with its event, sent once, tried again when the server
refuses for a while, given up (and shown to staff) when it refuses for good."""

import uuid
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from solidaire import outbox, services, tasks
from solidaire.lib.emails import compose
from solidaire.models import AuditEntry, Membership, OutgoingMail
from tests.mailserver import LOCMEM, refusing

Status = OutgoingMail.Status


def queued(*addresses: str, **kwargs) -> list[OutgoingMail]:
    """Invitation emails to `addresses`, stored as an event would store them."""
    context = {
        "invitation": None,
        "organisation": SimpleNamespace(name="Atelier du Réemploi"),
        "inviter": None,
    }
    return outbox.queue([compose("invitation", address, context, **kwargs) for address in addresses])


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_an_email_is_written_with_its_event_and_sent_after_the_commit(
    org_a, alice, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(org_a, "karim@example.org", Membership.Role.EDITOR, by=alice)
    sent = OutgoingMail.objects.get()
    assert (sent.to, sent.status, sent.subject) == (
        "karim@example.org",
        Status.SENT,
        "[Solidaire] Invitation à rejoindre Atelier du Réemploi",
    )
    assert [m.to for m in mail.outbox] == [["karim@example.org"]]


def test_an_event_rolled_back_sends_nothing(org_a, alice, django_capture_on_commit_callbacks) -> None:
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture, pytest.raises(RuntimeError), transaction.atomic():
        services.invite(org_a, "karim@example.org", Membership.Role.EDITOR, by=alice)
        raise RuntimeError("the event fails after writing its email")
    assert not OutgoingMail.objects.exists()
    assert not mail.outbox


def test_the_email_is_written_in_the_language_of_its_reader(org_a, alice) -> None:
    alice.language = "en"
    alice.save(update_fields=["language"])
    [email] = queued("karim@example.org", language="en")
    assert email.subject == "[Solidaire] Invitation to join Atelier du Réemploi"


def test_the_task_run_twice_sends_the_email_once(db) -> None:
    [email] = queued("karim@example.org")
    tasks.send_mail([email.pk])
    tasks.send_mail([email.pk])
    tasks.send_queued_mail()
    assert len(mail.outbox) == 1


def test_the_sweep_sends_an_email_whose_task_was_lost(db) -> None:
    queued("karim@example.org", "lea@example.org")  # the commit never comes: no task
    tasks.send_queued_mail()
    assert sorted(m.to[0] for m in mail.outbox) == ["karim@example.org", "lea@example.org"]


def test_every_attempt_carries_the_same_message_id(db, settings) -> None:
    [email] = queued("karim@example.org")
    with mock.patch(LOCMEM, side_effect=OSError("connexion refusée")):
        outbox.send_due()
    with at(timezone.now() + timedelta(seconds=settings.MAIL_RETRY_SECONDS)):
        outbox.send_due()
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<{email.guid}@solidaire.example>"


def test_a_server_that_refuses_for_now_is_tried_again_later_and_later(db, settings) -> None:
    [email] = queued("karim@example.org")
    started = timezone.now()
    with refusing(451, "karim@example.org"):
        outbox.send_due()
        email.refresh_from_db()
        first_delay = email.next_attempt_at - started
        with at(email.next_attempt_at):
            outbox.send_due()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.QUEUED, 2)
    assert first_delay >= timedelta(seconds=settings.MAIL_RETRY_SECONDS)
    assert email.next_attempt_at - first_delay - started >= timedelta(seconds=2 * settings.MAIL_RETRY_SECONDS)


def test_no_attempt_is_made_before_the_next_one_is_due(db) -> None:
    queued("karim@example.org")
    with mock.patch(LOCMEM, side_effect=OSError("connexion refusée")) as server:
        outbox.send_due()
        outbox.send_due()
    assert server.call_count == 1


def test_an_address_refused_for_good_is_given_up_at_once(db) -> None:
    email, _other = queued("inconnu@example.org", "karim@example.org")
    with refusing(550, "inconnu@example.org"):
        outbox.send_due()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.FAILED, 1)
    assert email.error == "inconnu@example.org : 550 5.1.1 no such user"
    assert [m.to for m in mail.outbox] == [["karim@example.org"]]


def test_after_the_last_attempt_the_email_is_given_up(db, settings) -> None:
    settings.MAIL_MAX_ATTEMPTS = 3
    [email] = queued("karim@example.org")
    with mock.patch(LOCMEM, side_effect=OSError("connexion refusée")) as server:
        for hours in range(0, 100, 7):
            with at(timezone.now() + timedelta(hours=hours)):
                outbox.send_due()
    email.refresh_from_db()
    assert (server.call_count, email.status, email.error) == (3, Status.FAILED, "OSError: connexion refusée")


def test_an_email_that_no_longer_applies_is_not_sent(db) -> None:
    [email] = queued("karim@example.org", expires_at=timezone.now() - timedelta(minutes=1))
    outbox.send_due()
    email.refresh_from_db()
    assert (email.status, mail.outbox) == (Status.CANCELLED, [])


def test_an_email_claimed_by_a_run_still_going_is_left_to_it(db, settings) -> None:
    [email] = queued("karim@example.org")
    OutgoingMail.objects.filter(pk=email.pk).update(claimed_at=timezone.now(), claim_token=uuid.uuid4())
    outbox.send_due()
    assert not mail.outbox


def test_an_email_claimed_by_a_run_that_died_is_sent_once_its_lease_has_passed(db, settings) -> None:
    [email] = queued("karim@example.org")
    lease = timedelta(seconds=settings.MAIL_LEASE_SECONDS)
    OutgoingMail.objects.filter(pk=email.pk).update(
        claimed_at=timezone.now() - lease, claim_token=uuid.uuid4()
    )
    outbox.send_due()
    assert len(mail.outbox) == 1


def test_a_run_that_outlived_its_lease_leaves_the_emails_another_run_took(db) -> None:
    _first, second = queued("karim@example.org", "lea@example.org")
    other = uuid.uuid4()
    real_send = mail.backends.locmem.EmailBackend.send_messages

    def slow_first_email(backend, messages):
        # While the first email was sent, the lease passed and another run took the second.
        OutgoingMail.objects.filter(pk=second.pk).update(claimed_at=timezone.now(), claim_token=other)
        return real_send(backend, messages)

    with mock.patch(LOCMEM, autospec=True, side_effect=slow_first_email):
        report = outbox.send_due()
    second.refresh_from_db()
    assert (report.sent, report.lost, second.claim_token) == (1, 1, other)
    assert [m.to for m in mail.outbox] == [["karim@example.org"]]


def test_a_run_whose_claim_was_taken_while_sending_does_not_mark_it_sent(db) -> None:
    [email] = queued("karim@example.org")
    other = uuid.uuid4()

    def taken_over(messages):
        OutgoingMail.objects.filter(pk=email.pk).update(claim_token=other)
        return 1

    with mock.patch(LOCMEM, side_effect=taken_over):
        report = outbox.send_due()
    email.refresh_from_db()
    assert (report.sent, email.status, email.claim_token) == (0, Status.QUEUED, other)


def test_sent_and_failed_emails_are_deleted_after_the_retention_period(db, settings) -> None:
    sent, failed, waiting = queued("a@example.org", "b@example.org", "c@example.org")
    OutgoingMail.objects.filter(pk=sent.pk).update(status=Status.SENT)
    OutgoingMail.objects.filter(pk=failed.pk).update(status=Status.FAILED)
    later = timezone.now() + timedelta(days=settings.MAIL_RETENTION_DAYS, minutes=1)
    assert outbox.purge(now=timezone.now()) == 0
    assert outbox.purge(now=later) == 2
    assert list(OutgoingMail.objects.values_list("pk", flat=True)) == [waiting.pk]


def test_staff_send_a_failed_email_again_to_the_address_they_corrected(nadia) -> None:
    [email] = queued("karim@exemple.og")
    with refusing(550, "karim@exemple.og"):
        outbox.send_due()
    outbox.retry(email, "karim@example.org", by=nadia)
    outbox.send_due()
    assert [m.to for m in mail.outbox] == [["karim@example.org"]]
    assert AuditEntry.objects.filter(action="mail.retry", actor=nadia).count() == 1


def test_the_beat_runs_the_sweep_and_the_purge(settings) -> None:
    tasks_run = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"solidaire.tasks.send_queued_mail", "solidaire.tasks.purge_outgoing_mail"} <= tasks_run
