"""Background work of the subsidies: report reminders (Celery beat)."""

from datetime import datetime

from solidaire.celery import task
from solidaire.lib import reminders
from subventions.models import ReportReminder
from subventions.notifications import REPORT_RELATED, ReportReminders


def run_report_reminders(now: datetime | None = None) -> reminders.RunReport:
    compose = ReportReminders()
    related = [f"report__{path}" for path in REPORT_RELATED]
    return reminders.send_due(ReportReminder, compose, now=now, related=related, prepare=compose.prepare)


@task
def send_report_reminders() -> dict:
    """Celery beat: reminders of indicator reports (15 and 3 days before the due date, the
    day after it) to the organisation's members, and the escalation to staff 15 days after."""
    report = run_report_reminders()
    return {"sent": report.sent, "skipped": report.skipped, "failed": report.failed}
