from django.db import migrations, models
from django.db.models import F


def name_existing_coordinators(apps, schema_editor):
    """Until now anyone at a coordinating institution acted as coordinator. Those who keep the role
    are, for each group and coordinating institution, its active members registered for that
    institution who are its contact (事務担当), or its representative where no contact is
    registered: the people the institution's contact would name. Others are named from now on."""
    Membership = apps.get_model("working_groups", "Membership")
    Affiliation = apps.get_model("members", "Affiliation")
    roles = dict(
        ((user_id, institution_id), role) for user_id, institution_id, role in
        Affiliation.objects.filter(status="approved", role__in=["contact", "representative"])
        .values_list("user_id", "institution_id", "role")
    )
    rows = Membership.objects.filter(status="active", group__coordinators=F("institution_id")).values_list(
        "pk", "group_id", "user_id", "institution_id")
    by_pair: dict = {}
    for pk, group_id, user_id, institution_id in rows:
        role = roles.get((user_id, institution_id))
        if role:
            by_pair.setdefault((group_id, institution_id), {}).setdefault(role, []).append(pk)
    named = [pk for found in by_pair.values() for pk in found.get("contact") or found.get("representative", [])]
    Membership.objects.filter(pk__in=named).update(coordinator=True)


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0013_outbox_and_audit_apps"),
        ("working_groups", "0009_drop_research_teams"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="coordinator",
            field=models.BooleanField(db_default=False, default=False, verbose_name="coordinator"),
        ),
        migrations.RunPython(name_existing_coordinators, migrations.RunPython.noop),
    ]
