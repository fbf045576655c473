from django.db import migrations
from django.db.models import OuterRef, Subquery


def copy_commitment_target_years(apps, schema_editor):
    """Where an institution's target year differs from its commitment's, the commitment wins: it
    is what its progress pages measure against (one UPDATE; an institution already in step keeps
    its value)."""
    Institution = apps.get_model("members", "Institution")
    Commitment = apps.get_model("progress", "Commitment")
    target = Commitment.objects.filter(institution_id=OuterRef("pk")).values("target_year")[:1]
    Institution.objects.filter(commitment__isnull=False).update(target_year=Subquery(target))


class Migration(migrations.Migration):
    """The commitment's target year is the source of truth; each institution's copy is brought in
    step once here, and kept in step by the services from now on (docs/progress.md)."""

    dependencies = [
        ("progress", "0002_reporting_year_deadlines_and_reminders"),
    ]

    operations = [migrations.RunPython(copy_commitment_target_years, migrations.RunPython.noop)]
