"""The audit trail: an append-only hash chain of decisions, votes and changes."""

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidaire.models.users import User

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
