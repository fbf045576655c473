from django.conf import settings
from django.db import migrations


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=settings.SECRETARIAT_GROUP)


class Migration(migrations.Migration):
    """The secretariat is a group: its members run the coalition (with two-factor sign-in)."""

    dependencies = [("members", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
