"""Background work of the core app. Tasks take ids and are queued after commit."""

from django.conf import settings
from django.utils import timezone

from solidaire import audit, services
from solidaire.celery import task
from solidaire.lib import reminders
from solidaire.lib.emails import notify_users, send_email
from solidaire.lib.geocoding import geocode_address
from solidaire.models import AuditAnchor, Invitation, ListingReminder, Organisation, User


@task
def send_invitation(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(pk=invitation_id)
    inviter = invitation.invited_by
    send_email(
        "invitation",
        invitation.email,
        {"invitation": invitation, "organisation": invitation.organisation, "inviter": inviter},
        language=inviter.language if inviter else None,
    )


@task(autoretry_for=(), ignore_result=True)
def geocode_organisation(organisation_id: int) -> None:
    """Looks the address up in the Base Adresse Nationale; keeps the commune's point otherwise."""
    organisation = Organisation.objects.filter(pk=organisation_id).values("address", "commune_id").first()
    if organisation is None:
        return
    point = geocode_address(organisation["address"], organisation["commune_id"])
    fields = (
        {"latitude": point.latitude, "longitude": point.longitude, "geocoded": True}
        if point
        else {"latitude": None, "longitude": None, "geocoded": False}
    )
    # Only if the address did not change meanwhile: a newer task handles the newer address.
    Organisation.objects.filter(pk=organisation_id, **organisation).update(**fields)


def _send_renewal_reminder(reminder: ListingReminder) -> None:
    organisation = reminder.organisation
    if (
        organisation.status != Organisation.Status.LISTED
        or organisation.listed_until != reminder.listed_until
    ):
        raise reminders.Skip  # renewed, suspended or expired since
    members = User.objects.active_members_of(organisation)
    notify_users("listing_renewal", members, {"organisation": organisation})


@task
def expire_listings() -> dict:
    """Celery beat: renewal reminders three months ahead; listings that reached their
    end leave the showcase. Both select by time window, so a missed run catches up."""
    report = reminders.send_due(ListingReminder, _send_renewal_reminder, related=["organisation"])
    today = timezone.localdate()
    expired = 0
    for organisation in Organisation.objects.listed().filter(listed_until__lte=today):
        try:
            services.expire(organisation)
        except services.TransitionError:
            continue  # changed meanwhile
        expired += 1
    return {"reminders": report.sent, "expired": expired}


def _send_anchor(anchor: AuditAnchor) -> None:
    send_email("audit_anchor", settings.AUDIT_ANCHOR_EMAIL, {"anchor": anchor})


@task
def send_audit_anchor() -> dict:
    """Celery beat: the head of the audit trail, once a day, to AUDIT_ANCHOR_EMAIL. The day's
    copy is made by the first run and sent once, a failed email by a later run."""
    if not settings.AUDIT_ANCHOR_EMAIL:
        return {"sent": 0}
    audit.anchor_of_the_day()
    report = reminders.send_due(AuditAnchor, _send_anchor)
    return {"sent": report.sent, "failed": report.failed}
