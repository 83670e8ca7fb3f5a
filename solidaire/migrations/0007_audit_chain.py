"""The audit trail becomes a hash chain: existing entries are chained in their order."""

import hashlib
import json
from datetime import UTC

from django.db import migrations, models

GENESIS = "0" * 64


def chain(apps, schema_editor):
    AuditEntry = apps.get_model("solidaire", "AuditEntry")
    previous = GENESIS
    for entry in AuditEntry.objects.select_related("target_type").order_by("pk").iterator():
        content = {
            "created_at": entry.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": f"user:{entry.actor_id}" if entry.actor_id else "system",
            "action": entry.action,
            "target": f"{entry.target_type.app_label}.{entry.target_type.model}:{entry.target_id}",
            "data": entry.data,
            "prev": previous,
        }
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        AuditEntry.objects.filter(pk=entry.pk).update(
            actor_ref=content["actor"], prev_hash=previous, hash=digest
        )
        previous = digest


class Migration(migrations.Migration):
    dependencies = [("solidaire", "0006_organisation_listed_facets"), ("contenttypes", "0002_remove_content_type_name")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="actor_ref",
            field=models.CharField(default="system", editable=False, max_length=40),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(chain, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
    ]
