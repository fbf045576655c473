"""Demo news, announcements and statements, in both languages for about half of them (so that
the fallback note shows), and a few newsletter subscribers at example.* addresses. Idempotent:
keyed by the slug. Facts only where docs/domain.md states them (the founding meeting, the 2022
symposium, the five groups); every statement's wording is written for the demo."""

import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from meetings.models import Meeting
from members.i18n import fold
from members.markup import render_markdown
from working_groups.models import WorkingGroup

from .models import NewsItem

TOKYO = ZoneInfo("Asia/Tokyo")


def _at(y, m, d, hh=10):
    return datetime.datetime(y, m, d, hh, 0, tzinfo=TOKYO)


# slug, kind, group slug, adopted by (group slug), adopted on, meeting key (Japanese title), published,
# title ja, title en, summary ja, summary en, body ja, body en
ITEMS = [
    ("founding-statement-2021", NewsItem.Kind.STATEMENT, None, "general-meeting", datetime.date(2021, 7, 29),
     "カーボンニュートラル達成に貢献する大学等コアリション 設立総会", _at(2021, 7, 30),
     "大学等コアリション設立にあたっての共同声明（デモ）",
     "Joint statement on the founding of the coalition (demo)",
     "設立総会で採択された、参加機関が共に取り組む姿勢を示す声明です。",
     "The statement adopted at the founding general meeting on how the members will work together.",
     "## 声明\n\n私たち参加機関は、それぞれの強みを生かし、キャンパスから地域、国、世界へと"
     "カーボンニュートラルの取組を広げることを目指します。\n\n"
     "1. 取組の知見を参加機関の間で共有し、横展開します。\n"
     "2. 自治体・企業との連携を強め、研究成果の社会実装を進めます。\n"
     "3. 国内外への発信力を高めます。\n\n*この文面はデモ用に作成したものです。*",
     "## Statement\n\nWe, the member institutions, will each bring our strengths to carry carbon-neutrality "
     "work from campus to region, nation and world.\n\n"
     "1. We share what we learn from our initiatives so that others can do the same.\n"
     "2. We work more closely with local governments and companies to put research to use.\n"
     "3. We strengthen how we communicate at home and abroad.\n\n*This text was written for the demo.*"),
    ("general-symposium-2022", NewsItem.Kind.ANNOUNCEMENT, None, None, None,
     "大学等コアリション 全体シンポジウム2022", _at(2022, 2, 10),
     "全体シンポジウム2022を3月11日にオンラインで開催します",
     "General symposium 2022 online on 11 March",
     "基調講演、5つのWGからの報告、パネルディスカッションを予定しています。",
     "Keynotes, reports from the five working groups and a panel discussion.",
     "2022年3月11日（金）13時から、全体シンポジウムをオンラインで開催します。"
     "各ワーキンググループの幹事機関が1年目の活動を報告します。参加登録は会合のページから。",
     "The coalition's general symposium takes place online on Friday 11 March 2022 from 13:00 JST. "
     "The coordinating institutions of each working group report on the first year. Register on the meeting's page."),
    ("regional-proposal-2024", NewsItem.Kind.STATEMENT, "regional", "regional", datetime.date(2024, 2, 16),
     None, _at(2024, 2, 20),
     "地域ゼロカーボンWG 提言「大学と自治体の脱炭素連携協定のひな形」（デモ）",
     "",
     "大学と自治体が脱炭素の連携協定を結ぶときの論点をまとめた提言です。",
     "",
     "## 提言の要旨\n\n- 協定には目標年、役割分担、データ共有の範囲を明記する。\n"
     "- 学生が参加できる実証の場を設ける。\n- 年に一度、進捗を公開する。\n\n*この文面はデモ用に作成したものです。*",
     ""),
    ("campus-wg-site-visit-report", NewsItem.Kind.NEWS, "campus", None, None, None, _at(2024, 11, 5),
     "ゼロカーボン・キャンパスWG 現地視察の報告",
     "Zero Carbon Campus WG: report of the site visit",
     "ZEB化した講義棟と太陽光発電設備を見学しました。",
     "Members toured a lecture building renovated to net-zero energy and a rooftop solar plant.",
     "視察には18機関から32名が参加し、改修の費用と効果について意見交換しました。",
     "32 people from 18 institutions took part and compared the cost and effect of the renovation."),
    ("international-wg-exchange-2025", NewsItem.Kind.NEWS, "international", None, None, None, _at(2025, 6, 12),
     "",
     "International WG meets universities abroad",
     "",
     "An online exchange with university networks in Europe and Asia on campus decarbonisation.",
     "",
     "The International Collaboration and Cooperation WG held an online exchange with representatives of "
     "university climate networks abroad (demo participants: Example University, Sample Institute of Technology). "
     "Topics: shared emission reporting, student exchanges and joint statements."),
    ("human-resources-course-catalogue", NewsItem.Kind.NEWS, "human-resources", None, None, None, _at(2025, 4, 1),
     "人材育成WG 脱炭素関連科目の一覧を公開",
     "",
     "参加機関が開講する脱炭素関連の授業の一覧を作りました。",
     "",
     "一覧には42機関の授業を掲載しています（デモ）。追加は各機関の担当者から受け付けます。",
     ""),
    ("website-renewed", NewsItem.Kind.ANNOUNCEMENT, None, None, None, None, _at(2025, 10, 1),
     "ポータルサイトを公開しました",
     "The coalition portal is online",
     "会員名簿、取組事例、会合の案内を一か所にまとめました。",
     "The member directory, initiatives and meetings are now in one place.",
     "新しいポータルでは、取組事例の検索、会合への参加登録、ニュースの購読ができます。",
     "On the new portal you can search initiatives, register for meetings and follow the news."),
    ("innovation-wg-call-2025", NewsItem.Kind.ANNOUNCEMENT, "innovation", None, None, None, _at(2025, 9, 15),
     "イノベーションWG 共同研究テーマの募集",
     "Innovation WG: call for joint research themes",
     "企業・自治体との共同研究の候補テーマを募集します。",
     "The group invites themes for joint research with companies and local governments.",
     "応募はWGの会員ページから。締切は11月末です（デモ）。",
     "Apply from the group's members' page by the end of November (demo)."),
]


@transaction.atomic
def seed() -> int:
    groups = {g.slug: g for g in WorkingGroup.objects.all()}
    for (slug, kind, group, adopted_by, adopted_on, meeting_key, published_at, title_ja, title_en, summary_ja,
         summary_en, body_ja, body_en) in ITEMS:
        if NewsItem.objects.filter(slug=slug).exists():
            continue
        meeting = Meeting.objects.filter(title_ja=meeting_key).first() if meeting_key else None
        NewsItem.objects.create(
            slug=slug, kind=kind, group=groups.get(group), adopted_by=groups.get(adopted_by), adopted_on=adopted_on,
            meeting=meeting, language="en" if not title_ja else "ja", title_ja=title_ja, title_en=title_en,
            summary_ja=summary_ja, summary_en=summary_en, body_ja=body_ja, body_en=body_en,
            body_html_ja=render_markdown(body_ja), body_html_en=render_markdown(body_en),
            status=NewsItem.Status.PUBLISHED, published_at=published_at, year=published_at.year,
            search_text=fold(" ".join((title_ja, title_en, summary_ja, summary_en, body_ja, body_en))),
            created_at=published_at or timezone.now(),
        )
    return NewsItem.objects.count()
