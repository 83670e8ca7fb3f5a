"""Report reminders: selected by time window, decided once, caught up; their emails go
through the outbox, once per recipient (tests/solidaire/test_outbox.py for its failures)."""

import threading
from datetime import datetime, time, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from solidaire import outbox
from solidaire.models import Organisation, OutgoingMail
from subventions import services
from subventions.models import Grant, Periodicity, Report, ReportReminder
from subventions.tasks import run_report_reminders, send_report_reminders
from tests.factory import make_organisation, make_user
from tests.mailserver import refusing
from tests.subventions.factory import assess, awarded_grant, make_indicator

Kind = ReportReminder.Kind


@pytest.fixture
def job(django_capture_on_commit_callbacks):
    """The beat job at `now`, its emails sent by the task it queues after each commit."""

    def run(now: datetime | None = None) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            result = run_report_reminders(now=now)
        return {"sent": result.sent, "skipped": result.skipped, "failed": result.failed}

    return run


def days_after_due(report: Report, days: int) -> datetime:
    """A run at noon, `days` after the report's due date."""
    return timezone.make_aware(datetime.combine(report.due_date + timedelta(days=days), time(12, 0)))


def sent(report: Report) -> set[str]:
    return set(report.reminders.exclude(sent_at=None).filter(skipped=False).values_list("kind", flat=True))


def test_running_the_job_twice_sends_the_reminder_once(report, job) -> None:
    job()
    job()
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert mail.outbox[0].subject.startswith("[Solidaire] Rapport « Appareils réparés » attendu le ")


def test_every_member_of_the_organisation_gets_the_reminder(report, bob, job) -> None:
    job()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]


def test_a_missed_day_is_caught_up(report, job) -> None:
    # No run for a week: 15 days and 3 days before are both due, each is sent once.
    job(now=days_after_due(report, -2))
    assert sent(report) == {Kind.BEFORE_15, Kind.BEFORE_3}
    assert len(mail.outbox) == 2


def test_after_the_due_date_a_reminder_to_come_would_be_wrong_and_is_skipped(report, job) -> None:
    job(now=days_after_due(report, 2))
    assert sent(report) == {Kind.AFTER_1}
    assert "en retard" in mail.outbox[0].subject


def test_fifteen_days_after_the_due_date_staff_receive_the_escalation(report, nadia, job) -> None:
    job(now=days_after_due(report, 15))
    escalation = next(m for m in mail.outbox if m.to == ["nadia@region.example"])
    assert escalation.subject.startswith(
        "[Solidaire] Rapport en retard de plus de 15 jours : Atelier du Réemploi, « Appareils réparés »"
    )


def test_a_submitted_report_gets_no_reminder(report, alice, job) -> None:
    services.submit_report(report, value=Decimal(280), comment="", evidence=None, by=alice)
    job(now=days_after_due(report, 20))
    assert not mail.outbox
    assert report.reminders.filter(skipped=True).count() == 4


def test_a_closed_grant_gets_no_reminder(grant, report, nadia, job) -> None:
    services.close_grant(grant, by=nadia)
    job()
    assert not mail.outbox


def test_a_refused_address_does_not_keep_the_others_from_their_reminder(report, bob, job) -> None:
    with refusing(550, "alice@example.org"):
        job()
        job()
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]
    assert report.reminders.get(kind=Kind.BEFORE_15).sent_at is not None


def test_an_address_refused_for_now_gets_the_reminder_later_and_the_others_only_once(
    report, bob, job, django_capture_on_commit_callbacks
) -> None:
    with refusing(451, "alice@example.org"):
        job()
    later = timezone.now() + timedelta(seconds=settings.MAIL_RETRY_SECONDS)
    with mock.patch("django.utils.timezone.now", return_value=later):
        outbox.send_due()
        job()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]


def test_a_reminder_whose_email_cannot_be_written_is_kept_for_the_next_run(report, job) -> None:
    with mock.patch("subventions.notifications.compose_for_users", side_effect=ValueError("gabarit")):
        result = job()
    reminder = report.reminders.get(kind=Kind.BEFORE_15)
    assert (result["failed"], reminder.failed, reminder.last_error) == (1, True, "ValueError: gabarit")
    job()
    assert len(mail.outbox) == 1


def test_a_run_that_fails_leaves_its_batch_to_the_next_one(report) -> None:
    failure = mock.patch("solidaire.outbox.queue", side_effect=RuntimeError("base indisponible"))
    with failure, pytest.raises(RuntimeError):
        send_report_reminders()
    assert report.reminders.filter(sent_at=None).count() == 4
    send_report_reminders()
    assert OutgoingMail.objects.filter(to="alice@example.org").count() == 1


def test_the_queries_of_a_run_do_not_grow_with_its_reminders(grant, report, nadia) -> None:
    # Deciding the reminders and queueing their emails; each email then costs its sender two
    # queries (claim it, mark it sent), which is what makes "once" hold per recipient.
    with CaptureQueriesContext(connection) as one:
        send_report_reminders()
    for n in range(3):
        services.add_grant_indicator(
            grant, make_indicator(f"indicateur-{n}"), baseline=Decimal(0), target=Decimal(1),
            periodicity=Periodicity.QUARTERLY, first_due=report.due_date, by=nadia,
        )  # fmt: skip
    with CaptureQueriesContext(connection) as three:
        send_report_reminders()
    assert (OutgoingMail.objects.count(), len(three)) == (4, len(one))


def test_the_queries_of_a_run_do_not_grow_with_the_organisations_reminded(
    grant, report, circular, repaired, referentiel, nadia
) -> None:
    with CaptureQueriesContext(connection) as one:
        send_report_reminders()
    for n in range(3):
        admin = make_user(f"admin{n}@example.org")
        organisation = make_organisation(f"Coopérative {n}", admin=admin)
        assess(organisation, admin)
        Organisation.objects.filter(pk=organisation.pk).update(status=Organisation.Status.LISTED)
        awarded_grant(organisation, circular, nadia, indicator=repaired, first_due=report.due_date)
    with CaptureQueriesContext(connection) as four:
        send_report_reminders()
    recipients = sorted(OutgoingMail.objects.exclude(to="alice@example.org").values_list("to", flat=True))
    assert recipients == ["admin0@example.org", "admin1@example.org", "admin2@example.org"]
    assert len(four) == len(one)


def test_the_job_is_in_the_celery_beat_schedule() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "subventions.tasks.send_report_reminders" in tasks


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_send_each_reminder_once(listed, circular, repaired, nadia) -> None:
    today = timezone.localdate()
    grant: Grant = awarded_grant(
        listed, circular, nadia, indicator=repaired, periodicity=Periodicity.MONTHLY,
        first_due=today + timedelta(days=10), start=today - timedelta(days=20),
        end=today + timedelta(days=300),
    )  # fmt: skip
    reports = Report.objects.filter(grant_indicator__grant=grant)
    # Long after the grant: every report is late; each gets "the day after" and the escalation.
    later = timezone.now() + timedelta(days=400)
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        try:
            run_report_reminders(now=later)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    emails_sent = [(m.to[0], m.subject) for m in mail.outbox]
    assert len(emails_sent) == 2 * reports.count() == len(set(emails_sent))
    assert not ReportReminder.objects.filter(sent_at=None).exists()
