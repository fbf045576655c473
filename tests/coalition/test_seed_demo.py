"""seed_demo: realistic, complete enough for every page, and idempotent."""

import io

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.management import call_command

from meetings.governance.models import Message
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
    # a sent message of the secretariat and one of a coordinator to their group (crawls reach message pages)
    sent = {m.audience: m for m in Message.objects.filter(status="sent")}
    assert sorted(sent) == ["group", "representatives"]
    assert sent["group"].group.slug == "regional" and sent["group"].recipients > 0
    assert User.objects.get(email="kobayashi@shinshu.example").has_perm("governance.manage_message", sent["group"])
    assert sent["representatives"].sent_by == secretariat and sent["representatives"].recipients > 0

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


def test_seed_demo_programmes_name_roles_or_invented_speakers_only():
    """No real person is named as a speaker (the founding meeting's lectures used to carry two real
    scientists' names with invented talks): every speaker is a role or one of the invented names."""
    from meetings import demo
    from meetings.models import AgendaItem

    call_command("seed_demo", stdout=io.StringIO())
    institutions = Institution.objects.values_list("name_ja", "name_en")  # an institution may speak
    speakers = set(AgendaItem.objects.exclude(speaker="").values_list("speaker", flat=True))
    assert speakers <= set(demo.ROLES_EN) | set(demo.INVENTED_SPEAKERS_EN) | {ja for ja, _en in institutions}
    assert set(demo.INVENTED_SPEAKERS_EN) <= speakers  # the lectures are given by the invented speakers
    english = set(AgendaItem.objects.exclude(speaker_en="").values_list("speaker_en", flat=True))
    assert english <= (set(demo.ROLES_EN.values()) | set(demo.INVENTED_SPEAKERS_EN.values())
                       | {en for _ja, en in institutions})


def test_seed_demo_meetings_each_have_their_own_texts_in_both_languages_about_half_translated():
    """Every demo meeting says something of its own (no description or programme repeated), and the
    English is missing here and there on purpose so that English pages show the fallback."""
    from meetings.models import AgendaItem, Meeting

    call_command("seed_demo", stdout=io.StringIO())
    meetings = list(Meeting.objects.all())
    described = [m.description_ja for m in meetings if m.description_ja]
    assert len(described) == len(meetings) and len(set(described)) == len(described)
    english = [m.description_en for m in meetings if m.description_en]
    assert len(set(english)) == len(english) and 0 < len(english) < len(meetings)
    programmes = {tuple(AgendaItem.objects.filter(meeting=m).values_list("item_ja", flat=True)) for m in meetings}
    assert len(programmes) == len([m for m in meetings if m.agenda.exists()])
    with_minutes = [m for m in meetings if m.minutes]
    assert len({m.minutes for m in with_minutes}) == len(with_minutes)
    assert any(m.minutes_en for m in with_minutes) and any(not m.minutes_en for m in with_minutes)
    assert all(m.venue_en for m in meetings if m.venue)  # where to go, readable abroad
