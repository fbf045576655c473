#!/usr/bin/env python
"""Fill a PostgreSQL database with a coalition of a given size, for the benchmarks.

    .venv/bin/python bench/seed.py --scale real     # 200 institutions, 2,000 users, 2,000 initiatives ...
    .venv/bin/python bench/seed.py --scale large    # 15,000 / 100,000 / 200,000 / 20,000 / 500,000
                                                    # (+ 20,000 partners, 50,000 needs, 50,000 expertise)

The database (coalition_bench_<scale>) is dropped and created again, migrated, then filled with
COPY (not one INSERT per row), with realistic Japanese and English text; the heavy trigram index is
built after the initiatives are in. Progress (rows, rate, time left) goes to stderr.
"""

import argparse
import datetime
import json
import random
import sys
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime.now(datetime.UTC).replace(microsecond=0)

# Pieces of names, with their readings, for institutions that look like the real ones.
WORDS = [
    ("未来", "みらい", "Mirai"),
    ("環境", "かんきょう", "Environmental"),
    ("科学", "かがく", "Science"),
    ("国際", "こくさい", "International"),
    ("総合", "そうごう", "Comprehensive"),
    ("中央", "ちゅうおう", "Chuo"),
    ("学園", "がくえん", "Gakuen"),
    ("技術", "ぎじゅつ", "Technology"),
    ("文化", "ぶんか", "Culture"),
    ("健康", "けんこう", "Health"),
    ("情報", "じょうほう", "Information"),
    ("海洋", "かいよう", "Marine"),
    ("農工", "のうこう", "Agriculture and Technology"),
    ("創造", "そうぞう", "Creative"),
    ("緑", "みどり", "Green"),
    ("東", "ひがし", "East"),
    ("西", "にし", "West"),
    ("北", "きた", "North"),
    ("南", "みなみ", "South"),
    ("平和", "へいわ", "Peace"),
]
KINDS = [
    ("大学", "だいがく", "University", "national"),
    ("県立大学", "けんりつだいがく", "Prefectural University", "public"),
    ("市立大学", "しりつだいがく", "City University", "public"),
    ("工業大学", "こうぎょうだいがく", "Institute of Technology", "private"),
    ("学院大学", "がくいんだいがく", "Gakuin University", "private"),
    ("女子大学", "じょしだいがく", "Women's University", "private"),
    ("工業高等専門学校", "こうぎょうこうとうせんもんがっこう", "College of Technology", "kosen"),
    ("研究所", "けんきゅうしょ", "Research Institute", "research"),
    ("株式会社", "かぶしきがいしゃ", "Co., Ltd.", "company"),
    ("市", "し", "City", "local-government"),
]
FAMILY = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "斎藤",
    "清水",
]
GIVEN = [
    "陽子",
    "健",
    "美咲",
    "翔",
    "葵",
    "大輔",
    "恵",
    "拓也",
    "彩",
    "誠",
    "由美",
    "亮",
    "紗希",
    "航",
    "智子",
    "一郎",
    "真理",
    "修",
    "直子",
    "宗一郎",
]
EXTRA_JA = [
    "学生と教職員が一体となって取り組み、成果を地域の自治体や企業と共有しています。",
    "エネルギー使用量は毎月ウェブサイトで公開し、改善の効果を検証しています。",
    "他の会員機関からの視察も受け入れており、ノウハウの横展開を進めています。",
    "今後は対象を全キャンパスに広げ、2030年までに排出量の半減を目指します。",
    "地元の高校と連携した出前授業も行い、次の世代への教育にも力を入れています。",
]
EXTRA_EN = [
    "Students and staff run it together and share the results with local governments and companies.",
    "Energy use is published every month so that the effect of each measure can be checked.",
    "Other members visit regularly, and the know-how is spreading across the coalition.",
    "The next step extends it to every campus, aiming to halve emissions by 2030.",
]
RARE_JA = "ナトリウムイオン蓄電池を使った実証も始めました。"
RARE_EN = "A sodium-ion battery trial has also started."


def pick(rng, items):
    return items[rng.randrange(len(items))]


def copy_rows(cursor, model, rows, progress, extra_columns=None):
    """COPY ``rows`` (dicts keyed by column name) into ``model``'s table; missing columns take the
    field's default."""
    from django.db.models import CharField, JSONField, TextField

    fields = list(model._meta.concrete_fields)
    columns = [f.column for f in fields]
    defaults = {}
    for f in fields:
        if f.has_default():
            default = f.get_default()
            defaults[f.column] = json.dumps(default) if isinstance(f, JSONField) else default
        elif f.null:
            defaults[f.column] = None
        elif isinstance(f, (CharField, TextField)):
            defaults[f.column] = ""
    # any other column (not text, not nullable, no default: a new date field) must be given by
    # ``rows``: a KeyError naming it, not COPY's "invalid input syntax" for an empty string
    json_columns = {f.column for f in fields if isinstance(f, JSONField)}
    table_name = model._meta.db_table
    with cursor.copy(
        f'COPY "{table_name}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) FROM STDIN'
    ) as copy:
        for row in rows:
            values = []
            for c in columns:
                value = row[c] if c in row else defaults[c]
                if c in json_columns and not isinstance(value, str):
                    value = json.dumps(value, ensure_ascii=False)
                values.append(value)
            copy.write_row(values)
            progress.add()
    return progress.close()


def through_rows(cursor, through, rows, progress):
    columns = [f.column for f in through._meta.concrete_fields if f.column != "id"]
    with cursor.copy(f'COPY "{through._meta.db_table}" ({", ".join(columns)}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])
            progress.add()
    return progress.close()


def create_database(name: str):
    import psycopg

    with psycopg.connect(f"{common.PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(scale: str) -> dict:
    sizes = common.SCALES[scale]
    started = time.monotonic()
    create_database(common.database_name(scale))
    common.setup_django(scale)

    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    from meetings.calendar import events_store
    from meetings.models import AgendaItem, Meeting, MeetingEvent, Registration
    from members.i18n import fold
    from members.markup import render_markdown
    from members.models import Affiliation, EmailDomain, Institution, User
    from members.regions import PREFECTURES
    from working_groups.demo import GROUPS
    from working_groups.demo_initiatives import TOPICS
    from working_groups.models import Initiative, Membership, Participation, WorkingGroup
    from working_groups.progress.models import Adoption, Commitment, YearlyReport

    sys.stderr.write(f"seeding {common.database_name(scale)}: {sizes}\n")
    call_command("migrate", verbosity=0)
    rng = random.Random(2021_07_29)
    timings = {}
    n_inst, n_users = sizes["institutions"], sizes["users"]

    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor, for COPY

        # institutions -------------------------------------------------------------------------
        def institutions():
            for i in range(1, n_inst + 1):
                pref = PREFECTURES[(i * 7) % 47]
                word_ja, word_kana, word_en = WORDS[(i // 47) % len(WORDS)]
                kind_ja, kind_kana, kind_en, kind = KINDS[i % len(KINDS)] if i % 5 else KINDS[0]
                pref_ja = pref.name_ja if pref.name_ja == "北海道" else pref.name_ja[:-1]
                serial = i // (47 * len(WORDS))
                suffix = f"第{serial + 1}" if serial else ""
                name_ja = f"{pref_ja}{word_ja}{kind_ja}{suffix}"
                name_en = f"{pref.name_en} {word_en} {kind_en}" + (f" {serial + 1}" if serial else "")
                name_kana = f"{word_kana}{kind_kana}"
                joined = (
                    (NOW - datetime.timedelta(days=3)).date()
                    if i <= 10
                    else datetime.date(2021, 7, 29) + datetime.timedelta(days=rng.randrange(1500))
                )
                status = "active" if i % 50 else ("suspended" if i % 100 else "withdrawn")
                category = "cooperating" if kind in ("research", "company", "local-government") else "participating"
                yield {
                    "id": i,
                    "name_ja": name_ja,
                    "name_en": name_en,
                    "name_kana": name_kana,
                    "slug": f"member-{i}",
                    "kind": kind,
                    "category": category,
                    "prefecture": pref.code,
                    "website": f"https://www.member-{i}.example/",
                    "logo": "",
                    "profile_ja": f"{name_ja}は{pref.name_ja}でカーボンニュートラルに取り組んでいます。"
                    + pick(rng, EXTRA_JA),
                    "profile_en": f"{name_en} works toward carbon neutrality in {pref.name_en}. " + pick(rng, EXTRA_EN),
                    "status": status,
                    "joined_on": joined,
                    "target_year": rng.choice([None, 2030, 2040, 2050]),
                    "search_text": fold(f"{name_ja} {name_en} {name_kana}"),
                    "created_at": NOW,
                    "updated_at": NOW,
                }

        timings["institutions"] = copy_rows(
            cursor, Institution, institutions(), common.Progress("institutions", n_inst)
        )
        timings["email domains"] = copy_rows(
            cursor,
            EmailDomain,
            ({"id": i, "institution_id": i, "domain": f"member-{i}.example"} for i in range(1, n_inst + 1)),
            common.Progress("email domains", n_inst),
        )

        # groups and participations ------------------------------------------------------------
        groups = []
        for order, (slug, tier, name_ja, name_en, _coordinators, desc_ja, desc_en) in enumerate(GROUPS):
            group = WorkingGroup.objects.create(
                slug=slug,
                tier=tier,
                name_ja=name_ja,
                name_en=name_en,
                description_ja=desc_ja,
                description_en=desc_en,
                order=order * 10,
            )
            groups.append(group)
        themes = [g for g in groups if not g.is_general_meeting]
        for n, group in enumerate(themes):
            group.coordinators.add(*range(1 + n * 2, 3 + n * 2))
        inst_groups = {i: sorted({themes[i % 5].pk, themes[(i * 3 + 1) % 5].pk}) for i in range(1, n_inst + 1)}
        timings["participations"] = copy_rows(
            cursor,
            Participation,
            (
                {
                    "id": n,
                    "group_id": g,
                    "institution_id": i,
                    "status": "active",
                    "message": "",
                    "reason": "",
                    "created_at": NOW,
                }
                for n, (i, g) in enumerate(((i, g) for i, gs in inst_groups.items() for g in gs), start=1)
            ),
            common.Progress("participations", sum(len(v) for v in inst_groups.values())),
        )

        # users, addresses, affiliations, memberships -----------------------------------------
        password = make_password(common.PASSWORD)

        def user_inst(u):
            return (u - 1) % n_inst + 1

        timings["users"] = copy_rows(
            cursor,
            User,
            (
                {
                    "id": u,
                    "password": password,
                    "last_login": None,
                    "is_superuser": False,
                    "email": f"user{u}@member-{user_inst(u)}.example",
                    "name": f"{FAMILY[u % 20]} {GIVEN[(u // 20) % 20]}",
                    "language": "en" if u % 7 == 0 else "ja",
                    "is_active": True,
                    "is_staff": False,
                    "date_joined": NOW,
                }
                for u in range(1, n_users + 1)
            ),
            common.Progress("users", n_users),
        )
        timings["e-mail addresses"] = copy_rows(
            cursor,
            EmailAddress,
            (
                {
                    "id": u,
                    "user_id": u,
                    "email": f"user{u}@member-{user_inst(u)}.example",
                    "verified": True,
                    "primary": True,
                }
                for u in range(1, n_users + 1)
            ),
            common.Progress("e-mail addresses", n_users),
        )
        timings["affiliations"] = copy_rows(
            cursor,
            Affiliation,
            (
                {
                    "id": u,
                    "user_id": u,
                    "institution_id": user_inst(u),
                    "role": "representative" if u <= n_inst else ("contact" if u <= 2 * n_inst else "staff"),
                    "status": "approved",
                    "title": "",
                    "message": "",
                    "reason": "",
                    "decided_by_id": None,
                    "decided_at": NOW,
                    "created_at": NOW,
                }
                for u in range(1, n_users + 1)
            ),
            common.Progress("affiliations", n_users),
        )
        member_rows = [
            (u, inst_groups[user_inst(u)][u % 2 if len(inst_groups[user_inst(u)]) > 1 else 0])
            for u in range(1, n_users + 1)
            if u % 5 != 0
        ]
        timings["group members"] = copy_rows(
            cursor,
            Membership,
            (
                {
                    "id": n,
                    "group_id": g,
                    "user_id": u,
                    "institution_id": user_inst(u),
                    "status": "active",
                    "message": "",
                    "reason": "",
                    "created_at": NOW,
                }
                for n, (u, g) in enumerate(member_rows, start=1)
            ),
            common.Progress("group members", len(member_rows)),
        )

        # initiatives -----------------------------------------------------------------------------
        n_init = sizes["initiatives"]
        connection.cursor().execute("DROP INDEX IF EXISTS working_groups_initiative_search_trgm")
        topics = [
            dict(
                zip(
                    (
                        "key",
                        "themes",
                        "language",
                        "title_ja",
                        "title_en",
                        "summary_ja",
                        "summary_en",
                        "body",
                        "outcomes",
                        "co2",
                        "kw",
                        "partners",
                        "slugs",
                    ),
                    t,
                    strict=True,
                )
            )
            for t in TOPICS
        ]
        rendered = {t["key"]: str(render_markdown(t["body"])) for t in topics}
        extras_html = {p: str(render_markdown(p)) for p in EXTRA_JA + EXTRA_EN + [RARE_JA, RARE_EN]}
        theme_of = {g.slug: g.pk for g in themes}
        theme_rows = []
        span = int((NOW - datetime.datetime(2021, 8, 1, tzinfo=datetime.UTC)).total_seconds())

        def initiatives():
            for i in range(1, n_init + 1):
                t = topics[i % len(topics)]
                inst = (i * 13) % n_inst + 1
                pref = PREFECTURES[(inst * 7) % 47]
                english = t["language"] == "en"
                extra = EXTRA_EN if english else EXTRA_JA
                paragraphs = [pick(rng, extra), pick(rng, extra)]
                if i % 2000 == 1:
                    paragraphs.append(RARE_EN if english else RARE_JA)
                body = t["body"] + "\n\n" + "\n\n".join(paragraphs)
                body_html = rendered[t["key"]] + "\n" + "\n".join(extras_html[p] for p in paragraphs)
                title = (t["title_en"] if english else t["title_ja"]) + f"（{pref.name_ja}・{i}）"
                title_tr = (t["title_ja"] if english else t["title_en"]) + f" ({pref.name_en} {i})"
                summary = t["summary_en"] if english else t["summary_ja"]
                summary_tr = t["summary_ja"] if english else t["summary_en"]
                published = (
                    NOW - datetime.timedelta(seconds=(i * 2654435761) % span)
                    if i > 50
                    else NOW - datetime.timedelta(days=2, seconds=i)
                )  # a few in the digest's week
                started = (published - datetime.timedelta(days=60 + i % 300)).date()
                status = "published" if i % 20 else ("draft" if i % 40 else "archived")
                for slug in t["themes"]:
                    theme_rows.append({"initiative_id": i, "workinggroup_id": theme_of[slug]})
                yield {
                    "id": i,
                    "institution_id": inst,
                    "author_id": inst,
                    "slug": f"initiative-{i}",
                    "language": t["language"],
                    "title": title,
                    "summary": summary,
                    "body": body,
                    "title_translated": title_tr,
                    "summary_translated": summary_tr,
                    "partners": t["partners"],
                    "prefecture": pref.code,
                    "started_on": started,
                    "ended_on": None,
                    "outcomes": t["outcomes"],
                    "co2_reduction": t["co2"],
                    "capacity_kw": t["kw"],
                    "cover": "",
                    "cover_alt": "",
                    "links": "[]",
                    "status": status,
                    "visibility": "members" if i % 7 == 0 else "public",
                    "unpublished_reason": "",
                    "published_at": None if status == "draft" else published,
                    "year": started.year,
                    "body_html": body_html,
                    "search_text": fold(
                        " ".join([title, title_tr, summary, summary_tr, body, t["partners"], t["outcomes"]])
                    ),
                    "created_at": published,
                    "updated_at": published,
                }

        timings["initiatives"] = copy_rows(cursor, Initiative, initiatives(), common.Progress("initiatives", n_init))
        timings["initiative themes"] = through_rows(
            cursor, Initiative.themes.through, theme_rows, common.Progress("initiative themes", len(theme_rows))
        )
        index_started = time.monotonic()
        sys.stderr.write("  building the trigram index ...")
        sys.stderr.flush()
        connection.cursor().execute(
            "CREATE INDEX working_groups_initiative_search_trgm ON working_groups_initiative "
            "USING gin (search_text gin_trgm_ops)"
        )
        timings["trigram index"] = time.monotonic() - index_started
        sys.stderr.write(f" {timings['trigram index']:.1f} s\n")

        # meetings, agendas, registrations ---------------------------------------------------------
        n_meet = sizes["meetings"]
        first = datetime.datetime(2021, 7, 29, 6, 0, tzinfo=datetime.UTC)
        last = NOW + datetime.timedelta(days=400)
        meeting_span = int((last - first).total_seconds())

        def meetings():
            for m in range(1, n_meet + 1):
                group = themes[m % 5] if m % 10 else (groups[0] if m % 20 == 0 else None)
                kind = (
                    "group"
                    if group is not None and not group.is_general_meeting
                    else ("general" if group is not None else "symposium")
                )
                starts = first + datetime.timedelta(seconds=(m * 2654435761) % meeting_span)
                starts = starts.replace(minute=0, second=0)
                fmt = ("online", "hybrid", "in_person")[m % 3]
                title_ja = f"{group.name_ja if group else '全体シンポジウム'} 第{m}回"
                title_en = f"{group.name_en if group else 'General symposium'} no. {m}"
                description_ja = "各機関の取組を共有し、意見を交換します。"
                description_en = "Members share their work and discuss."
                yield {
                    "id": m,
                    "kind": kind,
                    "group_id": group.pk if group else None,
                    "title_ja": title_ja,
                    "title_en": title_en,
                    "description_ja": description_ja,
                    "description_en": description_en,
                    "search_text": fold(f"{title_ja} {title_en} {description_ja} {description_en}"),
                    "starts_at": starts,
                    "ends_at": starts + datetime.timedelta(hours=2),
                    "format": fmt,
                    "venue": "" if fmt == "online" else "会議室A",
                    "online_url": "" if fmt == "in_person" else "https://meet.example.org/room",
                    "capacity": 40 if m % 4 == 0 else None,
                    "registration_deadline": None,
                    "visibility": rng.choice(("public", "members", "group")) if kind == "group" else "public",
                    "status": "cancelled" if m % 97 == 0 else "scheduled",
                    "cancel_reason": "",
                    "uid": uuid.uuid4(),
                    "sequence": 0,
                    "minutes": "",
                    "minutes_html": "",
                    "minutes_published_at": None,
                    "reminded_week_for": None,
                    "reminded_day_for": None,
                    "created_by_id": None,
                    "created_at": NOW,
                    "updated_at": NOW,
                }

        timings["meetings"] = copy_rows(cursor, Meeting, meetings(), common.Progress("meetings", n_meet))
        timings["agenda items"] = copy_rows(
            cursor,
            AgendaItem,
            (
                {
                    "id": (m - 1) * 3 + k + 1,
                    "meeting_id": m,
                    "time": datetime.time(13 + k, 0),
                    "item_ja": item_ja,
                    "item_en": item_en,
                    "speaker": speaker,
                }
                for m in range(1, n_meet + 1)
                for k, (item_ja, item_en, speaker) in enumerate(
                    [
                        ("開会", "Opening", "幹事機関"),
                        ("取組報告", "Reports", "参加機関"),
                        ("意見交換", "Discussion", ""),
                    ]
                )
            ),
            common.Progress("agenda items", n_meet * 3),
        )
        n_reg = sizes["registrations"]
        per_meeting = max(1, n_reg // n_meet)

        def registrations():
            rid = 0
            for m in range(1, n_meet + 1):
                for u in rng.sample(range(1, n_users + 1), min(per_meeting, n_users)):
                    rid += 1
                    if rid > n_reg:
                        return
                    yield {
                        "id": rid,
                        "meeting_id": m,
                        "user_id": u,
                        "mode": "online" if rid % 3 else "in_person",
                        "status": "confirmed" if rid % 11 else "declined",
                        "queued_at": NOW,
                        "attended": None,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }

        timings["registrations"] = copy_rows(
            cursor, Registration, registrations(), common.Progress("registrations", min(n_reg, per_meeting * n_meet))
        )

        # progress: a commitment and five fiscal years of published figures for every institution
        # (one in four keeps them to members), and adoptions of initiatives ---------------------------
        last_fy = (NOW.year if NOW.month >= 4 else NOW.year - 1) - 1

        def commitments():
            for i in range(1, n_inst + 1):
                yield {"id": i, "institution_id": i, "target_year": 2050, "baseline_year": 2013,
                       "baseline_emissions": 5000 + (i * 37) % 40000, "interim_year": 2030, "interim_reduction": 50,
                       "visibility": "members" if i % 4 == 0 else "public", "updated_at": NOW}

        def reports():
            n = 0
            for i in range(1, n_inst + 1):
                base = 5000 + (i * 37) % 40000
                for k, year in enumerate(range(last_fy - 4, last_fy + 1)):
                    n += 1
                    total = base * (0.97 ** (year - 2013)) * (0.9 + 0.2 * rng.random())
                    yield {"id": n, "institution_id": i, "fiscal_year": year, "scope1": round(total * 0.3, 1),
                           "scope2": round(total * 0.7, 1), "energy_gj": round(total * 16, 1),
                           "renewable_share": round(min(95, 5 + 4 * k + 10 * rng.random()), 1),
                           "floor_area": int(base * 8), "headcount": int(base * 0.9) + 1, "status": "published",
                           "created_at": NOW, "updated_at": NOW}

        n_adoptions = sizes.get("adoptions", n_init // 4)

        def adoptions():
            seen = set()
            n = 0
            while n < n_adoptions:
                initiative = rng.randrange(1, n_init + 1)
                owner = (initiative * 13) % n_inst + 1
                adopter = rng.randrange(1, n_inst + 1)
                if adopter == owner or (initiative, adopter) in seen:
                    continue
                seen.add((initiative, adopter))
                n += 1
                yield {"id": n, "initiative_id": initiative, "institution_id": adopter, "kind": "adapted",
                       "year": 2022 + rng.randrange(5), "created_at": NOW}

        timings["commitments"] = copy_rows(cursor, Commitment, commitments(), common.Progress("commitments", n_inst))
        timings["yearly reports"] = copy_rows(cursor, YearlyReport, reports(),
                                              common.Progress("yearly reports", n_inst * 5))
        timings["adoptions"] = copy_rows(cursor, Adoption, adoptions(), common.Progress("adoptions", n_adoptions))
        # each initiative's count of its adoptions (a saved adoption recounts it; COPY does not)
        from working_groups.progress.services import adoptions_recount_all

        adoptions_recount_all()
        # each commitment's copy of its latest published report (saving a report keeps it; COPY does not)
        from working_groups.progress.services import commitments_refresh

        latest_started = time.monotonic()
        commitments_refresh()
        timings["commitments' latest reports"] = time.monotonic() - latest_started

        # cooperation: partners (towns, prefectures, companies, NPOs), their needs in every status, and
        # what members' labs offer; texts from the demo's, numbered so that each row is its own ------
        from working_groups.cooperation import demo as cooperation_demo
        from working_groups.cooperation.models import Expertise, Need, Partner

        n_partners = sizes.get("partners", n_inst * 5)
        n_needs = sizes.get("needs", n_inst * 10)
        n_expertise = sizes.get("expertise", n_inst * 10)
        partner_kinds = [("municipality", "市", "City"), ("municipality", "町", "Town"),
                         ("company", "株式会社", "Co., Ltd."), ("npo", "NPO法人", "NPO"),
                         ("prefecture", "県庁", "Prefectural Office"), ("other", "協同組合", "Cooperative")]

        def partner_pref(p):
            return PREFECTURES[(p * 11) % 47]

        def partners():
            for p in range(1, n_partners + 1):
                pref = partner_pref(p)
                kind, kind_ja, kind_en = partner_kinds[p % len(partner_kinds)]
                word_ja, _kana, word_en = WORDS[(p // 47) % len(WORDS)]
                pref_ja = pref.name_ja if pref.name_ja == "北海道" else pref.name_ja[:-1]
                name_ja = f"{pref_ja}{word_ja}{kind_ja}（架空・{p}）"
                name_en = f"{pref.name_en} {word_en} {kind_en} (fictional {p})"
                profile_ja = f"{name_ja}は{pref.name_ja}で脱炭素に取り組む架空の組織です。"
                profile_en = f"A fictional organisation working on decarbonisation in {pref.name_en}."
                yield {"id": p, "slug": f"partner-{p}", "kind": kind, "name_ja": name_ja, "name_en": name_en,
                       "prefecture": pref.code, "website": f"https://partner-{p}.example/",
                       "profile_ja": profile_ja, "profile_en": profile_en, "institution_id": None,
                       "search_text": fold(" ".join([name_ja, name_en, profile_ja, profile_en])),
                       "created_at": NOW, "updated_at": NOW}

        need_texts = [(t[2], t[3], t[5], t[6], t[7]) for t in cooperation_demo.NEEDS + cooperation_demo.NEEDS_EN]
        need_html = {t[3]: str(render_markdown(t[3])) for t in need_texts}
        need_statuses = ["published"] * 14 + ["in-discussion"] * 2 + ["matched"] * 2 + ["closed", "submitted"]
        need_theme_rows, expertise_theme_rows = [], []

        def needs():
            for n in range(1, n_needs + 1):
                help_kind, themes_of_need, title, description, period = need_texts[n % len(need_texts)]
                partner = (n * 7) % n_partners + 1
                pref = "" if n % 10 == 0 else partner_pref(partner).code
                status = need_statuses[n % len(need_statuses)]
                published = None if status == "submitted" else NOW - datetime.timedelta(
                    seconds=(n * 2654435761) % span)
                full_title = f"{title}（{n}）"
                name = f"partner-{partner}"
                for slug in themes_of_need:
                    need_theme_rows.append({"need_id": n, "workinggroup_id": theme_of[slug]})
                yield {"id": n, "partner_id": partner, "title": full_title, "description": description,
                       "description_html": need_html[description], "prefecture": pref, "help_kind": help_kind,
                       "period": period, "status": status, "reason": "", "organisation": name,
                       "organisation_kind": "municipality", "contact_name": "担当者", "contact_role": "",
                       "contact_email": f"needs-{n}@{name}.example", "language": "ja",
                       "confirmed_at": NOW, "reviewed_by_id": None, "published_at": published,
                       "year": (published or NOW).year, "initiative_id": None,
                       "search_text": fold(" ".join([full_title, description, period])),
                       "created_at": published or NOW, "updated_at": published or NOW}

        expertise_html = {t[4]: str(render_markdown(t[4])) for t in cooperation_demo.TOPICS}

        def expertise():
            for e in range(1, n_expertise + 1):
                title, keywords, themes_of_entry, nationwide, description = cooperation_demo.TOPICS[
                    e % len(cooperation_demo.TOPICS)]
                inst = (e * 11) % n_inst + 1
                author = inst + 2 * n_inst if inst + 2 * n_inst <= n_users else inst  # staff, or the representative
                pref = PREFECTURES[(inst * 7) % 47]
                full_title = f"{title}（{pref.name_ja}・{e}）"
                created = NOW - datetime.timedelta(seconds=(e * 2654435761) % span)
                for slug in themes_of_entry:
                    expertise_theme_rows.append({"expertise_id": e, "workinggroup_id": theme_of[slug]})
                yield {"id": e, "institution_id": inst, "author_id": author, "contact_id": author,
                       "title": full_title, "description": description, "description_html": expertise_html[description],
                       "keywords": keywords, "nationwide": nationwide,
                       "prefectures": "" if nationwide else f",{pref.code},",
                       "languages": "ja,en" if e % 3 == 0 else "ja",
                       "visibility": "members" if e % 11 == 5 else "public", "year": created.year,
                       "search_text": fold(" ".join([full_title, description, keywords])),
                       "created_at": created, "updated_at": created}

        timings["partners"] = copy_rows(cursor, Partner, partners(), common.Progress("partners", n_partners))
        timings["needs"] = copy_rows(cursor, Need, needs(), common.Progress("needs", n_needs))
        timings["need themes"] = through_rows(cursor, Need.themes.through, need_theme_rows,
                                              common.Progress("need themes", len(need_theme_rows)))
        timings["expertise"] = copy_rows(cursor, Expertise, expertise(), common.Progress("expertise", n_expertise))
        timings["expertise themes"] = through_rows(cursor, Expertise.themes.through, expertise_theme_rows,
                                                   common.Progress("expertise themes", len(expertise_theme_rows)))

        # sequences and statistics -------------------------------------------------------------------
        for model in (
            Institution,
            EmailDomain,
            User,
            EmailAddress,
            Affiliation,
            Participation,
            Membership,
            Initiative,
            Meeting,
            AgendaItem,
            Registration,
            Commitment,
            YearlyReport,
            Adoption,
            Partner,
            Need,
            Expertise,
        ):
            table = model._meta.db_table
            connection.cursor().execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'COALESCE((SELECT max(id) FROM "{table}"), 1))'
            )
        for through in (Initiative.themes.through, Need.themes.through, Expertise.themes.through):
            table = through._meta.db_table
            connection.cursor().execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'COALESCE((SELECT max(id) FROM "{table}"), 1))'
            )
        # each meeting's calendar events, as the services store them on every save: without them a
        # person's feed renders all its meetings on its first request (1.4 s at the large scale)
        events_started = time.monotonic()
        for first in range(1, n_meet + 1, 1000):
            events_store(Meeting.objects.filter(pk__gte=first, pk__lt=first + 1000))
        timings["calendar events"] = time.monotonic() - events_started
        # VACUUM as well as ANALYZE: the rows came in by COPY, so every GIN index (trigram, grams) holds
        # them in its pending list, which each search then reads in full (the needs board: 9-15 ms a
        # condition instead of 0.15). A production table has been vacuumed (autovacuum) long since;
        # a benchmark of a database that has not measures the seed, not the portal.
        analyze_started = time.monotonic()
        connection.cursor().execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.monotonic() - analyze_started

    common.clear_cache()  # pages cached from an earlier seed of this scale must not survive it
    total = time.monotonic() - started
    counts = {  # read back from the database, not the sizes asked for
        "institutions": Institution.objects.count(),
        "users": User.objects.count(),
        "initiatives": Initiative.objects.count(),
        "meetings": Meeting.objects.count(),
        "registrations": Registration.objects.count(),
    }
    sys.stderr.write(f"done in {total:.0f} s\n")
    return {
        "scale": scale,
        "database": common.database_name(scale),
        "seconds": round(total, 1),
        "counts": counts,
        "progress": {"yearly reports": YearlyReport.objects.count(), "adoptions": Adoption.objects.count()},
        "calendar events": MeetingEvent.objects.count(),
        "cooperation": {"partners": Partner.objects.count(), "needs": Need.objects.count(),
                        "expertise": Expertise.objects.count()},
        "stages": {k: round(v, 2) for k, v in timings.items()},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(common.SCALES), default="real")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    result = seed(args.scale)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    common.write_json(args.json, result)


if __name__ == "__main__":
    main()
