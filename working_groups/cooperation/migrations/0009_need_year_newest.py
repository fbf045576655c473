from django.db import migrations, models

from members.schema import AddIndexConcurrentlyWhereSupported


class Migration(migrations.Migration):
    # The board with a year chosen, newest first: a year's needs are published in that year, so
    # walking need_newest read every newer year's needs first. Built without locking writes (CREATE
    # INDEX CONCURRENTLY cannot run in a transaction).
    atomic = False

    dependencies = [
        ('cooperation', '0008_list_indexes'),
    ]

    operations = [
        AddIndexConcurrentlyWhereSupported(
            model_name='need',
            index=models.Index(fields=['year', '-published_at', '-id'], name='need_year_newest'),
        ),
    ]
