"""Workflows of the core app: organisation status transitions and membership.

Later features (applications, the assembly's decisions, listing expiry) call
these functions; each checks the state it starts from, saves only the fields
it changes and writes the audit trail in the same transaction.
"""

from collections.abc import Collection
from datetime import date, datetime, time
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from solidaire import notifications
from solidaire.models import (
    AuditEntry,
    Invitation,
    ListingReminder,
    Membership,
    Organisation,
    User,
    listing_end,
)

Status = Organisation.Status
RENEWAL_NOTICE = relativedelta(months=3)


class TransitionError(ValidationError):
    """The organisation is not in a state this transition starts from."""


def _transition(
    organisation: Organisation,
    *,
    to: Status,
    allowed_from: Collection[Status],
    by: User | None,
    action: str,
    reason: str = "",
    **fields: Any,
) -> Organisation:
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if locked.status not in allowed_from:
            raise TransitionError(
                _("Impossible depuis le statut « %(status)s ».") % {"status": locked.get_status_display()},
                code="invalid_transition",
            )
        previous = locked.status
        changes = {"status": to, "status_reason": reason, **fields}
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*changes, "updated_at"])
        AuditEntry.record(
            by,
            action,
            locked,
            **{"from": previous, "to": str(to), "reason": reason},
            **{k: str(v) for k, v in fields.items()},
        )
    for name, value in changes.items():
        setattr(organisation, name, value)
    return organisation


def mark_applicant(organisation: Organisation, by: User | None) -> Organisation:
    """An application was submitted. A listed organisation that renews keeps its listing;
    one already applicant (an application sent back, then resubmitted) stays so."""
    if organisation.status in (Status.LISTED, Status.APPLICANT):
        return organisation
    return _transition(
        organisation,
        to=Status.APPLICANT,
        allowed_from={Status.DRAFT, Status.REFUSED, Status.EXPIRED, Status.PROGRESS_PLAN},
        by=by,
        action="organisation.apply",
    )


def withdraw_application(organisation: Organisation, by: User | None) -> Organisation:
    return _transition(
        organisation, to=Status.DRAFT, allowed_from={Status.APPLICANT}, by=by, action="organisation.withdraw"
    )


def admit(organisation: Organisation, by: User | None, decided_on: date | None = None) -> Organisation:
    """The assembly admitted the organisation: listed for three years from the decision."""
    start = decided_on or timezone.localdate()
    until = listing_end(start)
    organisation = _transition(
        organisation,
        to=Status.LISTED,
        allowed_from={Status.APPLICANT, Status.LISTED, Status.PROGRESS_PLAN},
        by=by,
        action="organisation.admit",
        listed_since=organisation.listed_since if organisation.status == Status.LISTED else start,
        listed_until=until,
    )
    # One reminder per listing end: a renewal schedules its own.
    ListingReminder.objects.get_or_create(
        organisation=organisation,
        kind=ListingReminder.Kind.RENEWAL,
        listed_until=until,
        defaults={"due_at": timezone.make_aware(datetime.combine(until - RENEWAL_NOTICE, time(8)))},
    )
    return organisation


def open_progress_plan(organisation: Organisation, by: User | None) -> Organisation:
    """The assembly proposed a démarche de progrès (also to a listed organisation that renews)."""
    return _transition(
        organisation,
        to=Status.PROGRESS_PLAN,
        allowed_from={Status.APPLICANT, Status.LISTED},
        by=by,
        action="organisation.progress_plan",
    )


def refuse(organisation: Organisation, by: User | None) -> Organisation:
    return _transition(
        organisation,
        to=Status.REFUSED,
        allowed_from={Status.APPLICANT, Status.LISTED},
        by=by,
        action="organisation.refuse",
    )


def suspend(organisation: Organisation, by: User, reason: str) -> Organisation:
    """Regional staff take a listing off the showcase at once, with a reason."""
    if not by.is_regional_staff:
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(_("Indiquez le motif de la suspension."), code="reason_required")
    return _transition(
        organisation,
        to=Status.SUSPENDED,
        allowed_from={Status.LISTED},
        by=by,
        action="organisation.suspend",
        reason=reason.strip(),
    )


def reinstate(organisation: Organisation, by: User) -> Organisation:
    if not by.is_regional_staff:
        raise PermissionDenied
    if organisation.listed_until and organisation.listed_until <= timezone.localdate():
        raise TransitionError(_("Le référencement a expiré entre-temps ; elle doit candidater de nouveau."))
    return _transition(
        organisation,
        to=Status.LISTED,
        allowed_from={Status.SUSPENDED},
        by=by,
        action="organisation.reinstate",
    )


def expire(organisation: Organisation) -> Organisation:
    return _transition(
        organisation, to=Status.EXPIRED, allowed_from={Status.LISTED}, by=None, action="organisation.expire"
    )


def change_identifiers(organisation: Organisation, by: User, *, siret: str, rna: str) -> list[str]:
    """Staff correct the SIRET or the RNA number of an organisation, which the members of a
    listed one may not (Organisation.identifiers_locked). Returns the fields changed."""
    if not by.is_regional_staff:
        raise PermissionDenied
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        changed = [name for name, value in (("siret", siret), ("rna", rna)) if getattr(locked, name) != value]
        if not changed:
            return []
        locked.siret, locked.rna = siret, rna
        locked.save(update_fields=[*changed, "updated_at"])
        AuditEntry.record(by, "organisation.identifiers", locked, fields=changed)
    organisation.siret, organisation.rna = siret, rna
    return changed


# --- Organisations and their members ------------------------------------------------


# Paths of the public showcase that an organisation's slug must not hide.
RESERVED_SLUGS = {"carte", "carte-geojson", "export", "exports", "flux", "donnees-ouvertes"}


def unique_slug(name: str) -> str:
    base = slugify(name)[:200] or "organisation"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_organisation(organisation: Organisation, by: User) -> Organisation:
    """Saves a new organisation; its creator becomes its admin member."""
    with transaction.atomic():
        organisation.slug = unique_slug(organisation.name)
        organisation.save()
        Membership.objects.create(organisation=organisation, user=by, role=Membership.Role.ADMIN)
        AuditEntry.record(by, "organisation.create", organisation)
    return organisation


def invite(organisation: Organisation, email: str, role: str, by: User) -> Invitation:
    email = email.strip().lower()
    if organisation.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError(_("Cette personne est déjà membre de l'organisation."), code="already_member")
    with transaction.atomic():
        organisation.invitations.filter(email__iexact=email, accepted_at=None).delete()
        invitation = Invitation.objects.create(
            organisation=organisation, email=email, role=role, invited_by=by
        )
        AuditEntry.record(by, "membership.invite", organisation, invitation=invitation.pk, role=role)
        notifications.invite(invitation)
    return invitation


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_usable:
            raise ValidationError(_("Cette invitation a expiré ou a déjà été utilisée."), code="unusable")
        if invitation.email.lower() != user.email.lower():
            raise ValidationError(
                _("Cette invitation a été envoyée à %(email)s : connectez-vous avec cette adresse.")
                % {"email": invitation.email},
                code="wrong_email",
            )
        membership, _created = Membership.objects.get_or_create(
            organisation=invitation.organisation, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        AuditEntry.record(user, "membership.join", invitation.organisation, role=membership.role)
    return membership


def remove_member(membership: Membership, by: User) -> None:
    """An admin member removes a member; the last admin cannot leave the organisation headless."""
    organisation = membership.organisation
    with transaction.atomic():
        admins = list(
            Membership.objects.select_for_update()
            .filter(organisation=organisation, role=Membership.Role.ADMIN)
            .values_list("pk", flat=True)
        )
        if membership.is_admin and len(admins) <= 1:
            raise ValidationError(
                _("L'organisation doit garder au moins un administrateur."), code="last_admin"
            )
        membership.delete()
        AuditEntry.record(by, "membership.remove", organisation, user=membership.user_id)
