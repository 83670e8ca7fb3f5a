"""Background work of the référentiel: reports of assessments and commitment reminders."""

from referentiel import notifications
from referentiel.models import Assessment, CommitmentReminder
from solidaire.celery import task
from solidaire.lib import reminders


@task
def render_assessment_reports(assessment_id: int) -> None:
    """The PDF reports of a completed assessment, made once in the background."""
    from referentiel.pdf import render_reports

    render_reports(Assessment.objects.select_related("organisation", "referentiel").get(pk=assessment_id))


@task
def send_commitment_reminders() -> dict:
    """Celery beat: reminders of démarche de progrès commitments (15 days before, the day after)."""
    report = reminders.send_due(
        CommitmentReminder,
        notifications.commitment_reminder,
        related=["commitment__plan__organisation", "commitment__criterion"],
    )
    return {"sent": report.sent, "skipped": report.skipped, "failed": report.failed}
