"""Reminders of démarche de progrès commitments: sent once, caught up, failures retried."""

import threading
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from referentiel import services
from referentiel.models import Commitment, CommitmentReminder, Criterion, ProgressPlan
from referentiel.tasks import _send_commitment_reminder, send_commitment_reminders
from solidaire.lib import reminders


@pytest.fixture
def commitment(org_a, alice, bob, referentiel) -> Commitment:
    plan = services.open_progress_plan(org_a, by=None, origin=ProgressPlan.Origin.ASSEMBLY)
    criterion = Criterion.objects.get(code="env-1", domain__referentiel=referentiel)
    # Due in ten days: the "15 days before" reminder is already due, the "day after" is not.
    return services.add_commitment(plan, criterion, "Acheter local", date.today() + timedelta(days=10))


def test_the_reminder_goes_to_every_member_once(commitment) -> None:
    send_commitment_reminders()
    send_commitment_reminders()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    assert "Démarche de progrès : échéance le" in mail.outbox[0].subject


def test_a_missed_day_is_caught_up(commitment) -> None:
    # The job did not run for weeks: both reminders are due by now, each is sent once.
    reminders.send_due(CommitmentReminder, _send_commitment_reminder, now=timezone.now() + timedelta(days=30))
    assert CommitmentReminder.objects.filter(commitment=commitment).exclude(sent_at=None).count() == 2
    assert len(mail.outbox) == 4


def test_a_done_commitment_gets_no_reminder(commitment, alice) -> None:
    services.update_commitment(commitment, status=Commitment.Status.DONE, note="", by=alice)
    send_commitment_reminders()
    assert not mail.outbox
    assert CommitmentReminder.objects.get(commitment=commitment, kind="before_15").skipped


def test_a_failing_mail_server_keeps_the_error_and_the_next_run_sends(commitment) -> None:
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("SMTP indisponible")):
        result = send_commitment_reminders()
    reminder = CommitmentReminder.objects.get(commitment=commitment, kind="before_15")
    assert (result["failed"], reminder.failed, reminder.last_error) == (1, True, "OSError: SMTP indisponible")
    send_commitment_reminders()
    assert len(mail.outbox) == 2


def test_one_failure_does_not_stop_the_other_reminders(commitment, referentiel) -> None:
    criterion = Criterion.objects.get(code="env-2", domain__referentiel=referentiel)
    other = services.add_commitment(
        commitment.plan, criterion, "Réduire les écarts", date.today() + timedelta(days=5)
    )
    real_send = __import__("solidaire.lib.emails", fromlist=["send_email"]).send_email

    def flaky(template, to, context, **kwargs):
        if context["commitment"].pk == commitment.pk:
            raise OSError("boom")
        return real_send(template, to, context, **kwargs)

    with mock.patch("solidaire.lib.emails.send_email", side_effect=flaky):
        send_commitment_reminders()
    assert {m.to[0] for m in mail.outbox} == {"alice@example.org", "bob@example.org"}
    assert CommitmentReminder.objects.get(commitment=other, kind="before_15").sent_at is not None


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
