"""The world the dissemination tests share: the two tiers, a coordinator, and news in both states."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from meetings.dissemination import services
from meetings.dissemination.models import NewsItem
from meetings.models import Meeting
from members.models import Institution
from tests.factories import InstitutionFactory, UserFactory, WorkingGroupFactory, secretariat_user, staff_of
from working_groups.models import Membership, WorkingGroup


@dataclass
class World:
    a: Institution
    c: Institution
    group: WorkingGroup
    other_group: WorkingGroup
    general: WorkingGroup
    meeting: Meeting
    users: dict
    news: NewsItem  # published, coalition-wide, both languages
    statement: NewsItem  # published, adopted by the general meeting at ``meeting``
    draft: NewsItem  # the group's draft
    group_item: NewsItem  # the group's published item, Japanese only


def make_item(**fields) -> NewsItem:
    by = fields.pop("by", None)
    publish = fields.pop("publish", True)
    item = services.news_create(by=by, data=fields)
    if publish:
        item = services.news_publish(item=item, by=by)
    return item


@pytest.fixture
def world(db):
    return build_world()


def build_world() -> World:
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University", name_kana="こうだいがく")
    c = InstitutionFactory(slug="univ-c", name_ja="丙大学", name_en="Gamma University", name_kana="へいだいがく")
    d = InstitutionFactory(slug="univ-d", name_ja="丁大学", name_en="Delta University", name_kana="ていだいがく",
                           category=Institution.Category.COOPERATING)
    group = WorkingGroupFactory(slug="regional", name_ja="地域WG", name_en="Regional WG", coordinators=[c])
    other_group = WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG", coordinators=[d])
    general = WorkingGroupFactory(tier=WorkingGroup.Tier.GENERAL, slug="general-meeting", name_ja="総会",
                                  name_en="General meeting")
    starts = timezone.now() - datetime.timedelta(days=30)
    meeting = Meeting.objects.create(kind=Meeting.Kind.GENERAL, group=general, title_ja="第4回総会",
                                     title_en="4th general meeting", starts_at=starts,
                                     ends_at=starts + datetime.timedelta(hours=2),
                                     visibility=Meeting.Visibility.PUBLIC)
    users = {
        "visitor": None,
        "user": UserFactory(email="someone@example.org"),
        "staff": staff_of(a, email="staff@alpha.example.ac.jp"),
        "coordinator": staff_of(c, email="coordinator@gamma.example.ac.jp"),
        "other_coordinator": staff_of(d, email="coordinator@delta.example.ac.jp"),
        "secretariat": secretariat_user(email="desk@coalition.example.org"),
        "secretariat_no_2fa": secretariat_user(two_factor=False, email="new-desk@coalition.example.org"),
    }
    # named coordinators of their groups (staff of a coordinating institution alone is not one)
    Membership.objects.create(group=group, user=users["coordinator"], institution=c, status="active", coordinator=True)
    Membership.objects.create(group=other_group, user=users["other_coordinator"], institution=d, status="active",
                              coordinator=True)
    sec = users["secretariat"]
    news = make_item(by=sec, kind="news", title_ja="ポータル公開のお知らせ", title_en="The portal is online",
                     summary_ja="新しいポータルを公開しました。", summary_en="The new portal is online.",
                     body_ja="ポータルの**本文**です。", body_en="The portal's **text**.")
    statement = make_item(by=sec, kind="statement", title_ja="脱炭素に向けた共同声明", title_en="Joint statement",
                          body_ja="声明の本文。", body_en="The statement's text.", adopted_by=general,
                          adopted_on=datetime.date(2025, 7, 29), meeting=meeting)
    draft = make_item(by=users["coordinator"], publish=False, kind="announcement", group=group,
                      title_ja="地域WGの下書き告知", body_ja="下書きの本文。")
    group_item = make_item(by=users["coordinator"], kind="news", group=group, title_ja="地域WG会合の報告",
                           body_ja="日本語だけの本文です。")
    return World(a=a, c=c, group=group, other_group=other_group, general=general, meeting=meeting, users=users,
                 news=news, statement=statement, draft=draft, group_item=group_item)
