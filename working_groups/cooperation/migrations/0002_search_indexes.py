from django.db import migrations

TABLES = ("cooperation_partner", "cooperation_need", "cooperation_expertise")


def forwards(apps, schema_editor):
    # Japanese has no spaces between words: search is a substring match over folded text, which a
    # trigram index answers without reading every row (as for initiatives).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table in TABLES:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_search_trgm ON {table} USING gin (search_text gin_trgm_ops)")
        # "which expertise serves prefecture 20" is a substring of ",20,15,"
        schema_editor.execute("CREATE INDEX IF NOT EXISTS cooperation_expertise_prefectures_trgm "
                              "ON cooperation_expertise USING gin (prefectures gin_trgm_ops)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")
        schema_editor.execute("DROP INDEX IF EXISTS cooperation_expertise_prefectures_trgm")


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
