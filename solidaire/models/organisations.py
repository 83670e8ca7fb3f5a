"""Organisations, their members, invitations and offers."""

import secrets
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidaire.lib.siret import is_valid_siret, validate_siret
from solidaire.models.reference import LegalForm, OfferCategory, Sector
from solidaire.models.territories import Commune
from solidaire.models.users import User

# The Répertoire national des associations: W and 9 digits (SCDL's `rnaBeneficiaire`).
validate_rna = RegexValidator(
    r"\AW\d{9}\Z", _("Un numéro RNA s'écrit W suivi de 9 chiffres, par exemple W352001234."), code="rna"
)


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def listed(self) -> "OrganisationQuerySet":
        return self.filter(status=Organisation.Status.LISTED)

    def for_user(self, user: User) -> "OrganisationQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

    def with_invalid_siret(self) -> "OrganisationQuerySet":
        """Those whose SIRET the check refuses: registered before it checked the SIREN's key.
        The key is computed here, not in SQL: one column of every organisation is read."""
        invalid = [
            pk for pk, siret in self.values_list("pk", "siret").iterator() if not is_valid_siret(siret)
        ]
        return self.filter(pk__in=invalid)


class Organisation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        APPLICANT = "applicant", _("candidate")
        LISTED = "listed", _("référencée")
        PROGRESS_PLAN = "progress_plan", _("en démarche de progrès")
        REFUSED = "refused", _("refusée")
        SUSPENDED = "suspended", _("suspendue")
        EXPIRED = "expired", _("référencement expiré")

    legal_name = models.CharField(_("raison sociale"), max_length=200)
    usual_name = models.CharField(
        _("nom d'usage"),
        max_length=200,
        blank=True,
        help_text=_("Le nom sous lequel le public vous connaît, s'il diffère."),
    )
    slug = models.SlugField(max_length=220, unique=True, editable=False)
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        unique=True,
        validators=[validate_siret],
        help_text=_("14 chiffres, sans espace."),
        error_messages={"unique": _("Une organisation avec ce numéro SIRET existe déjà.")},
    )
    rna = models.CharField(
        _("numéro RNA"),
        max_length=10,
        blank=True,
        validators=[validate_rna],
        help_text=_(
            "Pour une association : son numéro au Répertoire national des associations (W et 9 chiffres)."
        ),
    )
    legal_form = models.ForeignKey(LegalForm, on_delete=models.PROTECT, verbose_name=_("forme juridique"))
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, verbose_name=_("filière"))
    address = models.CharField(_("adresse"), max_length=250, help_text=_("Numéro et voie."))
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, verbose_name=_("commune"), related_name="organisations"
    )
    latitude = models.FloatField(null=True, blank=True, editable=False)
    longitude = models.FloatField(null=True, blank=True, editable=False)
    geocoded = models.BooleanField(
        default=False, editable=False, help_text="Coordinates come from the address, not the commune."
    )
    website = models.URLField(_("site web"), blank=True)
    contact_email = models.EmailField(_("email de contact public"), blank=True)
    contact_phone = models.CharField(_("téléphone public"), max_length=20, blank=True)
    description = models.TextField(_("présentation"), max_length=5000)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    listed_since = models.DateField(_("référencée depuis"), null=True, blank=True, editable=False)
    listed_until = models.DateField(_("référencée jusqu'au"), null=True, blank=True, editable=False)
    status_reason = models.TextField(_("motif du statut"), blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # For the public showcase, derived from the names, the description and the offers, and
    # written only by refresh_search_vectors() (end of this module). The name folded to
    # lower case without accents, so that "Écohabitat" sorts among the E on any database.
    sort_name = models.CharField(max_length=200, blank=True, default="", editable=False)
    # PostgreSQL: weighted French vector (names A, offer names B, descriptions C).
    search_vector = SearchVectorField(null=True, editable=False)
    # SQLite: the same texts folded, searched with LIKE; empty on PostgreSQL.
    search_text = models.TextField(blank=True, default="", editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["usual_name", "legal_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["rna"],
                condition=~models.Q(rna=""),
                name="organisation_rna_unique",
                violation_error_message=_("Une organisation avec ce numéro RNA existe déjà."),
            )
        ]
        indexes = [
            models.Index(fields=["status", "listed_until"]),
            # The showcase pages through listed organisations by name or by listing date;
            # the id breaks ties so that paging is stable. (The GIN index on search_vector
            # is created by migration 0005 on PostgreSQL only: SQLite has no GIN.)
            models.Index(
                fields=["sort_name", "id"],
                condition=models.Q(status="listed"),
                name="organisation_listed_name",
            ),
            models.Index(
                fields=["listed_since", "id"],
                condition=models.Q(status="listed"),
                name="organisation_listed_since",
            ),
            # Narrow rows for the counts per commune and per sector of the showcase filters
            # (index-only scans): a scan of the table reads the descriptions and vectors too.
            models.Index(
                fields=["commune", "sector", "id"],
                condition=models.Q(status="listed"),
                name="organisation_listed_facets",
            ),
            # A sector's organisations in name order, with their commune: a selection by
            # filière and territory reads its page from the index alone, without visiting
            # the table (docs/performance.md). The commune is a key column rather than
            # INCLUDEd, which SQLite lacks.
            models.Index(
                fields=["sector", "sort_name", "id", "commune"],
                condition=models.Q(status="listed"),
                name="organisation_listed_sector",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.usual_name or self.legal_name

    def get_manage_url(self) -> str:
        return reverse("organisation_detail", args=[self.slug])

    @property
    def coordinates(self) -> tuple[float, float] | None:
        if self.latitude is not None and self.longitude is not None:
            return (self.latitude, self.longitude)
        if self.commune.latitude is not None and self.commune.longitude is not None:
            return (self.commune.latitude, self.commune.longitude)
        return None

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.LISTED

    @property
    def identifiers_locked(self) -> bool:
        """The SIRET and RNA of a listed organisation name whom the assembly admitted: its
        members no longer change them, staff do (services.change_identifiers)."""
        return self.status in (self.Status.LISTED, self.Status.SUSPENDED)

    @property
    def can_be_suspended(self) -> bool:
        """Staff suspend a listing, not an application or a refusal (services.suspend)."""
        return self.status == self.Status.LISTED

    @property
    def can_be_reinstated(self) -> bool:
        return self.status == self.Status.SUSPENDED


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("administrateur")
        EDITOR = "editor", _("éditeur")

        @property
        def can_manage_members(self) -> bool:
            return self == Membership.Role.ADMIN

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("adresse email"))
    role = models.CharField(
        _("rôle"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.EDITOR
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.expires_at:
            self.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALIDITY_DAYS)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("invitation_accept", args=[self.token])

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class Offer(models.Model):
    class Kind(models.TextChoices):
        PRODUCT = "product", _("produit")
        SERVICE = "service", _("service")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="offers")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    category = models.ForeignKey(OfferCategory, on_delete=models.PROTECT, verbose_name=_("catégorie"))
    name = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("description"), max_length=3000)
    photo = models.ImageField(_("photo"), upload_to="offers/", blank=True)
    availability = models.CharField(
        _("où l'offre est disponible"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple : sur place, livraison dans le département, partout en France."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("offre")
        verbose_name_plural = _("offres")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConflictOfInterest(models.Model):
    """A person declares a link with an organisation: they neither review nor vote on it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.CharField(_("motif"), max_length=500)
    declared_at = models.DateTimeField(_("déclaré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflit d'intérêts")
        verbose_name_plural = _("conflits d'intérêts")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_conflict_per_pair")]

    def __str__(self) -> str:
        return f"{self.user} ↔ {self.organisation}"


def listing_end(start: date) -> date:
    """The day a listing that starts on `start` expires (three years later)."""
    years = settings.LISTING_VALIDITY_YEARS
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)
