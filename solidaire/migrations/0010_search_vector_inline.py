# Moved from vitrine (its 0001) to the app that owns the table; rerunning it on a
# database that applied the vitrine one rewrites the same storage setting, no harm.
# The search vector of an organisation (solidaire 0005) is read by every search: matched,
# then ranked, for each organisation that matches. At about 1.2 KB it went to the TOAST
# table, and each search paid three extra page reads per organisation to fetch it: 29 ms to
# count the 7,700 matches of a common word among 10,000 organisations, 38 ms to rank them
# (make bench). Kept in the row (compressed when needed, STORAGE MAIN), the same count
# takes 7 ms and the ranking 8 ms. Existing vectors are rewritten so that the change
# applies to them too. PostgreSQL only: SQLite stores no vector.

from django.db import migrations

FORWARD = """
ALTER TABLE solidaire_organisation ALTER COLUMN search_vector SET STORAGE MAIN;
UPDATE solidaire_organisation SET search_vector = search_vector || ''::tsvector
WHERE search_vector IS NOT NULL;
"""
BACKWARD = "ALTER TABLE solidaire_organisation ALTER COLUMN search_vector SET STORAGE EXTENDED;"


def on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("solidaire", "0009_listed_counts")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD))]
