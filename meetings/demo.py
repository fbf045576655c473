"""Demo meetings: the founding general meeting and the 2022 symposium of docs/domain.md, past group
meetings with minutes, and upcoming meetings (dated from the day the demo is first seeded) with
registrations and a waiting list. Idempotent: keyed by the Japanese title."""

import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from members.markup import render_markdown
from members.models import User
from working_groups.models import Membership, WorkingGroup

from .models import AgendaItem, Meeting, Registration, VisitorRegistration
from .services import has_place

TOKYO = ZoneInfo("Asia/Tokyo")
M = Meeting


def at(date: datetime.date, hhmm: str) -> datetime.datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime.datetime(date.year, date.month, date.day, h, m, tzinfo=TOKYO)


FOUNDING_MINUTES = """## 議事概要

1. 主催3省（文部科学省・経済産業省・環境省）から挨拶があった。
2. 事務局から参加188機関の紹介があった。
3. **コアリション規約**が原案どおり承認された。
4. 2件の講演が行われた。

## 今後の進め方

5つのテーマ別ワーキンググループを設置し、各WGで年2〜4回の会合を開催する。
"""

SYMPOSIUM_MINUTES = """## 概要

基調講演のあと、5つのワーキンググループから1年間の活動が報告された。
パネルディスカッションでは「大学から地域へ、地域から世界へ」をテーマに議論した。

- 参加者: 約900名（オンライン）
- 資料は会員向けに共有済み
"""

WG_MINUTES = """## 議事

- 各機関の取組状況の共有（{n}機関から報告）
- 次年度の活動計画について意見交換

## 決定事項

- 次回は現地視察を兼ねて開催する。
- 事例集の作成に向け、各機関から1件以上の取組事例を登録する。
"""


# The programmes name roles, and people only by invented names: demo data never puts words in the mouth
# of a real person (tests/coalition/test_seed_demo.py holds every speaker to these two lists).
ROLES_EN = {
    "文部科学大臣、経済産業大臣、環境大臣": "Ministers of Education (MEXT), Economy (METI) and the Environment (MOE)",
    "事務局": "Secretariat", "議長": "Chair", "文部科学省": "MEXT", "各WG幹事機関": "Coordinating institutions of each WG",
    "参加大学学長": "Presidents of member universities", "幹事機関": "Coordinating institutions",
    "参加機関": "Member institutions",
}
INVENTED_SPEAKERS_EN = {
    "北川 悠人（甲山大学）": "Yuto Kitagawa (Kozan University)",
    "森田 彩乃（西海工業大学）": "Ayano Morita (Saikai Institute of Technology)",
}
# The programmes' speakers in English (a role such as 幹事機関 reads differently in each language).
SPEAKERS_EN = {**ROLES_EN, **INVENTED_SPEAKERS_EN}


def _meeting(key, **fields):
    agenda = fields.pop("agenda", [])
    minutes = fields.pop("minutes", "")
    meeting, created = Meeting.objects.get_or_create(title_ja=key, defaults=fields)
    if created:
        for time, item_ja, item_en, speaker in agenda:
            h, m = map(int, time.split(":"))
            AgendaItem.objects.create(meeting=meeting, time=datetime.time(h, m), item_ja=item_ja, item_en=item_en,
                                      speaker=speaker, speaker_en=SPEAKERS_EN.get(speaker, ""))
        if minutes:
            meeting.minutes = minutes
            meeting.minutes_html = str(render_markdown(minutes))
            meeting.minutes_published_at = meeting.ends_at + datetime.timedelta(days=14)
            meeting.save(update_fields=["minutes", "minutes_html", "minutes_published_at"])
    return meeting


@transaction.atomic
def seed() -> int:
    groups = {g.slug: g for g in WorkingGroup.objects.all()}
    general = groups["general-meeting"]
    today = timezone.localdate()
    meetings = []
    meetings.append(_meeting(
        "カーボンニュートラル達成に貢献する大学等コアリション 設立総会",
        title_en="Founding general meeting of the University Coalition for Carbon Neutrality",
        kind=M.Kind.GENERAL, group=general, starts_at=at(datetime.date(2021, 7, 29), "15:00"),
        ends_at=at(datetime.date(2021, 7, 29), "17:00"), format=M.Format.ONLINE, visibility=M.Visibility.PUBLIC,
        description_ja="大学等コアリションの設立総会です。", description_en="The founding meeting of the coalition.",
        agenda=[("15:00", "開会・主催者挨拶", "Opening and greetings", "文部科学大臣、経済産業大臣、環境大臣"),
                ("15:20", "参加機関の紹介", "Introduction of the member institutions", "事務局"),
                ("15:40", "規約の承認", "Approval of the rules", "議長"),
                ("16:00", "講演1「大学とカーボンニュートラル」", "Lecture 1: universities and carbon neutrality",
                 "北川 悠人（甲山大学）"),
                ("16:30", "講演2「地域の脱炭素と大学の役割」", "Lecture 2: regional decarbonisation and universities",
                 "森田 彩乃（西海工業大学）"),
                ("16:55", "閉会", "Closing", "")],
        minutes=FOUNDING_MINUTES,
    ))
    meetings.append(_meeting(
        "大学等コアリション 全体シンポジウム2022",
        title_en="Coalition general symposium 2022", kind=M.Kind.SYMPOSIUM, group=None,
        starts_at=at(datetime.date(2022, 3, 11), "13:00"), ends_at=at(datetime.date(2022, 3, 11), "17:00"),
        format=M.Format.ONLINE, visibility=M.Visibility.PUBLIC,
        description_ja="基調講演、5つのWGからの報告、パネルディスカッション。",
        description_en="Keynotes, reports from the five working groups and a panel.",
        agenda=[("13:00", "基調講演", "Keynote", "文部科学省"), ("14:00", "各WGからの報告", "Reports from the working groups",
                                                            "各WG幹事機関"),
                ("16:00", "パネルディスカッション", "Panel discussion", "参加大学学長")],
        minutes=SYMPOSIUM_MINUTES,
    ))
    plans = [
        # key, group, days from today, time, hours, format, visibility, capacity, venue, en title
        ("ゼロカーボン・キャンパスWG 第8回会合", "campus", -60, "14:00", 2, M.Format.ONLINE, M.Visibility.MEMBERS, None, "",
         "Zero Carbon Campus WG, 8th meeting"),
        ("地域ゼロカーボンWG 第7回会合", "regional", -45, "10:00", 2, M.Format.HYBRID, M.Visibility.GROUP, 30,
         "信州大学 松本キャンパス 会議室A（長野県松本市旭3-1-1）", "Regional Zero Carbon WG, 7th meeting"),
        ("ゼロカーボン・キャンパスWG 現地視察（立命館大学 びわこ・くさつキャンパス）", "campus", 12, "13:30", 3,
         M.Format.HYBRID, M.Visibility.MEMBERS, 3, "立命館大学 びわこ・くさつキャンパス（滋賀県草津市野路東1-1-1）",
         "Zero Carbon Campus WG site visit (Ritsumeikan University, Biwako-Kusatsu Campus)"),
        ("地域ゼロカーボンWG 第8回会合", "regional", 20, "10:00", 2, M.Format.ONLINE, M.Visibility.GROUP, None, "",
         "Regional Zero Carbon WG, 8th meeting"),
        ("イノベーションWG 公開シンポジウム「大学発の脱炭素技術」", "innovation", 35, "13:00", 4, M.Format.HYBRID,
         M.Visibility.PUBLIC, 150, "京都大学 百周年時計台記念館（京都市左京区吉田本町）",
         "Innovation WG public symposium: decarbonisation technology from universities"),
        ("人材育成WG 公開セミナー「脱炭素人材をどう育てるか」", "human-resources", 28, "15:00", 2, M.Format.ONLINE,
         M.Visibility.PUBLIC, 300, "", "Human Resource Development WG public seminar: training people for decarbonisation"),
        ("国際連携・協力WG 海外大学とのオンライン意見交換会", "international", 42, "17:00", 2, M.Format.ONLINE,
         M.Visibility.MEMBERS, None, "", "International WG online exchange with universities abroad"),
        ("大学等コアリション 全体シンポジウム2027", None, 90, "13:00", 4, M.Format.ONLINE, M.Visibility.PUBLIC, None,
         "", "Coalition general symposium 2027"),
    ]
    for key, slug, days, time, hours, fmt, visibility, capacity, venue, title_en in plans:
        day = today + datetime.timedelta(days=days)
        starts = at(day, time)
        past = days < 0
        meeting = _meeting(
            key, title_en=title_en, kind=M.Kind.GROUP if slug else M.Kind.SYMPOSIUM,
            group=groups[slug] if slug else None, starts_at=starts, ends_at=starts + datetime.timedelta(hours=hours),
            format=fmt, visibility=visibility, capacity=capacity, venue=venue,
            online_url="https://meet.example.org/coalition-" + (slug or "general") if fmt != M.Format.IN_PERSON else "",
            registration_deadline=None if past else starts - datetime.timedelta(days=3),
            description_ja="各機関の取組を共有し、今後の活動について意見を交換します。",
            description_en="Members share their work and discuss the group's next steps.",
            agenda=[(time, "開会・趣旨説明", "Opening", "幹事機関"),
                    (f"{int(time[:2]) + 1:02d}{time[2:]}", "各機関からの取組報告", "Reports from the members", "参加機関"),
                    (f"{int(time[:2]) + hours - 1:02d}:30", "意見交換・閉会", "Discussion and closing", "")],
            minutes=WG_MINUTES.format(n=8) if past else "",
        )
        meetings.append(meeting)
    _registrations(meetings)
    seed_visitors()
    return len(meetings)


def _registrations(meetings):
    """Group members register for their groups' upcoming meetings; the site visit fills up."""
    for meeting in meetings:
        if meeting.group_id is None or meeting.group.is_general_meeting or meeting.starts_at < timezone.now():
            continue
        people = list(User.objects.filter(group_memberships__group=meeting.group,
                                          group_memberships__status=Membership.Status.ACTIVE).order_by("pk"))
        for n, user in enumerate(people):
            mode = (Registration.Mode.IN_PERSON if meeting.has_room and (n % 2 == 0 or not meeting.has_online)
                    else Registration.Mode.ONLINE)
            if Registration.objects.filter(meeting=meeting, user=user).exists():
                continue
            status = Registration.Status.CONFIRMED if has_place(meeting, mode) else Registration.Status.WAITING
            Registration.objects.create(meeting=meeting, user=user, mode=mode, status=status)


# ---------------------------------------------------------------------------------------------
# Visitors: the innovation WG's public symposium is open to the public, with a few invented visitors
# (addresses under .example), so that the visitor pages and the participant list show them.
# ---------------------------------------------------------------------------------------------
OPEN_SYMPOSIUM = "イノベーションWG 公開シンポジウム「大学発の脱炭素技術」"
DEMO_VISITORS = [
    # name, address, affiliation, language, mode, status
    ("高原 美咲", "takahara@kitayama-city.example", "北山市 環境政策課", "ja", Registration.Mode.IN_PERSON,
     VisitorRegistration.Status.CONFIRMED),
    ("Liam Okafor", "l.okafor@harbourtech.example", "Harbour Tech Consulting", "en", Registration.Mode.ONLINE,
     VisitorRegistration.Status.CONFIRMED),
    ("野々村 健", "nonomura@minato-denki.example", "みなと電機株式会社", "ja", Registration.Mode.ONLINE,
     VisitorRegistration.Status.CONFIRMED),
    ("Sofia Lindqvist", "sofia.lindqvist@nordlund-uni.example", "Nordlund University", "en",
     Registration.Mode.IN_PERSON, VisitorRegistration.Status.UNCONFIRMED),
]


def seed_visitors() -> int:
    """Open the innovation WG's upcoming public symposium to the public and register the demo
    visitors (confirmed ones take places as members do). Returns the visitors' registrations."""
    meeting = Meeting.objects.filter(title_ja=OPEN_SYMPOSIUM, visibility=M.Visibility.PUBLIC).first()
    if meeting is None or meeting.is_past:
        return 0
    if not meeting.open_to_public:
        meeting.open_to_public = True
        meeting.save(update_fields=["open_to_public", "updated_at"])
    for name, email, affiliation, language, mode, status in DEMO_VISITORS:
        if VisitorRegistration.objects.filter(meeting=meeting, email=email).exists():
            continue
        if status == VisitorRegistration.Status.CONFIRMED and not has_place(meeting, mode):
            status = VisitorRegistration.Status.WAITING
        VisitorRegistration.objects.create(
            meeting=meeting, name=name, email=email, affiliation=affiliation, language=language, mode=mode,
            status=status, confirmed_at=None if status == VisitorRegistration.Status.UNCONFIRMED else timezone.now())
    return meeting.visitor_registrations.count()
