from django.db import migrations, models

from members.schema import AddIndexConcurrentlyWhereSupported


class Migration(migrations.Migration):
    # /general-meeting/ lists the general meeting's sessions newest first, a page at a time, and
    # counts them: without this index both read every meeting (20,000 at the large scale) for a few.
    # Built without locking writes (CREATE INDEX CONCURRENTLY cannot run in a transaction).
    atomic = False

    dependencies = [
        ('meetings', '0011_sitemap_index'),
    ]

    operations = [
        AddIndexConcurrentlyWhereSupported(
            model_name='meeting',
            index=models.Index(condition=models.Q(('kind', 'general')), fields=['-starts_at', '-id'],
                               name='meeting_general_newest'),
        ),
    ]
