from django.db import migrations, models

from members.schema import AddIndexConcurrentlyWhereSupported


class Migration(migrations.Migration):
    # /initiatives/?sort=adopted walks this index (the counts are in: progress 0005). Built without
    # locking writes (CREATE INDEX CONCURRENTLY cannot run in a transaction).
    atomic = False

    dependencies = [
        ('working_groups', '0016_initiative_adoption_count'),
        ('progress', '0005_count_adoptions'),
    ]

    operations = [
        AddIndexConcurrentlyWhereSupported(
            model_name='initiative',
            index=models.Index(condition=models.Q(('status', 'published')),
                               fields=['-adoption_count', '-published_at', '-id'], name='initiative_most_adopted'),
        ),
    ]
