"""The commitment keeps a copy of its latest published report (services.commitments_refresh), filled
here for the commitments there are. The path is computed as Commitment.path_at does today, with the
historical model (a migration does not call the live code, which may change after it)."""

from decimal import Decimal

from django.db import migrations, models


def path_at(c, year):
    points = [(c.baseline_year, c.baseline_emissions)]
    if c.interim_year is not None and c.interim_reduction is not None:
        points.append((c.interim_year, c.baseline_emissions * (100 - c.interim_reduction) / 100))
    points.append((c.target_year, Decimal(0)))
    if year <= points[0][0]:
        return points[0][1]
    for (y0, v0), (y1, v1) in zip(points, points[1:], strict=False):
        if year <= y1:
            return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
    return Decimal(0)


def fill(apps, schema_editor):
    Commitment = apps.get_model("progress", "Commitment")
    YearlyReport = apps.get_model("progress", "YearlyReport")
    latest = {}
    for row in (YearlyReport.objects.filter(status="published").order_by("institution_id", "fiscal_year")
                .values("institution_id", "fiscal_year", "scope1", "scope2", "renewable_share").iterator()):
        latest[row["institution_id"]] = row  # the last of each institution's years wins
    batch = []
    for c in Commitment.objects.filter(institution_id__in=list(latest)).iterator():
        row = latest[c.institution_id]
        c.latest_year, c.latest_share = row["fiscal_year"], row["renewable_share"]
        c.latest_emissions = row["scope1"] + row["scope2"]
        c.on_track = c.latest_emissions <= path_at(c, c.latest_year)
        batch.append(c)
    Commitment.objects.bulk_update(batch, ["latest_year", "latest_emissions", "latest_share", "on_track"],
                                   batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('progress', '0003_institution_target_year_follows_commitment'),
    ]

    operations = [
        migrations.AddField(
            model_name='commitment',
            name='latest_emissions',
            field=models.DecimalField(decimal_places=1, editable=False, max_digits=13, null=True),
        ),
        migrations.AddField(
            model_name='commitment',
            name='latest_share',
            field=models.DecimalField(decimal_places=1, editable=False, max_digits=4, null=True),
        ),
        migrations.AddField(
            model_name='commitment',
            name='latest_year',
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='commitment',
            name='on_track',
            field=models.BooleanField(editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
