"""Core models: users, territories, reference data, organisations and offers, the data the
showcase derives from them, reminders, outgoing email and the audit trail. Import them from here."""

from solidaire.models.audit import AUDIT_GENESIS, AUDIT_LOCK_KEY, AuditAnchor, AuditEntry
from solidaire.models.mail import OutgoingMail, OutgoingMailQuerySet
from solidaire.models.organisations import (
    ConflictOfInterest,
    Invitation,
    Membership,
    Offer,
    Organisation,
    OrganisationQuerySet,
    _invitation_token,  # noqa: F401 - named by migration 0001
    listing_end,
)
from solidaire.models.reference import LegalForm, OfferCategory, ReferenceData, Sector
from solidaire.models.reminders import ListingReminder, ReminderBase
from solidaire.models.showcase import (
    SEARCH_CONFIG,
    SEARCHED_FIELDS,
    DomainMet,
    ListedCount,
    rebuild_listed_counts,
    record_domains_met,
    refresh_search_vectors,
)
from solidaire.models.territories import Commune, Departement, Region
from solidaire.models.users import STAFF_GROUP, User, UserManager, UserQuerySet

__all__ = [
    "AUDIT_GENESIS",
    "AUDIT_LOCK_KEY",
    "SEARCHED_FIELDS",
    "SEARCH_CONFIG",
    "STAFF_GROUP",
    "AuditAnchor",
    "AuditEntry",
    "Commune",
    "ConflictOfInterest",
    "Departement",
    "DomainMet",
    "Invitation",
    "LegalForm",
    "ListedCount",
    "ListingReminder",
    "Membership",
    "Offer",
    "OfferCategory",
    "Organisation",
    "OrganisationQuerySet",
    "OutgoingMail",
    "OutgoingMailQuerySet",
    "ReferenceData",
    "Region",
    "ReminderBase",
    "Sector",
    "User",
    "UserManager",
    "UserQuerySet",
    "listing_end",
    "rebuild_listed_counts",
    "record_domains_met",
    "refresh_search_vectors",
]
