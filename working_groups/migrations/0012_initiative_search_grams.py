from django.db import migrations

TABLES = ("working_groups_initiative",)


def forwards(apps, schema_editor):
    # The gram index (members/search.py): a word of one or two characters is looked up in an index,
    # which the trigram index cannot do below three. SQLite scans instead.
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {table}_search_grams ON {table} "
                                  "USING gin (search_grams(search_text))")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_grams")


class Migration(migrations.Migration):
    """Initiatives searched by words of any length through an index (水素, 太陽)."""

    dependencies = [("working_groups", "0011_merge_body_translated_named_coordinators"), ("members", "0015_search_grams_function_and_index")]

    operations = [migrations.RunPython(forwards, backwards)]
