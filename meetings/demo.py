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

FOUNDING_MINUTES_EN = """## Summary

1. The three hosting ministries (MEXT, METI and MOE) gave opening greetings.
2. The secretariat introduced the 188 participating institutions.
3. The **coalition's rules** were approved as proposed.
4. Two lectures were given.

## Next steps

Five theme working groups are set up; each holds two to four meetings a year.
"""

# The minutes of the two past group meetings: different business, different decisions. The campus
# group's are in both languages; the regional group's in Japanese only, so that English pages show
# the fallback note on a real page of the demo.
CAMPUS_MINUTES = """## 議事

- 甲山大学と西海工業大学から、2025年度のエネルギー使用量の実績（前年度比 −6.2%、−4.8%）が報告された。
- 屋根置き太陽光の第三者所有（PPA）契約について、3機関が契約書のひな形を共有した。
- 実験系建物の換気・空調の運転時間見直しについて意見交換した。

## 決定事項

- PPA 契約の論点（期間、撤去費用、停電時の扱い）を事務局が一覧にまとめ、次回までに共有する。
- 次回は立命館大学 びわこ・くさつキャンパスでの現地視察とする。
"""

CAMPUS_MINUTES_EN = """## Business

- Kozan University and Saikai Institute of Technology reported their energy use for fiscal 2025
  (−6.2% and −4.8% on the year before).
- Three institutions shared their model contracts for third-party-owned rooftop solar (PPA).
- Members discussed shorter operating hours for ventilation and air conditioning in laboratory buildings.

## Decisions

- The secretariat will list the issues of PPA contracts (term, removal costs, power cuts) before the next meeting.
- The next meeting is a site visit to Ritsumeikan University's Biwako-Kusatsu Campus.
"""

REGIONAL_MINUTES = """## 議事

- 北山市と連携する「地域脱炭素ロードマップ」策定支援の進捗を幹事機関から報告した。
- 地域の中小企業向け省エネ診断に学生が同行する試行（2社）の結果を共有した。
- 自治体職員向け研修の教材を WG で共同作成する案について検討した。

## 決定事項

- 研修教材の目次案を3機関で分担して作成し、次回会合で確認する。
- 省エネ診断の試行は対象を5社に広げて継続する。
"""


# The programmes name roles, and people only by invented names: demo data never puts words in the mouth
# of a real person (tests/coalition/test_seed_demo.py holds every speaker to these two lists).
ROLES_EN = {
    "文部科学大臣、経済産業大臣、環境大臣": "Ministers of Education (MEXT), Economy (METI) and the Environment (MOE)",
    "事務局": "Secretariat", "議長": "Chair", "文部科学省": "MEXT", "各WG幹事機関": "Coordinating institutions of each WG",
    "参加大学学長": "Presidents of member universities", "幹事機関": "Coordinating institutions",
    "参加機関": "Member institutions", "司会": "Moderator", "参加者全員": "All participants",
    "国際連携・協力WG 幹事機関": "Coordinating institution of the International WG",
}
INVENTED_SPEAKERS_EN = {
    "北川 悠人（甲山大学）": "Yuto Kitagawa (Kozan University)",
    "森田 彩乃（西海工業大学）": "Ayano Morita (Saikai Institute of Technology)",
    "岡部 真理子（東雲大学）": "Mariko Okabe (Shinonome University)",
    "Daniel Whitfield（Lakeside University）": "Daniel Whitfield (Lakeside University)",
    "平松 拓海（北山市 環境政策課）": "Takumi Hiramatsu (Kitayama City, Environmental Policy Division)",
}
# The programmes' speakers in English (a role such as 幹事機関 reads differently in each language).
SPEAKERS_EN = {**ROLES_EN, **INVENTED_SPEAKERS_EN}


def _meeting(key, **fields):
    agenda = fields.pop("agenda", [])
    minutes = fields.pop("minutes", "")
    minutes_en = fields.pop("minutes_en", "")
    meeting, created = Meeting.objects.get_or_create(title_ja=key, defaults=fields)
    if created:
        for time, item_ja, item_en, speaker in agenda:
            h, m = map(int, time.split(":"))
            AgendaItem.objects.create(meeting=meeting, time=datetime.time(h, m), item_ja=item_ja, item_en=item_en,
                                      speaker=speaker, speaker_en=SPEAKERS_EN.get(speaker, ""))
        if minutes or minutes_en:
            meeting.minutes = minutes
            meeting.minutes_html = str(render_markdown(minutes)) if minutes else ""
            meeting.minutes_en = minutes_en
            meeting.minutes_html_en = str(render_markdown(minutes_en)) if minutes_en else ""
            meeting.minutes_published_at = meeting.ends_at + datetime.timedelta(days=14)
            meeting.save(update_fields=["minutes", "minutes_html", "minutes_en", "minutes_html_en",
                                        "minutes_published_at"])
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
        minutes=FOUNDING_MINUTES, minutes_en=FOUNDING_MINUTES_EN,
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
    for plan in PLANS:
        day = today + datetime.timedelta(days=plan["days"])
        starts = at(day, plan["time"])
        past = plan["days"] < 0
        slug, fmt = plan["group"], plan["format"]
        meeting = _meeting(
            plan["title_ja"], title_en=plan["title_en"], kind=M.Kind.GROUP if slug else M.Kind.SYMPOSIUM,
            group=groups[slug] if slug else None, starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=plan["hours"]), format=fmt, visibility=plan["visibility"],
            capacity=plan.get("capacity"), venue=plan.get("venue", ""), venue_en=plan.get("venue_en", ""),
            online_url="https://meet.example.org/coalition-" + (slug or "general") if fmt != M.Format.IN_PERSON else "",
            registration_deadline=None if past else starts - datetime.timedelta(days=3),
            description_ja=plan["description_ja"], description_en=plan.get("description_en", ""),
            agenda=plan["agenda"], minutes=plan.get("minutes", ""), minutes_en=plan.get("minutes_en", ""),
        )
        meetings.append(meeting)
    _registrations(meetings)
    seed_visitors()
    return len(meetings)


# The group meetings and symposia around the day the demo is seeded ("days" from today): each with
# its own purpose, programme and, for the past ones, minutes. About half the English is missing on
# purpose (two descriptions, a set of minutes), so that English pages show the fallback.
PLANS = [
    {"title_ja": "ゼロカーボン・キャンパスWG 第8回会合", "title_en": "Zero Carbon Campus WG, 8th meeting",
     "group": "campus", "days": -60, "time": "14:00", "hours": 2, "format": M.Format.ONLINE,
     "visibility": M.Visibility.MEMBERS,
     "description_ja": "2025年度のエネルギー使用量の実績を持ち寄り、屋根置き太陽光の PPA 契約で各機関がつまずいた"
                       "点を共有します。契約書のひな形をお持ちの機関は事前に事務局へお送りください。",
     "description_en": "Members bring their energy figures for fiscal 2025 and compare what tripped them up in "
                       "rooftop-solar PPA contracts. Institutions with a model contract are asked to send it to "
                       "the secretariat beforehand.",
     "agenda": [("14:00", "開会・前回議事録の確認", "Opening; minutes of the last meeting", "幹事機関"),
                ("14:10", "2025年度 エネルギー使用量の実績報告", "Energy use in fiscal 2025", "参加機関"),
                ("14:50", "PPA 契約の事例紹介", "PPA contracts: three cases", "岡部 真理子（東雲大学）"),
                ("15:40", "意見交換・次回の案内", "Discussion; the next meeting", "司会")],
     "minutes": CAMPUS_MINUTES, "minutes_en": CAMPUS_MINUTES_EN},
    {"title_ja": "地域ゼロカーボンWG 第7回会合", "title_en": "Regional Zero Carbon WG, 7th meeting",
     "group": "regional", "days": -45, "time": "10:00", "hours": 2, "format": M.Format.HYBRID,
     "visibility": M.Visibility.GROUP, "capacity": 30,
     "venue": "信州大学 松本キャンパス 会議室A（長野県松本市旭3-1-1）",
     "venue_en": "Shinshu University, Matsumoto Campus, Meeting Room A (3-1-1 Asahi, Matsumoto, Nagano)",
     "description_ja": "自治体の脱炭素ロードマップ策定を大学がどう支えるか、北山市との連携事例を手がかりに議論します。"
                       "午後は希望者で市内の小水力発電所を見学します（任意参加）。",
     "agenda": [("10:00", "開会・趣旨説明", "Opening", "幹事機関"),
                ("10:15", "北山市との連携：ロードマップ策定支援の進捗", "Working with Kitayama City: the roadmap so far",
                 "平松 拓海（北山市 環境政策課）"),
                ("11:00", "学生が同行する省エネ診断の試行結果", "Energy audits with students: results of the trial",
                 "参加機関"),
                ("11:40", "自治体職員向け研修教材の共同作成について", "Training material for municipal staff", "司会")],
     "minutes": REGIONAL_MINUTES},
    {"title_ja": "ゼロカーボン・キャンパスWG 現地視察（立命館大学 びわこ・くさつキャンパス）",
     "title_en": "Zero Carbon Campus WG site visit (Ritsumeikan University, Biwako-Kusatsu Campus)",
     "group": "campus", "days": 12, "time": "13:30", "hours": 3, "format": M.Format.HYBRID,
     "visibility": M.Visibility.MEMBERS, "capacity": 3,
     "venue": "立命館大学 びわこ・くさつキャンパス（滋賀県草津市野路東1-1-1）",
     "venue_en": "Ritsumeikan University, Biwako-Kusatsu Campus (1-1-1 Nojihigashi, Kusatsu, Shiga)",
     "description_ja": "キャンパスのエネルギーセンターと、改修で断熱と高効率空調を入れた講義棟を見学します。"
                       "見学は定員3名（安全のため）、オンラインでは中継と質疑に参加できます。歩きやすい靴でお越しください。",
     "description_en": "A tour of the campus energy centre and of a lecture building refitted with insulation and "
                       "efficient air conditioning. Three places on site (for safety); online participants follow "
                       "the live stream and the questions. Please wear comfortable shoes.",
     "agenda": [("13:30", "受付・安全説明", "Arrival and safety briefing", "幹事機関"),
                ("13:45", "エネルギーセンター見学", "Tour of the energy centre", "幹事機関"),
                ("15:00", "改修講義棟の見学", "Tour of the refitted lecture building", "幹事機関"),
                ("16:00", "質疑応答", "Questions and answers", "参加者全員")]},
    {"title_ja": "地域ゼロカーボンWG 第8回会合", "title_en": "Regional Zero Carbon WG, 8th meeting",
     "group": "regional", "days": 20, "time": "10:00", "hours": 2, "format": M.Format.ONLINE,
     "visibility": M.Visibility.GROUP,
     "description_ja": "自治体職員向け研修教材の目次案を確認し、省エネ診断の対象を5社に広げる段取りを決めます。",
     "description_en": "We review the draft contents of the training material for municipal staff and plan how to "
                       "extend the energy audits to five companies.",
     "agenda": [("10:00", "開会", "Opening", "幹事機関"),
                ("10:10", "研修教材の目次案（3機関から）", "Training material: draft contents from three members",
                 "参加機関"),
                ("11:00", "省エネ診断の拡大計画", "Extending the energy audits", "幹事機関"),
                ("11:45", "まとめ", "Summary", "司会")]},
    {"title_ja": "イノベーションWG 公開シンポジウム「大学発の脱炭素技術」",
     "title_en": "Innovation WG public symposium: decarbonisation technology from universities",
     "group": "innovation", "days": 35, "time": "13:00", "hours": 4, "format": M.Format.HYBRID,
     "visibility": M.Visibility.PUBLIC, "capacity": 150,
     "venue": "京都大学 百周年時計台記念館（京都市左京区吉田本町）",
     "venue_en": "Kyoto University, Clock Tower Centennial Hall (Yoshida-honmachi, Sakyo-ku, Kyoto)",
     "description_ja": "水素、蓄電池、CO₂ の回収と利用。大学の研究室で生まれた技術が企業や自治体の現場に届くまでを、"
                       "研究者と導入した側の双方から聞きます。どなたでも参加できます（要登録）。",
     "description_en": "Hydrogen, batteries, capturing and using CO₂: how technology born in university "
                       "laboratories reaches companies and towns, told by the researchers and by those who took it "
                       "up. Open to everyone (registration required).",
     "agenda": [("13:00", "開会挨拶", "Welcome", "幹事機関"),
                ("13:15", "基調講演「研究室から現場へ」", "Keynote: from the laboratory to the field",
                 "北川 悠人（甲山大学）"),
                ("14:15", "事例紹介：地域の水素利用", "Case: hydrogen in a region", "森田 彩乃（西海工業大学）"),
                ("15:15", "パネルディスカッション", "Panel discussion", "参加大学学長"),
                ("16:45", "閉会", "Closing", "事務局")]},
    {"title_ja": "人材育成WG 公開セミナー「脱炭素人材をどう育てるか」",
     "title_en": "Human Resource Development WG public seminar: training people for decarbonisation",
     "group": "human-resources", "days": 28, "time": "15:00", "hours": 2, "format": M.Format.ONLINE,
     "visibility": M.Visibility.PUBLIC, "capacity": 300,
     "description_ja": "文系・理系を問わず全学生が受けられる脱炭素の入門科目を、2つの大学が開講した経験から紹介します。"
                       "シラバスと評価の方法も共有します。",
     "agenda": [("15:00", "趣旨説明", "Introduction", "幹事機関"),
                ("15:10", "全学必修の入門科目をつくる", "Building an introductory course for every student",
                 "岡部 真理子（東雲大学）"),
                ("15:50", "企業と組む課題解決型授業", "Project courses with companies", "参加機関"),
                ("16:30", "質疑応答", "Questions and answers", "司会")]},
    {"title_ja": "国際連携・協力WG 海外大学とのオンライン意見交換会",
     "title_en": "International WG online exchange with universities abroad",
     "group": "international", "days": 42, "time": "17:00", "hours": 2, "format": M.Format.ONLINE,
     "visibility": M.Visibility.MEMBERS,
     "description_ja": "英国と北欧の大学の担当者を招き、キャンパスの排出量算定（スコープ3を含む）の進め方を英語で"
                       "意見交換します。日本語の逐次通訳はありません。",
     "description_en": "Staff of universities in the UK and the Nordic countries join us to compare how campus "
                       "emissions are counted, Scope 3 included. The exchange is in English, without interpreting.",
     "agenda": [("17:00", "開会", "Opening", "国際連携・協力WG 幹事機関"),
                ("17:10", "英国の大学におけるスコープ3の算定", "Counting Scope 3 at a UK university",
                 "Daniel Whitfield（Lakeside University）"),
                ("17:50", "日本の大学からの報告", "Reports from Japanese members", "参加機関"),
                ("18:30", "自由討議", "Open discussion", "参加者全員")]},
    {"title_ja": "大学等コアリション 全体シンポジウム2027", "title_en": "Coalition general symposium 2027",
     "group": None, "days": 90, "time": "13:00", "hours": 4, "format": M.Format.ONLINE,
     "visibility": M.Visibility.PUBLIC,
     "description_ja": "5つのワーキンググループが1年間の成果を報告し、会員機関の学生によるポスター発表をオンラインで"
                       "行います。最後に、次年度に向けたコアリションの声明案を紹介します。",
     "description_en": "The five working groups report on their year, students of member institutions present "
                       "posters online, and the coalition's draft statement for the coming year is introduced.",
     "agenda": [("13:00", "開会・主催者挨拶", "Opening and greetings", "文部科学省"),
                ("13:20", "各WGからの成果報告", "Reports from the working groups", "各WG幹事機関"),
                ("15:00", "学生ポスター発表（オンライン）", "Student posters (online)", "参加機関"),
                ("16:30", "声明案の紹介・閉会", "The draft statement; closing", "事務局")]},
]


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
