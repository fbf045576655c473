from django.db import migrations

TABLES = ("cooperation_partner", "cooperation_need", "cooperation_expertise")


def forwards(apps, schema_editor):
    # PostgreSQL only (SQLite answers a search with a substring test: members/search.py). The grams
    # of the search text in a stored generated column (computed once per write, by PostgreSQL, so
    # every save, update() and bulk_create keeps it), and the gram index on that column in place of
    # the expression index: the recheck of a row is then a read, not search_grams() (~2.5 ms a row).
    # The previous release's expression query stays correct during a rolling upgrade, only unindexed.
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_grams_tsv tsvector "
                                  "GENERATED ALWAYS AS (search_grams(search_text)) STORED")
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_grams")
            schema_editor.execute(f"CREATE INDEX {table}_search_grams ON {table} USING gin (search_grams_tsv)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_grams")
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_grams_tsv")
            schema_editor.execute(f"CREATE INDEX {table}_search_grams ON {table} "
                                  "USING gin (search_grams(search_text))")


class Migration(migrations.Migration):
    """Partners', needs' and expertise's grams stored (column search_grams_tsv, not a model field), so that a search reads them
    instead of computing them for every row it checks."""

    dependencies = [("cooperation", "0004_search_grams"), ("members", "0016_search_grams_stored")]

    operations = [migrations.RunPython(forwards, backwards)]
