"""Personal data rights (RGPD): a person downloads their data and deletes their account.

Each app registers what it holds about a person (`register_exporter`) and how to erase it
(`register_eraser`) in its `signals.connect()`, which its AppConfig.ready() runs, so that
this module never imports them.
Deleting an account pseudonymises it rather than removing the row: ballots, decisions and
the audit trail keep their integrity and their counts, but no longer carry the name or
the email address of the person."""

from collections.abc import Callable
from datetime import date
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from solidaire.models import AuditEntry, ConflictOfInterest, Invitation, Membership, OutgoingMail, User

Exporter = Callable[[User], Any]
Eraser = Callable[[User], None]

_exporters: dict[str, Exporter] = {}
_erasers: list[Eraser] = []


def register_exporter(name: str) -> Callable[[Exporter], Exporter]:
    def register(exporter: Exporter) -> Exporter:
        _exporters[name] = exporter
        return exporter

    return register


def register_eraser(eraser: Eraser) -> Eraser:
    _erasers.append(eraser)
    return eraser


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def export_personal_data(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "language": user.language,
            "date_joined": _date(user.date_joined),
            "last_login": _date(user.last_login),
            "second_factor": Authenticator.objects.filter(user=user).exists(),
            "email_addresses": list(
                EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
            ),
        },
        "memberships": [
            {
                "organisation": m.organisation.legal_name,
                "siret": m.organisation.siret,
                "role": m.role,
                "since": _date(m.created_at),
            }
            for m in Membership.objects.filter(user=user).select_related("organisation")
        ],
        "invitations_sent": list(
            Invitation.objects.filter(invited_by=user).values("email", "role", "created_at", "accepted_at")
        ),
        "conflicts_of_interest": [
            {
                "organisation": c.organisation.legal_name,
                "reason": c.reason,
                "declared_at": _date(c.declared_at),
            }
            for c in ConflictOfInterest.objects.filter(user=user).select_related("organisation")
        ],
        "audit_trail": [
            {"date": _date(e.created_at), "action": e.action, "object": e.target_name}
            for e in AuditEntry.objects.filter(actor_ref=f"user:{user.pk}")
            .select_related("target_type")
            .with_names()
            .order_by("created_at")
        ],
        # Kept MAIL_RETENTION_DAYS (solidaire.outbox), deleted with the account.
        "emails_received": [
            {"date": _date(m.created_at), "to": m.to, "subject": m.subject, "status": m.status}
            for m in OutgoingMail.objects.filter(recipient=user).order_by("created_at")
        ],
    }
    for name, exporter in _exporters.items():
        data[name] = exporter(user)
    return data


def blockers(user: User) -> list[str]:
    """Why the account cannot be deleted yet: it is the last administrator of an organisation."""
    reasons = []
    for membership in Membership.objects.filter(user=user, role=Membership.Role.ADMIN).select_related(
        "organisation"
    ):
        organisation = membership.organisation
        other_admins = organisation.memberships.filter(role=Membership.Role.ADMIN).exclude(user=user)
        if not other_admins.exists():
            reasons.append(
                _("Vous êtes le seul administrateur de « %(name)s » : nommez-en un autre d'abord.")
                % {"name": organisation.name}
            )
    return reasons


def delete_account(user: User) -> None:
    reasons = blockers(user)
    if reasons:
        raise ValidationError(reasons)
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        for eraser in _erasers:
            eraser(user)
        Membership.objects.filter(user=user).delete()
        ConflictOfInterest.objects.filter(user=user).delete()
        Invitation.objects.filter(email__iexact=user.email, accepted_at=None).delete()
        # Her emails, sent or waiting: their address and their text are hers.
        OutgoingMail.objects.filter(Q(recipient=user) | Q(to__iexact=user.email)).delete()
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        # The trail names the author by a pseudonymous id only: its pages read the name from
        # the account, erased below ("Compte supprimé").
        user.email = f"compte-supprime-{user.pk}@invalid"
        user.full_name = ""
        user.is_active = False
        user.is_staff = user.is_superuser = False
        user.deleted_at = timezone.now()
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        AuditEntry.record(None, "account.delete", user)
    _end_sessions(user)


def _end_sessions(user: User) -> None:
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
