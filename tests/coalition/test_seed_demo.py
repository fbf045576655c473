"""seed_demo: realistic, complete enough for every page, and idempotent."""

import io

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.management import call_command

from members.models import Institution, User
from members.regions import REGIONS
from working_groups.models import WorkingGroup

pytestmark = pytest.mark.django_db


def row_counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.label != "sessions.Session"}


# One test seeds twice and reads the first seeding's content in between: a seeding takes seconds,
# and a third one would check nothing the first does not show.
def test_seed_demo_covers_regions_categories_and_groups_and_a_second_run_changes_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    first = row_counts()
    active = list(Institution.objects.active())
    assert len(active) >= 40
    assert {i.region.slug for i in active} == {r.slug for r in REGIONS}
    assert {i.category for i in active} == {"participating", "cooperating"}
    themes = {g.slug: g for g in WorkingGroup.objects.themes()}
    assert sorted(themes) == ["campus", "human-resources", "innovation", "international", "regional"]
    assert sorted(i.slug for i in themes["regional"].coordinators.all()) == ["kitakyu", "shinshu"]
    assert WorkingGroup.objects.general_meeting().name_ja == "総会"
    secretariat = User.objects.get(email="secretariat@coalition.example")
    assert secretariat.groups.filter(name="secretariat").exists()
    assert Authenticator.objects.filter(user=secretariat, type="totp").exists()
    assert User.objects.filter(affiliations__status="approved").distinct().count() >= 15

    call_command("seed_demo", stdout=io.StringIO())
    assert row_counts() == first


def test_seed_demo_on_a_database_without_the_migration_rows():
    """A database emptied by `flush` (or a transactional test before this one) has lost the rows
    the data migrations made, such as the secretariat group: seeding recreates what it needs."""
    from django.contrib.auth.models import Group

    Group.objects.all().delete()
    call_command("seed_demo", stdout=io.StringIO())
    secretariat = User.objects.get(email="secretariat@coalition.example")
    assert secretariat.groups.filter(name="secretariat").exists()
