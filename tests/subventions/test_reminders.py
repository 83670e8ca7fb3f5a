"""Report reminders: selected by time window, sent once, caught up, failures retried."""

import threading
import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from solidaire.lib import emails
from solidaire.models import Organisation
from subventions import services
from subventions.models import Grant, Periodicity, Report, ReportReminder
from subventions.tasks import run_report_reminders, send_report_reminders
from tests.factory import make_organisation, make_user
from tests.subventions.factory import assess, awarded_grant, make_indicator

Kind = ReportReminder.Kind


def days_after_due(report: Report, days: int) -> datetime:
    """A run at noon, `days` after the report's due date."""
    return timezone.make_aware(datetime.combine(report.due_date + timedelta(days=days), time(12, 0)))


def sent(report: Report) -> set[str]:
    return set(report.reminders.exclude(sent_at=None).filter(skipped=False).values_list("kind", flat=True))


def test_running_the_job_twice_sends_the_reminder_once(report) -> None:
    send_report_reminders()
    send_report_reminders()
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert mail.outbox[0].subject.startswith("[Solidaire] Rapport « Appareils réparés » attendu le ")


def test_every_member_of_the_organisation_gets_the_reminder(report, bob) -> None:
    send_report_reminders()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]


def test_a_missed_day_is_caught_up(report) -> None:
    # No run for a week: 15 days and 3 days before are both due, each is sent once.
    run_report_reminders(now=days_after_due(report, -2))
    assert sent(report) == {Kind.BEFORE_15, Kind.BEFORE_3}
    assert len(mail.outbox) == 2


def test_after_the_due_date_a_reminder_to_come_would_be_wrong_and_is_skipped(report) -> None:
    run_report_reminders(now=days_after_due(report, 2))
    assert sent(report) == {Kind.AFTER_1}
    assert "en retard" in mail.outbox[0].subject


def test_fifteen_days_after_the_due_date_staff_receive_the_escalation(report, nadia) -> None:
    run_report_reminders(now=days_after_due(report, 15))
    escalation = next(m for m in mail.outbox if m.to == ["nadia@region.example"])
    assert escalation.subject.startswith(
        "[Solidaire] Rapport en retard de plus de 15 jours : Atelier du Réemploi, « Appareils réparés »"
    )


def test_a_submitted_report_gets_no_reminder(report, alice) -> None:
    services.submit_report(report, value=Decimal(280), comment="", evidence=None, by=alice)
    run_report_reminders(now=days_after_due(report, 20))
    assert not mail.outbox
    assert report.reminders.filter(skipped=True).count() == 4


def test_a_closed_grant_gets_no_reminder(grant, report, nadia) -> None:
    services.close_grant(grant, by=nadia)
    send_report_reminders()
    assert not mail.outbox


def test_a_failing_mail_server_on_one_report_does_not_stop_the_others(grant, report, nadia) -> None:
    other = make_indicator("heures-formation", name="Heures de formation")
    services.add_grant_indicator(
        grant, other, baseline=Decimal(0), target=Decimal(500), periodicity=Periodicity.QUARTERLY,
        first_due=report.due_date, by=nadia,
    )  # fmt: skip
    real_send = emails.send_email

    def flaky(template, to, context, **kwargs):
        if context["report"].pk == report.pk:
            raise OSError("SMTP indisponible")
        return real_send(template, to, context, **kwargs)

    with mock.patch("solidaire.lib.emails.send_email", side_effect=flaky):
        result = send_report_reminders()
    reminder = report.reminders.get(kind=Kind.BEFORE_15)
    assert (result["sent"], result["failed"]) == (1, 1)
    assert (reminder.failed, reminder.last_error) == (True, "OSError: SMTP indisponible")
    assert "Heures de formation" in mail.outbox[0].subject


def test_the_next_run_sends_the_reminder_that_failed(report) -> None:
    with mock.patch("solidaire.lib.emails.send_email", side_effect=OSError("SMTP indisponible")):
        send_report_reminders()
    send_report_reminders()
    assert len(mail.outbox) == 1
    assert report.reminders.get(kind=Kind.BEFORE_15).last_error == ""


def claim(report: Report, minutes_ago: int) -> None:
    """As a run that claimed the reminder and then died would leave it."""
    report.reminders.filter(kind=Kind.BEFORE_15).update(
        claimed_at=timezone.now() - timedelta(minutes=minutes_ago), claim_token=uuid.uuid4()
    )


def test_a_reminder_claimed_by_a_run_still_going_is_left_to_it(report) -> None:
    claim(report, minutes_ago=5)
    send_report_reminders()
    assert not mail.outbox


def test_a_reminder_claimed_by_a_run_that_died_is_sent_by_the_next_one(report) -> None:
    claim(report, minutes_ago=31)
    send_report_reminders()
    assert len(mail.outbox) == 1


def test_the_queries_of_a_run_do_not_grow_with_its_reminders(grant, report, nadia) -> None:
    with CaptureQueriesContext(connection) as one:
        send_report_reminders()
    for n in range(3):
        services.add_grant_indicator(
            grant, make_indicator(f"indicateur-{n}"), baseline=Decimal(0), target=Decimal(1),
            periodicity=Periodicity.QUARTERLY, first_due=report.due_date, by=nadia,
        )  # fmt: skip
    with CaptureQueriesContext(connection) as three:
        send_report_reminders()
    assert (len(mail.outbox), len(three)) == (4, len(one))


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
    recipients = sorted(m.to[0] for m in mail.outbox[1:])
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
