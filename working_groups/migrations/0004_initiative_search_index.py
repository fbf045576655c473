from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS working_groups_initiative_search_trgm
    ON working_groups_initiative USING gin (search_text gin_trgm_ops);
"""
DROP = "DROP INDEX IF EXISTS working_groups_initiative_search_trgm;"


def forwards(apps, schema_editor):
    # Japanese has no spaces between words, so the search is a substring match over folded text;
    # a trigram index lets PostgreSQL answer it without reading every initiative.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("working_groups", "0003_initiatives")]

    operations = [migrations.RunPython(forwards, backwards)]
