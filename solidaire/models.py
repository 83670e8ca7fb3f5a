"""Core models: users, territories, reference data, organisations and offers."""

import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import UTC, date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from solidaire.lib.siret import validate_siret
from solidaire.lib.text import fold

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
    deleted_at = models.DateTimeField(_("compte supprimé le"), null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self) -> str:
        if self.deleted_at:
            return str(_("Compte supprimé"))
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
            # filière and territory reads its page from the index alone (2.1 ms to 0.7 ms
            # for a département and a sector at 10,000 organisations). The commune is a
            # key column rather than INCLUDEd, which SQLite lacks.
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


# --- Showcase search and filters ------------------------------------------------------
# Derived data that the public showcase (vitrine) searches and filters on. It lives here,
# next to what it is derived from, so that every change of an organisation or an offer
# keeps it up to date whichever app makes the change.

# French stemming with accents removed; created by migration 0005 on PostgreSQL.
SEARCH_CONFIG = "french_unaccent"
# Fields of an organisation that its search columns are computed from.
SEARCHED_FIELDS = frozenset({"legal_name", "usual_name", "description"})
_REFRESH_BATCH = 500


def refresh_search_vectors(ids: Iterable[int]) -> None:
    """Recomputes `sort_name` and the search column of the given organisations from their
    names, description and offers. Called on every save of an organisation or an offer
    (signals below); call it after bulk changes that bypass signals (`update()`,
    `bulk_create()`, raw SQL). One UPDATE per 500 organisations on PostgreSQL."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), _REFRESH_BATCH):
        batch = ids[start : start + _REFRESH_BATCH]
        if connection.vendor == "postgresql":
            _refresh_postgresql(batch)
        else:
            _refresh_folded(batch)


def _refresh_postgresql(ids: list[int]) -> None:
    organisation, offer = Organisation._meta.db_table, Offer._meta.db_table
    # The offers are aggregated once per organisation in the subquery, never per row.
    sql = f"""
        UPDATE {organisation} AS o SET
            sort_name = left(lower(unaccent(coalesce(nullif(o.usual_name, ''), o.legal_name))), 200),
            search_text = '',
            search_vector =
                setweight(to_tsvector(%(config)s::regconfig, o.legal_name || ' ' || o.usual_name), 'A')
                || setweight(to_tsvector(%(config)s::regconfig, f.names), 'B')
                || setweight(to_tsvector(%(config)s::regconfig, o.description || ' ' || f.descriptions), 'C')
        FROM (
            SELECT org.id,
                   coalesce(string_agg(offer.name, ' '), '') AS names,
                   coalesce(string_agg(offer.description, ' '), '') AS descriptions
            FROM {organisation} AS org LEFT JOIN {offer} AS offer ON offer.organisation_id = org.id
            WHERE org.id = ANY(%(ids)s)
            GROUP BY org.id
        ) AS f
        WHERE o.id = f.id
    """  # noqa: S608 - table names come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, {"config": SEARCH_CONFIG, "ids": ids})


def _refresh_folded(ids: list[int]) -> None:
    """SQLite has neither text search nor unaccent: store the folded text, searched with LIKE.
    Names come first, then offer names, then descriptions, so that the position of a match
    can rank the results the way the weights do on PostgreSQL."""
    offers: dict[int, list[tuple[str, str]]] = {pk: [] for pk in ids}
    for organisation_id, name, description in Offer.objects.filter(organisation_id__in=ids).values_list(
        "organisation_id", "name", "description"
    ):
        offers[organisation_id].append((name, description))
    changed = []
    for pk, legal_name, usual_name, description in Organisation.objects.filter(pk__in=ids).values_list(
        "pk", "legal_name", "usual_name", "description"
    ):
        parts = [
            f"{legal_name} {usual_name}",
            " ".join(name for name, _text in offers[pk]),
            description,
            " ".join(text for _name, text in offers[pk]),
        ]
        changed.append(
            Organisation(
                pk=pk,
                sort_name=fold(usual_name or legal_name)[:200],
                search_text=" | ".join(fold(" ".join(part.split())) for part in parts),
            )
        )
    Organisation.objects.bulk_update(changed, ["sort_name", "search_text"])


@receiver(post_save, sender=Organisation, dispatch_uid="organisation_search")
def _organisation_saved(sender, instance: Organisation, update_fields=None, **kwargs) -> None:
    # Status changes save only their own fields: nothing to recompute.
    if update_fields is None or SEARCHED_FIELDS & set(update_fields):
        refresh_search_vectors([instance.pk])


@receiver([post_save, post_delete], sender=Offer, dispatch_uid="offer_search")
def _offer_changed(sender, instance: Offer, **kwargs) -> None:
    refresh_search_vectors([instance.organisation_id])


class DomainMet(models.Model):
    """A domain of the référentiel that the organisation's latest completed assessment
    meets, copied here for the showcase filter (this app cannot read assessments).
    Written only by record_domains_met()."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="domains_met")
    code = models.SlugField(_("code du domaine"), max_length=60, db_index=False)

    class Meta:
        verbose_name = _("domaine du référentiel satisfait")
        verbose_name_plural = _("domaines du référentiel satisfaits")
        constraints = [
            # Its index (code first) serves the filter "organisations that meet domain X".
            models.UniqueConstraint(fields=["code", "organisation"], name="one_domain_met_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.code}"


def record_domains_met(organisation_id: int, codes: Iterable[str]) -> None:
    """Replaces the domains the organisation meets by `codes`: the codes of the domains
    whose result is met in its latest completed assessment. The référentiel calls it when
    an assessment completes, in the same transaction."""
    codes = sorted(set(codes))
    with transaction.atomic():
        DomainMet.objects.filter(organisation_id=organisation_id).exclude(code__in=codes).delete()
        DomainMet.objects.bulk_create(
            [DomainMet(organisation_id=organisation_id, code=code) for code in codes], ignore_conflicts=True
        )


class ListedCount(models.Model):
    """How many listed organisations a commune, a département and the whole territory have,
    per sector (`sector` 0: all sectors): the counts of the showcase filters, read rather
    than counted. Counting the 10,000 listed organisations of the benchmark three times a
    page, per sector, per département and per commune, cost 6 ms of PostgreSQL; these rows
    answer in a few.

    Written only by PostgreSQL triggers (migration 0009), in the transaction of the change,
    on every insert and delete of an organisation and every change of its status, commune
    or sector, whatever makes it: save(), QuerySet.update(), bulk_create(), raw SQL, COPY;
    a TRUNCATE empties it. Rows whose count falls back to 0 stay. rebuild_listed_counts()
    counts everything again (a repair). On SQLite, which serves the demo data, no trigger
    keeps the table and the showcase never reads it: it counts the organisations."""

    departement = models.CharField(max_length=3)  # "" on the row of the whole territory
    commune = models.CharField(max_length=5, blank=True)  # "" on a département's rows
    sector = models.BigIntegerField()  # a Sector's id, or 0 for all the sectors
    n = models.IntegerField()

    class Meta:
        constraints = [
            # Commune first: it also serves the rows of the départements (commune "") of a sector.
            models.UniqueConstraint(fields=["commune", "sector", "departement"], name="one_listed_count")
        ]
        indexes = [
            # The communes with the most organisations, in a sector or in all.
            models.Index(
                "sector",
                models.F("n").desc(),
                "commune",
                condition=~models.Q(commune=""),
                name="listed_count_communes",
            )
        ]

    def __str__(self) -> str:
        return f"{self.departement}/{self.commune}/{self.sector}: {self.n}"


def rebuild_listed_counts() -> None:
    """Counts the listed organisations into ListedCount again, at its six levels."""
    organisation, commune = Organisation._meta.db_table, Commune._meta.db_table
    table = ListedCount._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - table names from the models
        cursor.execute(
            f"""
            WITH listed AS (
                SELECT c.departement_id AS departement, o.commune_id AS commune, o.sector_id AS sector
                FROM {organisation} AS o JOIN {commune} AS c ON c.insee = o.commune_id
                WHERE o.status = 'listed'
            )
            INSERT INTO {table} (departement, commune, sector, n)
            SELECT departement, commune, sector, count(*) FROM listed GROUP BY departement, commune, sector
            UNION ALL SELECT departement, commune, 0, count(*) FROM listed GROUP BY departement, commune
            UNION ALL SELECT departement, '', sector, count(*) FROM listed GROUP BY departement, sector
            UNION ALL SELECT departement, '', 0, count(*) FROM listed GROUP BY departement
            UNION ALL SELECT '', '', sector, count(*) FROM listed GROUP BY sector
            UNION ALL SELECT '', '', 0, count(*) FROM listed
            """  # noqa: S608
        )


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


class ReminderBase(models.Model):
    """A reminder to send once, from `due_at` on (see solidaire.lib.reminders).

    A run claims due reminders with a conditional update and a token, sends them,
    then marks them sent; a failure releases the claim and keeps the error for
    staff, so that a later run sends it."""

    due_at = models.DateTimeField(_("à envoyer à partir du"))
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True, editable=False)
    skipped = models.BooleanField(
        _("sans objet"), default=False, editable=False, help_text=_("Plus nécessaire au moment de l'envoi.")
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0, editable=False)
    last_error = models.TextField(_("dernière erreur"), blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["due_at"]
        indexes = [
            # With the id, selecting the due ones reads the index alone (see bench/reminders.py).
            models.Index(fields=["due_at", "id"], condition=models.Q(sent_at=None), name="%(class)s_due"),
            models.Index(fields=["claim_token"], name="%(class)s_claim"),
        ]

    @property
    def failed(self) -> bool:
        return self.sent_at is None and bool(self.last_error)


class ListingReminder(ReminderBase):
    """The renewal of a listing is reminded three months before it expires."""

    class Kind(models.TextChoices):
        RENEWAL = "renewal_3m", _("trois mois avant la fin du référencement")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="listing_reminders")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.RENEWAL)
    listed_until = models.DateField(help_text="The end of the listing this reminder is about.")

    class Meta(ReminderBase.Meta):
        verbose_name = _("rappel de renouvellement")
        verbose_name_plural = _("rappels de renouvellement")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "listed_until"], name="one_renewal_reminder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.listed_until}"


# --- Audit trail -------------------------------------------------------------------


AUDIT_GENESIS = "0" * 64
# Any constant: PostgreSQL serialises the writers of the chain on this advisory lock.
AUDIT_LOCK_KEY = 7_350_001


class AuditEntry(models.Model):
    """Who did what, when, to which object: an append-only chain.

    Each entry carries the SHA-256 of its content and of the previous entry's hash, so
    that changing or removing an entry breaks the chain (`manage.py verify_audit`).
    The hashed content holds no personal data: the author is a pseudonymous reference
    (`user:<id>`), so erasing an account's name and email keeps the chain verifiable."""

    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_ref = models.CharField(max_length=40, default="system", editable=False)
    actor_label = models.CharField(_("auteur"), max_length=200)
    action = models.CharField(_("action"), max_length=80)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    target_id = models.CharField(max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    target_label = models.CharField(_("objet"), max_length=250)
    data = models.JSONField(_("détails"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

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
        """Appends an entry. `data` must not hold personal data (use ids, not emails)."""
        entry = cls(
            actor=actor,
            actor_ref=f"user:{actor.pk}" if actor else "system",
            actor_label=actor.email if actor else "system",
            action=action,
            target_type=ContentType.objects.get_for_model(target),
            target_id=str(target.pk),
            target_label=str(target)[:250],
            # Stored as JSON reads it back, so that the hash is computed on what is kept.
            data=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
        )
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])
            # SQLite runs one writing transaction at a time: the chain is serial there too.
            last = cls.objects.order_by("-pk").values_list("hash", flat=True).first()
            entry.prev_hash = last or AUDIT_GENESIS
            entry.hash = entry.compute_hash()
            entry.save()
        return entry

    def compute_hash(self) -> str:
        content = {
            "created_at": self.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": self.actor_ref,
            "action": self.action,
            "target": f"{self.target_type.app_label}.{self.target_type.model}:{self.target_id}",
            "data": self.data,
            "prev": self.prev_hash,
        }
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def listing_end(start: date) -> date:
    """The day a listing that starts on `start` expires (three years later)."""
    years = settings.LISTING_VALIDITY_YEARS
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)
