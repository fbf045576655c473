"""The API tests' world: two member institutions (A, B) and a suspended one, a group A coordinates,
initiatives, meetings, needs, expertise, news and progress figures of every visibility, and a token
for each role."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from meetings.dissemination import services as news_services
from meetings.dissemination.models import NewsItem
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
from working_groups.cooperation.models import Expertise, Need, Partner
from working_groups.cooperation.services import expertise_refresh, need_refresh
from working_groups.models import Initiative, Participation
from working_groups.progress.models import Commitment, YearlyReport
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
    partner: Partner | None = None
    need: Need | None = None  # published, on the board
    need_waiting: Need | None = None  # submitted, waiting for the secretariat's review
    expertise: Expertise | None = None
    expertise_members: Expertise | None = None
    news: NewsItem | None = None
    news_draft: NewsItem | None = None
    report: YearlyReport | None = None  # A's published figures, its commitment members-only
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


def need(title, group, status, partner=None) -> Need:
    row = Need(title=title, description=f"{title}の説明。", prefecture="20", help_kind=Need.Help.JOINT_RESEARCH,
               status=status, organisation="みどり野市", organisation_kind=Partner.Kind.MUNICIPALITY,
               contact_name="市役所 花子", contact_email="official@town.example.jp", partner=partner,
               confirmed_at=timezone.now(), published_at=timezone.now() if status in Need.LISTED else None)
    need_refresh(row)
    row.save()
    row.themes.set([group])
    return row


def expertise(institution, author, title, group, visibility) -> Expertise:
    entry = Expertise(institution=institution, author=author, contact=author, title=title,
                      description=f"{title}の紹介。", keywords="地熱, LCA", prefectures=",20,", visibility=visibility)
    expertise_refresh(entry)
    entry.save()
    entry.themes.set([group])
    return entry


def add_cooperation_news_progress(world: World) -> None:
    """Partners, needs, expertise, news and progress figures (the later endpoints' data)."""
    sec = world.users["secretariat"]
    world.partner = Partner.objects.create(slug="midorino-city", kind=Partner.Kind.MUNICIPALITY,
                                           name_ja="みどり野市", name_en="Midorino City", prefecture="20")
    world.need = need("公開のニーズ", world.group, Need.Status.PUBLISHED, partner=world.partner)
    world.need_waiting = need("審査待ちのニーズ", world.group, Need.Status.SUBMITTED)
    world.expertise = expertise(world.a, world.users["staff_a"], "公開の研究シーズ", world.group,
                                Expertise.Visibility.PUBLIC)
    world.expertise_members = expertise(world.a, world.users["staff_a"], "会員限定の研究シーズ", world.group,
                                        Expertise.Visibility.MEMBERS)
    world.news = news_services.news_publish(item=news_services.news_create(by=sec, data={
        "kind": "news", "title_ja": "公開のお知らせ", "title_en": "Public news", "body_ja": "本文。",
        "body_en": "Text."}), by=sec)
    world.news_draft = news_services.news_create(by=sec, data={
        "kind": "announcement", "title_ja": "下書きのお知らせ", "body_ja": "下書きの本文。"})
    Commitment.objects.create(institution=world.a, target_year=2050, baseline_year=2013,
                              baseline_emissions=Decimal("50000"), interim_year=2030,
                              interim_reduction=Decimal("51"), visibility=Commitment.Visibility.MEMBERS)
    world.report = YearlyReport.objects.create(
        institution=world.a, fiscal_year=2023, status=YearlyReport.Status.PUBLISHED, scope1=Decimal("12345.6"),
        scope2=Decimal("23456.7"), energy_gj=Decimal("500000"), renewable_share=Decimal("12.5"), floor_area=300000,
        headcount=20000)


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
    world = World(
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
    add_cooperation_news_progress(world)
    return world
