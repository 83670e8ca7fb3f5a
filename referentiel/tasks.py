"""Background work of the référentiel: notifications and commitment reminders."""

from referentiel.models import Assessment, Commitment, CommitmentReminder, PeerReview
from solidaire.celery import task
from solidaire.lib import reminders
from solidaire.lib.emails import notify_users, send_email
from solidaire.models import User


@task
def render_assessment_reports(assessment_id: int) -> None:
    """The PDF reports of a completed assessment, made once in the background."""
    from referentiel.pdf import render_reports

    render_reports(Assessment.objects.select_related("organisation", "referentiel").get(pk=assessment_id))


@task
def notify_review_assigned(review_id: int) -> None:
    review = PeerReview.objects.select_related("assessment__organisation", "reviewer").get(pk=review_id)
    reviewer = review.reviewer
    send_email(
        "review_assigned",
        reviewer.email,
        {"review": review, "organisation": review.assessment.organisation, "recipient": reviewer},
        language=reviewer.language,
    )


@task
def notify_review_submitted(review_id: int) -> None:
    review = PeerReview.objects.select_related("assessment__organisation").get(pk=review_id)
    organisation = review.assessment.organisation
    members = User.objects.active_members_of(organisation)
    notify_users("review_submitted", members, {"review": review, "organisation": organisation})


def _send_commitment_reminder(reminder: CommitmentReminder) -> None:
    commitment = reminder.commitment
    if commitment.status == Commitment.Status.DONE:
        raise reminders.Skip
    organisation = commitment.plan.organisation
    members = User.objects.active_members_of(organisation)
    notify_users(
        f"commitment_{reminder.kind}",
        members,
        {"commitment": commitment, "organisation": organisation, "plan": commitment.plan},
    )


@task
def send_commitment_reminders() -> dict:
    """Celery beat: reminders of démarche de progrès commitments (15 days before, the day after)."""
    report = reminders.send_due(
        CommitmentReminder,
        _send_commitment_reminder,
        related=["commitment__plan__organisation", "commitment__criterion"],
    )
    return {"sent": report.sent, "skipped": report.skipped, "failed": report.failed}
