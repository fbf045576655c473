"""Partner.updated_at, for the API's Last-Modified and ETag. The column has a database default (the
release before this one inserts without it); rows that exist take their creation time. The website
field becomes the project's URLField (its admin form assumes https://; no change in the database)."""

import django.db.models.functions.datetime
from django.db import migrations, models

import members.fields


def from_created_at(apps, schema_editor):
    Partner = apps.get_model("cooperation", "Partner")
    Partner.objects.update(updated_at=models.F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('cooperation', '0005_search_grams_stored'),
    ]

    operations = [
        migrations.AddField(
            model_name='partner',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now()),
        ),
        migrations.RunPython(from_created_at, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='partner',
            name='website',
            field=members.fields.URLField(blank=True, verbose_name='website'),
        ),
    ]
