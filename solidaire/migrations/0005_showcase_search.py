# Search and filter columns of the public showcase (vitrine, issue #5).
#
# On PostgreSQL: an accent-insensitive French text search configuration, a stored weighted
# search vector with a GIN index. On SQLite (no text search, no GIN): a folded text column.
# Existing organisations are filled in at the end. The SQL below is a snapshot of
# solidaire.models.refresh_search_vectors() as of this migration, on purpose: a migration
# must not depend on model code that later migrations may change.

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

CREATE_CONFIGURATION = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION french_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
"""

BACKFILL = """
UPDATE solidaire_organisation AS o SET
    sort_name = left(lower(unaccent(coalesce(nullif(o.usual_name, ''), o.legal_name))), 200),
    search_vector =
        setweight(to_tsvector('french_unaccent', o.legal_name || ' ' || o.usual_name), 'A')
        || setweight(to_tsvector('french_unaccent', f.names), 'B')
        || setweight(to_tsvector('french_unaccent', o.description || ' ' || f.descriptions), 'C')
FROM (
    SELECT org.id,
           coalesce(string_agg(offer.name, ' '), '') AS names,
           coalesce(string_agg(offer.description, ' '), '') AS descriptions
    FROM solidaire_organisation AS org LEFT JOIN solidaire_offer AS offer ON offer.organisation_id = org.id
    GROUP BY org.id
) AS f
WHERE o.id = f.id
"""


def on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


def backfill(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKFILL)
        return
    from solidaire.lib.text import fold

    Organisation = apps.get_model("solidaire", "Organisation")
    Offer = apps.get_model("solidaire", "Offer")
    offers: dict[int, list[tuple[str, str]]] = {}
    for organisation_id, name, description in Offer.objects.values_list("organisation_id", "name", "description"):
        offers.setdefault(organisation_id, []).append((name, description))
    changed = []
    for organisation in Organisation.objects.only("legal_name", "usual_name", "description"):
        own = offers.get(organisation.pk, [])
        parts = [
            f"{organisation.legal_name} {organisation.usual_name}",
            " ".join(name for name, _text in own),
            organisation.description,
            " ".join(text for _name, text in own),
        ]
        organisation.sort_name = fold(organisation.usual_name or organisation.legal_name)[:200]
        organisation.search_text = " | ".join(fold(" ".join(part.split())) for part in parts)
        changed.append(organisation)
    Organisation.objects.bulk_update(changed, ["sort_name", "search_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("solidaire", "0004_listingreminder"),
    ]

    operations = [
        migrations.RunPython(
            on_postgresql(CREATE_CONFIGURATION),
            on_postgresql("DROP TEXT SEARCH CONFIGURATION IF EXISTS french_unaccent"),
        ),
        migrations.AddField(
            model_name="organisation",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="organisation",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="organisation",
            name="sort_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=200),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(
                condition=models.Q(("status", "listed")), fields=["sort_name", "id"], name="organisation_listed_name"
            ),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(
                condition=models.Q(("status", "listed")),
                fields=["listed_since", "id"],
                name="organisation_listed_since",
            ),
        ),
        migrations.RunPython(
            on_postgresql("CREATE INDEX organisation_search ON solidaire_organisation USING gin (search_vector)"),
            on_postgresql("DROP INDEX IF EXISTS organisation_search"),
        ),
        migrations.CreateModel(
            name="DomainMet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(db_index=False, max_length=60, verbose_name="code du domaine")),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="domains_met",
                        to="solidaire.organisation",
                    ),
                ),
            ],
            options={
                "verbose_name": "domaine du référentiel satisfait",
                "verbose_name_plural": "domaines du référentiel satisfaits",
                "constraints": [
                    models.UniqueConstraint(fields=("code", "organisation"), name="one_domain_met_per_code")
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
