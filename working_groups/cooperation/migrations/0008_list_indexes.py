from django.db import migrations, models

from members.schema import AddIndexConcurrentlyWhereSupported


class Migration(migrations.Migration):
    # The board's open needs newest first (two statuses: need_board gives one in order, so the
    # board sorted every open need for its first 20). Built without locking writes (CREATE INDEX
    # CONCURRENTLY cannot run in a transaction). need_year_status: the year facet from the index
    # alone. partner_by_name: the partner directory's order (it sorted all partners for a page).
    atomic = False

    dependencies = [
        ('cooperation', '0007_merge_two_languages_partner_updated_at'),
    ]

    operations = [
        AddIndexConcurrentlyWhereSupported(
            model_name='need',
            index=models.Index(fields=['-published_at', '-id'], name='need_newest'),
        ),
        AddIndexConcurrentlyWhereSupported(
            model_name='need',
            index=models.Index(fields=['year', 'status'], name='need_year_status'),
        ),
        AddIndexConcurrentlyWhereSupported(
            model_name='partner',
            index=models.Index(fields=['name_ja', 'id'], name='partner_by_name'),
        ),
    ]
