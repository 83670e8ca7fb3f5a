"""Background work of the core app. Tasks take ids and are queued after commit."""

from dataclasses import asdict

from django.conf import settings
from django.utils import timezone

from solidaire import audit, notifications, outbox, services
from solidaire.celery import task
from solidaire.lib import reminders
from solidaire.lib.geocoding import geocode_address
from solidaire.models import AuditAnchor, ListingReminder, Organisation


@task(ignore_result=True)
def send_mail(mail_ids: list[int]) -> dict:
    """Sends these emails of the outbox now, those that are still due (queued after the
    commit that stored them; the beat job below catches up whatever this task misses)."""
    return asdict(outbox.send_due(mail_ids))


@task(ignore_result=True)
def send_queued_mail() -> dict:
    """Celery beat: every email due, whose task was lost or whose next attempt has come."""
    return asdict(outbox.send_due())


@task(ignore_result=True)
def purge_outgoing_mail() -> int:
    """Celery beat: emails sent or given up are kept MAIL_RETENTION_DAYS, then deleted."""
    return outbox.purge()


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


@task
def expire_listings() -> dict:
    """Celery beat: renewal reminders three months ahead; listings that reached their
    end leave the showcase. Both select by time window, so a missed run catches up."""
    report = reminders.send_due(ListingReminder, notifications.listing_renewal, related=["organisation"])
    today = timezone.localdate()
    expired = 0
    for organisation in Organisation.objects.listed().filter(listed_until__lte=today):
        try:
            services.expire(organisation)
        except services.TransitionError:
            continue  # changed meanwhile
        expired += 1
    return {"reminders": report.sent, "expired": expired}


@task
def send_audit_anchor() -> dict:
    """Celery beat: the head of the audit trail, once a day, to AUDIT_ANCHOR_EMAIL. The day's
    copy is made by the first run and its email queued once (the outbox sends it, and tries
    again if the server refuses it for a while)."""
    if not settings.AUDIT_ANCHOR_EMAIL:
        return {"sent": 0}
    audit.anchor_of_the_day()
    report = reminders.send_due(AuditAnchor, notifications.audit_anchor)
    return {"sent": report.sent, "failed": report.failed}
