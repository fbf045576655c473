"""The API tests' world: two member institutions (A, B) and a suspended one, a group A coordinates,
initiatives and meetings of every visibility, and a token for each role."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from meetings.models import AgendaItem, Meeting
from members.models import Institution
from tests.factories import (
    InstitutionFactory,
    MeetingFactory,
    WorkingGroupFactory,
    api_token,
    member_of,
    secretariat_user,
    staff_of,
)
from working_groups.models import Initiative, Participation
from working_groups.services import refresh_derived

ROLES = ["visitor", "staff_a", "staff_b", "secretariat", "revoked", "expired"]


@dataclass
class World:
    a: Institution
    b: Institution
    suspended: Institution
    group: object
    users: dict
    tokens: dict
    public: Initiative
    members_only: Initiative
    draft: Initiative
    public_meeting: Meeting
    members_meeting: Meeting
    group_meeting: Meeting
    extra: dict = field(default_factory=dict)

    def headers(self, role) -> dict:
        token = self.tokens.get(role)
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}


def initiative(institution, group, slug, *, author=None, visibility="public", status="published", **fields):
    i = Initiative(institution=institution, author=author, slug=slug, title=fields.pop("title", f"取組 {slug}"),
                   summary=fields.pop("summary", f"{slug} の概要"), body="本文", prefecture=institution.prefecture,
                   started_on=datetime.date(2023, 4, 1), status=status, visibility=visibility,
                   published_at=timezone.now() - datetime.timedelta(days=1) if status == "published" else None,
                   **fields)
    refresh_derived(i)
    i.save()
    i.themes.set([group])
    return i


def build_world() -> World:
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University", name_kana="こうだいがく",
                           prefecture="20")
    b = InstitutionFactory(slug="univ-b", name_ja="乙大学", name_en="Beta University", name_kana="おつだいがく",
                           prefecture="13")
    suspended = InstitutionFactory(slug="univ-s", name_ja="停止大学", name_en="Suspended University",
                                   name_kana="ていしだいがく", status=Institution.Status.SUSPENDED)
    group = WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG", coordinators=[a])
    Participation.objects.create(group=group, institution=a, status="active")
    users = {
        "visitor": None,
        "staff_a": staff_of(a, email="staff@alpha.example.ac.jp"),
        "staff_b": staff_of(b, email="staff@beta.example.ac.jp"),
        "secretariat": secretariat_user(email="desk@coalition.example.org"),
    }
    member_of(group, users["staff_a"], a)
    users["revoked"] = users["expired"] = users["staff_a"]
    tokens = {role: api_token(users[role]) for role in ("staff_a", "staff_b", "secretariat")}
    tokens["revoked"] = api_token(users["staff_a"], name="old", revoked=True)
    tokens["expired"] = api_token(users["staff_a"], name="stale", expired=True)
    public_meeting = MeetingFactory(group=group, visibility="public", title_ja="公開セミナー", title_en="Open seminar")
    AgendaItem.objects.create(meeting=public_meeting, time="10:00", item_ja="開会", item_en="Opening", speaker="司会")
    return World(
        a=a, b=b, suspended=suspended, group=group, users=users, tokens=tokens,
        public=initiative(a, group, "alpha-public", title="公開の取組", title_translated="Public initiative",
                          summary_translated="An open summary."),
        members_only=initiative(a, group, "alpha-members", visibility="members", title="会員限定の取組"),
        draft=initiative(a, group, "alpha-draft", author=users["staff_a"], status="draft", title="下書きの取組"),
        public_meeting=public_meeting,
        members_meeting=MeetingFactory(group=group, visibility="members", title_ja="会員限定の会合",
                                       title_en="Members' meeting"),
        group_meeting=MeetingFactory(group=group, visibility="group", title_ja="WG内の打合せ",
                                     title_en="Group call"),
    )
