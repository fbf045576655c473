from django.db import migrations

TABLES = ("cooperation_partner", "cooperation_need", "cooperation_expertise",)


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
    """Partners, needs and expertise searched by words of any length through an index."""

    dependencies = [("cooperation", "0003_need_returned"), ("members", "0015_search_grams_function_and_index")]

    operations = [migrations.RunPython(forwards, backwards)]
