"""Core models: users, territories, reference data, organisations and offers."""

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from solidaire.lib.siret import validate_siret

STAFF_GROUP = "regional_staff"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_superuser", False)
        extra.setdefault("is_staff", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.update(is_superuser=True, is_staff=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Email is the login; `is_staff` is Django admin access only,
    regional staff are the members of the STAFF_GROUP group."""

    email = models.EmailField(_("adresse email"), unique=True)
    full_name = models.CharField(_("nom complet"), max_length=150, blank=True)
    language = models.CharField(
        _("langue"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_staff = models.BooleanField(_("accès à l'administration"), default=False)
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def is_regional_staff(self) -> bool:
        return self.is_active and self.groups.filter(name=STAFF_GROUP).exists()

    @cached_property
    def has_second_factor(self) -> bool:
        from allauth.mfa.models import Authenticator

        return self.authenticator_set.filter(type=Authenticator.Type.TOTP).exists()


# --- Territories ----------------------------------------------------------------


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Departement(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    insee = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    # Lower-case, accent-free name for look-ups that ignore accents on any database.
    search_name = models.CharField(max_length=100, db_index=True, editable=False)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    postcodes = models.JSONField(_("codes postaux"), default=list)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]

    def __str__(self) -> str:
        postcode = self.postcodes[0] if self.postcodes else self.departement_id
        return f"{self.name} ({postcode})"

    def save(self, *args, **kwargs) -> None:
        from solidaire.lib.text import fold

        self.search_name = fold(self.name)
        super().save(*args, **kwargs)


# --- Reference data, editable in the admin ---------------------------------------


class ReferenceData(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    name_en = models.CharField(_("nom en anglais"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class LegalForm(ReferenceData):
    class Meta(ReferenceData.Meta):
        verbose_name = _("forme juridique")
        verbose_name_plural = _("formes juridiques")


class Sector(ReferenceData):
    class Meta(ReferenceData.Meta):
        verbose_name = _("filière")
        verbose_name_plural = _("filières")


class OfferCategory(ReferenceData):
    class Meta(ReferenceData.Meta):
        verbose_name = _("catégorie d'offre")
        verbose_name_plural = _("catégories d'offre")


# --- Organisations ---------------------------------------------------------------


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def listed(self) -> "OrganisationQuerySet":
        return self.filter(status=Organisation.Status.LISTED)

    def for_user(self, user: User) -> "OrganisationQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


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

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["usual_name", "legal_name"]
        indexes = [models.Index(fields=["status", "listed_until"])]

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
        if self.commune.latitude is not None:
            return (self.commune.latitude, self.commune.longitude)
        return None

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.LISTED


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

    def save(self, *args, **kwargs) -> None:
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


# --- Audit trail -------------------------------------------------------------------


class AuditEntry(models.Model):
    """Who did what, when, to which object. Entries are never changed."""

    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("auteur"), max_length=200)
    action = models.CharField(_("action"), max_length=80)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    target_id = models.CharField(max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    target_label = models.CharField(_("objet"), max_length=250)
    data = models.JSONField(_("détails"), default=dict, blank=True)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit entries are append-only.")

    @classmethod
    def record(cls, actor: User | None, action: str, target: models.Model, **data) -> "AuditEntry":
        return cls.objects.create(
            actor=actor,
            actor_label=actor.email if actor else "system",
            action=action,
            target_type=ContentType.objects.get_for_model(target),
            target_id=str(target.pk),
            target_label=str(target)[:250],
            data=data,
        )


def listing_end(start: date) -> date:
    """The day a listing that starts on `start` expires (three years later)."""
    years = settings.LISTING_VALIDITY_YEARS
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)
