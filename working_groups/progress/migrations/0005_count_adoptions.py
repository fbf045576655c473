from django.db import migrations

COUNT = """
UPDATE working_groups_initiative AS i SET adoption_count = c.n
FROM (SELECT initiative_id, COUNT(*) AS n FROM progress_adoption GROUP BY initiative_id) AS c
WHERE i.id = c.initiative_id AND i.adoption_count <> c.n
"""


def count(apps, schema_editor):
    # one statement on PostgreSQL and SQLite alike (UPDATE ... FROM: SQLite 3.33+)
    schema_editor.execute(COUNT)


class Migration(migrations.Migration):
    # Initiative.adoption_count from the adoptions recorded so far. Adoptions the previous release
    # records after this runs are not counted; each initiative's count is recounted on its next
    # adoption (services.adoptions_recount, on every adoption saved or deleted: a recount, not an
    # increment), and this query may be run again at any time.
    atomic = False

    dependencies = [
        ('progress', '0004_commitment_keeps_its_latest_report'),
        ('working_groups', '0016_initiative_adoption_count'),
    ]

    operations = [
        migrations.RunPython(count, migrations.RunPython.noop),
    ]
