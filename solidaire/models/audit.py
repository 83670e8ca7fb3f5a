"""The audit trail: an append-only hash chain of decisions, votes and changes, and the
copies of its head sent elsewhere."""

import json
from datetime import datetime
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import BigIntegerField, Case, OuterRef, Subquery, When
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidaire.lib import auditchain
from solidaire.models.reminders import ReminderBase
from solidaire.models.users import User

AUDIT_GENESIS = "0" * 64
# Any constant: PostgreSQL serialises the writers of the chain on this advisory lock.
AUDIT_LOCK_KEY = 7_350_001
SYSTEM = "system"
USER_REF = "user:"


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def with_names(self) -> "AuditEntryQuerySet":
        """Reads, with the entries, whom their hashed `actor_ref` names and what their hashed
        target is: what the pages show comes from the content the chain covers, never from a
        column a database writer could change unseen."""
        author = User.objects.filter(pk=OuterRef("author_pk"))
        return self.annotate(
            author_pk=Case(
                When(
                    actor_ref__startswith=USER_REF,
                    then=Cast(Substr("actor_ref", len(USER_REF) + 1), BigIntegerField()),
                )
            ),
            author_email=Subquery(author.values("email")),
            author_full_name=Subquery(author.values("full_name")),
            author_deleted_at=Subquery(author.values("deleted_at")),
        ).prefetch_related("target")


class AuditEntry(models.Model):
    """Who did what, when, to which object: an append-only chain.

    Each entry carries the digest of its content and of the previous entry's digest, signed
    with a key held outside the database (solidaire.lib.auditchain), so that changing,
    removing or rewriting entries breaks the chain (`manage.py verify_audit`); removing the
    last ones contradicts the copies of the head sent elsewhere (AuditAnchor).
    The hashed content holds no personal data: the author is a pseudonymous reference
    (`user:<id>`), whose name the pages read from the account, so that an erased account
    shows as such and the chain stays verifiable."""

    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_ref = models.CharField(max_length=40, default=SYSTEM, editable=False)
    action = models.CharField(_("action"), max_length=80)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    target_id = models.CharField(max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    data = models.JSONField(_("détails"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    # "" for the entries written before the chain was keyed (a plain SHA-256).
    key_id = models.CharField(max_length=20, blank=True, default="", editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    # What AuditEntryQuerySet.with_names() reads with the entries; absent otherwise.
    author_email: str | None
    author_full_name: str | None
    author_deleted_at: datetime | None

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_ref} {self.action} {self.target_ref}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValidationError("Audit entries are append-only.")

    @classmethod
    def record(cls, actor: User | None, action: str, target: models.Model, **data: Any) -> "AuditEntry":
        """Appends an entry. `data` must not hold personal data (use ids, not emails)."""
        entry = cls(
            actor=actor,
            actor_ref=f"{USER_REF}{actor.pk}" if actor else SYSTEM,
            action=action,
            target_type=ContentType.objects.get_for_model(target),
            target_id=str(target.pk),
            # Stored as JSON reads it back, so that the hash is computed on what is kept.
            data=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
            key_id=auditchain.signing_key_id(),
        )
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])
            # SQLite runs one writing transaction at a time: the chain is serial there too.
            last = cls.objects.order_by("-pk").values_list("hash", flat=True).first()
            entry.prev_hash = last or AUDIT_GENESIS
            digest = entry.compute_hash()
            if digest is None:  # signing_key_id() names a key of AUDIT_KEYS
                raise ImproperlyConfigured("The audit trail's signing key is not in AUDIT_KEYS.")
            entry.hash = digest
            entry.save()
        return entry

    @property
    def target_ref(self) -> str:
        return f"{self.target_type.app_label}.{self.target_type.model}:{self.target_id}"

    def compute_hash(self, keys: dict[str, str] | None = None) -> str | None:
        """The digest of this entry's content; None when its key is not configured."""
        covered = auditchain.content(
            created_at=self.created_at,
            actor_ref=self.actor_ref,
            action=self.action,
            target=self.target_ref,
            data=self.data,
            prev_hash=self.prev_hash,
            key_id=self.key_id,
        )
        return auditchain.digest(covered, self.key_id, keys)

    @property
    def author_id_in_ref(self) -> int | None:
        return int(self.actor_ref[len(USER_REF) :]) if self.actor_ref.startswith(USER_REF) else None

    @property
    def author(self) -> str:
        """Whom the hashed `actor_ref` names, as the account reads now ("Compte supprimé"
        once erased)."""
        user_id = self.author_id_in_ref
        if user_id is None:
            return str(_("système"))
        if hasattr(self, "author_email"):  # read by with_names()
            if self.author_email is None:
                return str(_("Compte supprimé"))
            user = User(
                pk=user_id,
                email=self.author_email,
                full_name=self.author_full_name or "",
                deleted_at=self.author_deleted_at,
            )
            return str(user)
        account = User.objects.filter(pk=user_id).first()
        return str(account) if account is not None else str(_("Compte supprimé"))

    @property
    def target_name(self) -> str:
        """The object the hashed target reference names, as it is called now."""
        target = self.target
        if target is None:
            return str(
                _("%(type)s n° %(id)s (supprimé)") % {"type": self.target_type.name, "id": self.target_id}
            )
        return str(target)[:250]


class AuditAnchor(ReminderBase):
    """The head of the chain on a day, emailed to AUDIT_ANCHOR_EMAIL: a copy held outside the
    database, which a chain whose last entries were removed, or which was rebuilt, no longer
    holds at its place (`manage.py verify_audit --anchor POSITION:HASH`)."""

    day = models.DateField(_("jour"), unique=True)
    position = models.PositiveBigIntegerField(_("numéro de l'entrée"))
    hash = models.CharField(_("empreinte"), max_length=64)

    class Meta(ReminderBase.Meta):
        verbose_name = _("ancre du journal d'audit")
        verbose_name_plural = _("ancres du journal d'audit")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.position}:{self.hash}"
