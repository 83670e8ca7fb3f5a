"""Reminders of démarche de progrès commitments: sent once, caught up, failures retried."""

import threading
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from referentiel import notifications, services
from referentiel.models import Commitment, CommitmentReminder, Criterion, ProgressPlan
from referentiel.tasks import send_commitment_reminders
from solidaire.lib import reminders
from solidaire.models import OutgoingMail

LOCMEM = "django.core.mail.backends.locmem.EmailBackend.send_messages"


@pytest.fixture
def job(django_capture_on_commit_callbacks):
    """The beat job, its emails sent by the task it queues after each commit."""

    def run(now=None) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            if now is None:
                return send_commitment_reminders()
            report = reminders.send_due(CommitmentReminder, notifications.commitment_reminder, now=now)
            return {"sent": report.sent, "failed": report.failed}

    return run


@pytest.fixture
def commitment(org_a, alice, bob, referentiel) -> Commitment:
    plan = services.open_progress_plan(org_a, by=None, origin=ProgressPlan.Origin.ASSEMBLY)
    criterion = Criterion.objects.get(code="env-1", domain__referentiel=referentiel)
    # Due in ten days: the "15 days before" reminder is already due, the "day after" is not.
    return services.add_commitment(plan, criterion, "Acheter local", date.today() + timedelta(days=10))


def test_the_reminder_goes_to_every_member_once(commitment, job) -> None:
    job()
    job()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    assert "Démarche de progrès : échéance le" in mail.outbox[0].subject


def test_a_missed_day_is_caught_up(commitment, job) -> None:
    # The job did not run for weeks: the reminder that the deadline comes would now be wrong;
    # the one that it has passed is sent.
    job(now=timezone.now() + timedelta(days=30))
    assert CommitmentReminder.objects.filter(commitment=commitment).exclude(sent_at=None).count() == 2
    assert [m.subject.split(" :")[0] for m in mail.outbox] == ["[Solidaire] Démarche de progrès"] * 2
    assert CommitmentReminder.objects.get(commitment=commitment, kind="before_15").skipped


def test_a_done_commitment_gets_no_reminder(commitment, alice, job) -> None:
    services.update_commitment(commitment, status=Commitment.Status.DONE, note="", by=alice)
    job()
    assert not mail.outbox
    assert CommitmentReminder.objects.get(commitment=commitment, kind="before_15").skipped


def test_a_failing_mail_server_keeps_the_emails_for_a_later_attempt(commitment, job) -> None:
    with mock.patch(LOCMEM, side_effect=OSError("SMTP")):
        job()
    reminder = CommitmentReminder.objects.get(commitment=commitment, kind="before_15")
    assert reminder.sent_at is not None and not mail.outbox
    waiting = OutgoingMail.objects.filter(status="queued", error="OSError: SMTP")
    assert sorted(waiting.values_list("to", flat=True)) == ["alice@example.org", "bob@example.org"]


def test_one_failure_does_not_stop_the_other_reminders(commitment, referentiel, job) -> None:
    criterion = Criterion.objects.get(code="env-2", domain__referentiel=referentiel)
    other = services.add_commitment(
        commitment.plan, criterion, "Réduire les écarts", date.today() + timedelta(days=5)
    )
    real_compose = notifications.compose_for_users

    def flaky(template, users, context, **kwargs):
        if context["commitment"].pk == commitment.pk:
            raise OSError("boom")
        return real_compose(template, users, context, **kwargs)

    with mock.patch("referentiel.notifications.compose_for_users", side_effect=flaky):
        job()
    assert {m.to[0] for m in mail.outbox} == {"alice@example.org", "bob@example.org"}
    assert CommitmentReminder.objects.get(commitment=other, kind="before_15").sent_at is not None
    failed = CommitmentReminder.objects.get(commitment=commitment, kind="before_15")
    assert failed.last_error == "OSError: boom"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_send_each_reminder_once(alice, bob, org_a) -> None:
    from tests.referentiel.factory import make_referentiel

    referentiel = make_referentiel()
    plan = services.open_progress_plan(org_a, by=None, origin=ProgressPlan.Origin.ASSEMBLY)
    criterion = Criterion.objects.get(code="env-1", domain__referentiel=referentiel)
    for n in range(30):
        services.add_commitment(plan, criterion, f"Action {n}", date.today() + timedelta(days=3))
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        try:
            send_commitment_reminders()
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(mail.outbox) == 30 * 2  # one email per member (2) and commitment, never twice
    assert CommitmentReminder.objects.filter(kind="before_15", sent_at=None).count() == 0
