"""What the référentiel emails, and to whom (see solidaire/notifications.py)."""

from datetime import datetime, timedelta

from django.utils import timezone

from referentiel.models import Commitment, CommitmentReminder, PeerReview, ProgressPlan
from solidaire import outbox
from solidaire.lib import reminders
from solidaire.lib.emails import compose, compose_for_users
from solidaire.models import OutgoingMail, User
from solidaire.notifications import start_of


def review_assigned(review: PeerReview) -> None:
    reviewer, organisation = review.reviewer, review.assessment.organisation
    context = {"review": review, "organisation": organisation, "recipient": reviewer}
    outbox.queue(
        [compose("review_assigned", reviewer.email, context, language=reviewer.language, recipient=reviewer)]
    )


def review_submitted(review: PeerReview) -> None:
    organisation = review.assessment.organisation
    context = {"review": review, "organisation": organisation}
    outbox.notify(
        "review_submitted", User.objects.active_members_of(organisation), context, organisation=organisation
    )


def commitment_reminder(reminder: CommitmentReminder, now: datetime) -> list[OutgoingMail]:
    commitment = reminder.commitment
    plan = commitment.plan
    if commitment.status == Commitment.Status.DONE or plan.status == ProgressPlan.Status.COMPLETED:
        raise reminders.Skip
    # "Due on <date>" is wrong once the date has passed; "overdue" stays true until it is done.
    before = reminder.kind == CommitmentReminder.Kind.BEFORE
    if before and commitment.deadline < timezone.localdate(now):
        raise reminders.Skip
    organisation = plan.organisation
    return compose_for_users(
        f"commitment_{reminder.kind}",
        User.objects.active_members_of(organisation),
        {"commitment": commitment, "organisation": organisation, "plan": plan},
        organisation=organisation,
        expires_at=start_of(commitment.deadline + timedelta(days=1)) if before else None,
    )
