from django.db import migrations, models


class Migration(migrations.Migration):
    # A column with a database default: the previous release inserts initiatives without naming it.
    # progress 0005 counts the adoptions into it; 0017 indexes it.

    dependencies = [
        ('working_groups', '0015_sitemap_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='initiative',
            name='adoption_count',
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
    ]
