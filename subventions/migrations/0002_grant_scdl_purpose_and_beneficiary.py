"""What the SCDL file publishes is what was decided.

- The purpose is limited to the 256 characters of the schema's `objet`: a longer one (none
  could be exported validly) is cut at 255 characters and ends with "…".
- The beneficiary's name, SIRET and RNA number are kept on the grant when it is awarded;
  the grants already awarded or closed get them from their organisation as it is now.
"""

from django.db import migrations, models
from django.db.models.functions import Length

PURPOSE_MAX_LENGTH = 256


def shorten_purposes(apps, schema_editor):
    Grant = apps.get_model("subventions", "Grant")
    longer = Grant.objects.annotate(length=Length("purpose")).filter(length__gt=PURPOSE_MAX_LENGTH)
    for grant in longer.only("purpose"):
        grant.purpose = grant.purpose[: PURPOSE_MAX_LENGTH - 1] + "…"
        grant.save(update_fields=["purpose"])


def snapshot_beneficiaries(apps, schema_editor):
    Grant = apps.get_model("subventions", "Grant")
    awarded = Grant.objects.filter(status__in=["awarded", "closed"]).select_related("organisation")
    for grant in awarded.iterator():
        organisation = grant.organisation
        grant.beneficiary_name = organisation.legal_name
        grant.beneficiary_siret = organisation.siret
        grant.beneficiary_rna = organisation.rna
        grant.save(update_fields=["beneficiary_name", "beneficiary_siret", "beneficiary_rna"])


class Migration(migrations.Migration):
    dependencies = [("subventions", "0001_initial"), ("solidaire", "0013_organisation_rna")]

    operations = [
        migrations.AddField(
            model_name="grant",
            name="beneficiary_name",
            field=models.CharField(
                blank=True, editable=False, max_length=200, verbose_name="bénéficiaire à l'attribution"
            ),
        ),
        migrations.AddField(
            model_name="grant",
            name="beneficiary_rna",
            field=models.CharField(blank=True, editable=False, max_length=10, verbose_name="RNA à l'attribution"),
        ),
        migrations.AddField(
            model_name="grant",
            name="beneficiary_siret",
            field=models.CharField(blank=True, editable=False, max_length=14, verbose_name="SIRET à l'attribution"),
        ),
        migrations.RunPython(snapshot_beneficiaries, migrations.RunPython.noop),
        migrations.RunPython(shorten_purposes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="grant",
            name="purpose",
            field=models.CharField(
                error_messages={
                    "max_length": "L'objet compte au plus %(limit_value)d caractères, la limite du format SCDL "
                    "des données ouvertes (il en compte %(show_value)d)."
                },
                help_text="256 caractères au plus : la limite du format SCDL des données ouvertes.",
                max_length=256,
                verbose_name="objet",
            ),
        ),
    ]
