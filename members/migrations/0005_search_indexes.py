from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS members_institution_search_trgm
    ON members_institution USING gin (search_text gin_trgm_ops);
"""
DROP = "DROP INDEX IF EXISTS members_institution_search_trgm;"


def forwards(apps, schema_editor):
    # Trigram search is PostgreSQL's; SQLite scans the (small) table instead.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    """A trigram index so that the directory's `q` (a substring of a folded name) uses an index."""

    dependencies = [("members", "0004_membershipapplication")]

    operations = [migrations.RunPython(forwards, backwards)]
