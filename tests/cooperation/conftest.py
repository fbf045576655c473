"""The world the cooperation tests run in: institutions A (staff, contact) and B (staff), C which
coordinates the theme group of the needs, a partner, needs in several states, expertise."""

from dataclasses import dataclass

import pytest
from django.utils import timezone

from members.models import Affiliation, Institution
from tests.factories import InstitutionFactory, UserFactory, WorkingGroupFactory, secretariat_user, staff_of
from working_groups.cooperation.models import Expertise, Interest, Need, Partner
from working_groups.cooperation.services import expertise_refresh, need_refresh
from working_groups.cooperation.tokens import confirm_token, edit_token
from working_groups.models import Membership, WorkingGroup

ROLES = ["visitor", "user", "staff_a", "staff_b", "contact_a", "coordinator", "secretariat", "secretariat_no_2fa"]


def make_need(*, title, themes, status=Need.Status.PUBLISHED, prefecture="20", partner=None,
              help_kind=Need.Help.JOINT_RESEARCH, email="official@town.example.jp", description="説明です。",
              language="ja", title_translated=""):
    listed = status in Need.LISTED
    need = Need(title=title, description=description, prefecture=prefecture, help_kind=help_kind, status=status,
                language=language, title_translated=title_translated,
                organisation="みどり野市", organisation_kind=Partner.Kind.MUNICIPALITY, contact_name="市役所 花子",
                contact_role="環境課", contact_email=email, partner=partner,
                confirmed_at=None if status == Need.Status.UNCONFIRMED else timezone.now(),
                published_at=timezone.now() if listed else None)
    need_refresh(need)
    need.save()
    need.themes.set(themes)
    return need


def make_expertise(*, institution, author, title, themes, prefectures=("20",), nationwide=False,
                   visibility=Expertise.Visibility.PUBLIC, keywords="", description="研究室の紹介です。",
                   language="ja", title_translated=""):
    entry = Expertise(institution=institution, author=author, contact=author, title=title, description=description,
                      language=language, title_translated=title_translated,
                      keywords=keywords, nationwide=nationwide, visibility=visibility,
                      prefectures="".join(f",{c}" for c in prefectures) + "," if prefectures else "")
    expertise_refresh(entry)
    entry.save()
    entry.themes.set(themes)
    return entry


@dataclass
class World:
    a: Institution
    b: Institution
    c: Institution
    group: WorkingGroup
    other_group: WorkingGroup
    users: dict
    partner: Partner
    submitted: Need
    published: Need
    other_submitted: Need
    expertise: Expertise
    members_only: Expertise
    d: Institution
    interest: Interest
    unconfirmed: Need
    confirm_token: str
    returned: Need
    edit_token: str


@pytest.fixture
def world(module_world):
    """Built once for each module that uses it (tests/conftest.py, ``_module_world``): each test gets a
    copy."""
    return module_world


@pytest.fixture(scope="module")
def world_maker():
    return make_world


def make_world(media=None):
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University", prefecture="20")
    b = InstitutionFactory(slug="univ-b", name_ja="乙大学", name_en="Beta University", prefecture="40")
    c = InstitutionFactory(slug="univ-c", name_ja="丙大学", name_en="Gamma University", prefecture="13")
    group = WorkingGroupFactory(slug="regional", name_ja="地域WG", name_en="Regional WG", coordinators=[c])
    other_group = WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG")
    users = {
        "visitor": None,
        "user": UserFactory(email="someone@example.org"),
        "staff_a": staff_of(a, email="staff@alpha.example.ac.jp", name="甲 研究者"),
        "staff_b": staff_of(b, email="staff@beta.example.ac.jp"),
        "contact_a": staff_of(a, role=Affiliation.Role.CONTACT, email="contact@alpha.example.ac.jp"),
        "coordinator": staff_of(c, email="coordinator@gamma.example.ac.jp"),
        "secretariat": secretariat_user(email="desk@coalition.example.org"),
        "secretariat_no_2fa": secretariat_user(two_factor=False, email="new-desk@coalition.example.org"),
    }
    # a named coordinator of the group (staff of a coordinating institution alone is not one)
    Membership.objects.create(group=group, user=users["coordinator"], institution=c, status="active",
                              coordinator=True)
    partner = Partner.objects.create(slug="midorino", kind=Partner.Kind.MUNICIPALITY, name_ja="みどり野市",
                                     name_en="Midorino City", prefecture="20", municipality_code="20901")
    submitted = make_need(title="審査待ちの地域課題", themes=[group], status=Need.Status.SUBMITTED)
    published = make_need(title="森林の炭素吸収量の調査", themes=[group], partner=partner)
    other_submitted = make_need(title="キャンパスの審査待ち", themes=[other_group], status=Need.Status.SUBMITTED)
    expertise = make_expertise(institution=a, author=users["staff_a"], title="森林の炭素吸収量モニタリング",
                               themes=[group], keywords="森林, 炭素")
    members_only = make_expertise(institution=a, author=users["staff_a"], title="会員限定の研究シーズ",
                                  themes=[group], visibility=Expertise.Visibility.MEMBERS)
    # D's staff (no role of the matrix) already offered help with the published need
    d = InstitutionFactory(slug="univ-d", name_ja="丁大学", name_en="Delta University", prefecture="15")
    interest = Interest.objects.create(need=published, institution=d, user=staff_of(d, email="staff@delta.example"),
                                       message="丁大学として協力できます。")
    unconfirmed = make_need(title="メール確認待ちの課題", themes=[group], status=Need.Status.UNCONFIRMED,
                            email="new@town.example.jp")
    returned = make_need(title="差し戻し中の課題", themes=[group], status=Need.Status.RETURNED,
                         email="asked@town.example.jp")
    Need.objects.filter(pk=returned.pk).update(reason="対象の施設はいくつですか。")
    returned.refresh_from_db()
    return World(a=a, b=b, c=c, group=group, other_group=other_group, users=users, partner=partner,
                 submitted=submitted, published=published, other_submitted=other_submitted, expertise=expertise,
                 members_only=members_only, d=d, interest=interest, unconfirmed=unconfirmed,
                 confirm_token=confirm_token(unconfirmed), returned=returned, edit_token=edit_token(returned))
