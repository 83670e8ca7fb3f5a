"""Background work of the core app. Tasks take ids and are queued after commit."""

from celery import shared_task
from django.db import transaction

from solidaire.lib.emails import send_email
from solidaire.lib.geocoding import geocode_address
from solidaire.models import Invitation, Organisation


@shared_task
def send_invitation(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(pk=invitation_id)
    inviter = invitation.invited_by
    send_email(
        "invitation",
        invitation.email,
        {"invitation": invitation, "organisation": invitation.organisation, "inviter": inviter},
        language=inviter.language if inviter else None,
    )


@shared_task(autoretry_for=(), ignore_result=True)
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


def geocode_after_commit(organisation: Organisation) -> None:
    transaction.on_commit(lambda: geocode_organisation.delay(organisation.pk))
