from django.db import migrations, models

TABLE = "meetings_meeting"


def fill(apps, schema_editor):
    # The folded text of the meetings already there (Meeting.save keeps it from now on).
    from members.i18n import fold  # noqa: PLC0415 -- a migration imports what it needs where it runs

    Meeting = apps.get_model("meetings", "Meeting")
    rows = []
    for meeting in Meeting.objects.only("title_ja", "title_en", "description_ja", "description_en").iterator(
            chunk_size=2000):
        meeting.search_text = fold(" ".join([meeting.title_ja, meeting.title_en, meeting.description_ja,
                                             meeting.description_en]))
        rows.append(meeting)
        if len(rows) == 2000:
            Meeting.objects.bulk_update(rows, ["search_text"])
            rows = []
    Meeting.objects.bulk_update(rows, ["search_text"])


def grams(apps, schema_editor):
    # The stored grams and their index, as on every searchable table (members/search.py); SQLite
    # answers a search with a substring test.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS search_grams_tsv tsvector "
                              "GENERATED ALWAYS AS (search_grams(search_text)) STORED")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_search_grams ON {TABLE} USING gin (search_grams_tsv)")


def no_grams(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TABLE}_search_grams")
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_grams_tsv")


class Migration(migrations.Migration):
    """Meetings searchable like initiatives and news (the site's search, /search/): their folded
    titles and descriptions, and the grams of that text in a stored, indexed column."""

    dependencies = [
        ("meetings", "0006_merge_stored_vevents_visitor_registrations"),
        ("members", "0016_search_grams_stored"),
    ]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="search_text",
            field=models.TextField(db_default="", default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(grams, no_grams),
    ]
