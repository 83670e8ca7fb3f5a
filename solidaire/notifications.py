"""What the core app emails, and to whom. Events queue their emails in their own transaction
(solidaire.outbox); reminders return theirs to solidaire.lib.reminders, which queues them."""

from datetime import date, datetime, time

from django.conf import settings
from django.utils import timezone

from solidaire import outbox
from solidaire.lib import reminders
from solidaire.lib.emails import compose, compose_for_users
from solidaire.models import AuditAnchor, Invitation, ListingReminder, Organisation, OutgoingMail, User


def start_of(day: date) -> datetime:
    """The first moment of `day` in the platform's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def invite(invitation: Invitation) -> None:
    inviter = invitation.invited_by
    context = {"invitation": invitation, "organisation": invitation.organisation, "inviter": inviter}
    language = inviter.language if inviter else None
    mail = compose(
        "invitation", invitation.email, context, language=language, organisation=invitation.organisation
    )
    outbox.queue([mail])


def listing_renewal(reminder: ListingReminder, now: datetime) -> list[OutgoingMail]:
    organisation = reminder.organisation
    if (
        organisation.status != Organisation.Status.LISTED
        or organisation.listed_until != reminder.listed_until
        or reminder.listed_until <= timezone.localdate(now)
    ):
        raise reminders.Skip  # renewed, suspended or ended since
    return compose_for_users(
        "listing_renewal",
        User.objects.active_members_of(organisation),
        {"organisation": organisation},
        organisation=organisation,
        expires_at=start_of(reminder.listed_until),
    )


def audit_anchor(anchor: AuditAnchor, now: datetime) -> list[OutgoingMail]:
    """The head of the audit trail of the day, to the address that keeps it outside the
    database (solidaire.audit)."""
    return [compose("audit_anchor", settings.AUDIT_ANCHOR_EMAIL, {"anchor": anchor})]
