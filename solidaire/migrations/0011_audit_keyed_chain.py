"""The audit chain becomes keyed (HMAC with a key of AUDIT_KEYS, held outside the database).

- `key_id`: the key that signs an entry. Existing entries get "" (legacy): their plain
  SHA-256 digests are still verified, but only before the first signed entry.
- One signed entry, `audit.seal`, is appended after the existing ones: its digest covers the
  last legacy digest, so that the legacy entries cannot be rewritten without the key either.
- The author and target labels go: the pages read the author from the hashed reference
  (`user:<id>`) and the target from the hashed target reference. Unhashed, a database
  writer could change them unseen, and the author label held an email address that
  erasing an account had to overwrite.
"""

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from solidaire.lib import auditchain


def seal_legacy_entries(apps, schema_editor):
    AuditEntry = apps.get_model("solidaire", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    last = AuditEntry.objects.order_by("-pk").first()
    if last is None:
        return
    key_id = next(reversed(settings.AUDIT_KEYS))
    target_type, _created = ContentType.objects.get_or_create(app_label="solidaire", model="auditentry")
    seal = AuditEntry(
        created_at=timezone.now(),
        actor_ref="system",
        action="audit.seal",
        target_type=target_type,
        target_id=str(last.pk),
        data={"legacy_entries": AuditEntry.objects.count()},
        prev_hash=last.hash,
        key_id=key_id,
    )
    covered = auditchain.content(
        created_at=seal.created_at,
        actor_ref=seal.actor_ref,
        action=seal.action,
        target=f"solidaire.auditentry:{seal.target_id}",
        data=seal.data,
        prev_hash=seal.prev_hash,
        key_id=key_id,
    )
    seal.hash = auditchain.digest(covered, key_id)
    seal.save()


class Migration(migrations.Migration):
    dependencies = [("solidaire", "0010_search_vector_inline"), ("contenttypes", "0002_remove_content_type_name")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(blank=True, default="", editable=False, max_length=20),
        ),
        migrations.RemoveField(model_name="auditentry", name="actor_label"),
        migrations.RemoveField(model_name="auditentry", name="target_label"),
        migrations.RunPython(seal_legacy_entries, migrations.RunPython.noop),
    ]
