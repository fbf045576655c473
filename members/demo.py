"""Demo data for the members app, used by ``manage.py seed_demo``. Idempotent: keyed by slug and
e-mail, so a second run changes nothing.

Institutions are real coalition-style members with their real web domains; demo people have
addresses under ``<short>.example`` (a reserved name), also registered as a domain of their
institution, so that no demo e-mail can ever reach a real mailbox.
"""

import datetime
import os
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .models import Affiliation, EmailDomain, Institution, MembershipApplication, User
from .regions import PREFECTURES_BY_CODE

K = Institution.Kind
C = Institution.Category

# name_ja, name_en, kana, slug, kind, category, prefecture, web domain, target year, joined
INSTITUTIONS = [
    ("北海道大学", "Hokkaido University", "ほっかいどうだいがく", "hokkaido", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "01", "hokudai.ac.jp", 2050, None),
    ("北見工業大学", "Kitami Institute of Technology", "きたみこうぎょうだいがく", "kitami-it", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "01", "kitami-it.ac.jp", None, None),
    ("室蘭工業大学", "Muroran Institute of Technology", "むろらんこうぎょうだいがく", "muroran-it", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "01", "muroran-it.ac.jp", 2050, None),
    ("弘前大学", "Hirosaki University", "ひろさきだいがく", "hirosaki", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "02", "hirosaki-u.ac.jp", None, None),
    ("岩手大学", "Iwate University", "いわてだいがく", "iwate", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "03", "iwate-u.ac.jp", 2050, None),
    ("東北大学", "Tohoku University", "とうほくだいがく", "tohoku", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "04", "tohoku.ac.jp", 2040, None),
    ("秋田大学", "Akita University", "あきただいがく", "akita", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "05", "akita-u.ac.jp", None, None),
    ("山形大学", "Yamagata University", "やまがただいがく", "yamagata", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "06", "yamagata-u.ac.jp", None, None),
    ("福島大学", "Fukushima University", "ふくしまだいがく", "fukushima", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "07", "fukushima-u.ac.jp", 2050, None),
    ("筑波大学", "University of Tsukuba", "つくばだいがく", "tsukuba", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "08", "tsukuba.ac.jp", 2050, None),
    ("宇都宮大学", "Utsunomiya University", "うつのみやだいがく", "utsunomiya", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "09", "utsunomiya-u.ac.jp", None, None),
    ("群馬大学", "Gunma University", "ぐんまだいがく", "gunma", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "10", "gunma-u.ac.jp", None, None),
    ("埼玉大学", "Saitama University", "さいたまだいがく", "saitama", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "11", "saitama-u.ac.jp", None, None),
    ("千葉大学", "Chiba University", "ちばだいがく", "chiba", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "12", "chiba-u.jp", 2050, None),
    ("東京大学", "The University of Tokyo", "とうきょうだいがく", "u-tokyo", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "13", "u-tokyo.ac.jp", 2050, None),
    ("東京都立大学", "Tokyo Metropolitan University", "とうきょうとりつだいがく", "tmu", K.PUBLIC_UNIVERSITY, C.PARTICIPATING, "13", "tmu.ac.jp", 2050, None),
    ("慶應義塾大学", "Keio University", "けいおうぎじゅくだいがく", "keio", K.PRIVATE_UNIVERSITY, C.PARTICIPATING, "13", "keio.ac.jp", 2050, None),
    ("早稲田大学", "Waseda University", "わせだだいがく", "waseda", K.PRIVATE_UNIVERSITY, C.PARTICIPATING, "13", "waseda.jp", 2032, None),
    ("東海大学", "Tokai University", "とうかいだいがく", "tokai", K.PRIVATE_UNIVERSITY, C.PARTICIPATING, "14", "tokai.ac.jp", None, None),
    ("横浜国立大学", "Yokohama National University", "よこはまこくりつだいがく", "ynu", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "14", "ynu.ac.jp", None, None),
    ("新潟大学", "Niigata University", "にいがただいがく", "niigata", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "15", "niigata-u.ac.jp", None, None),
    ("長岡技術科学大学", "Nagaoka University of Technology", "ながおかぎじゅつかがくだいがく", "nagaokaut", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "15", "nagaokaut.ac.jp", None, None),
    ("富山大学", "University of Toyama", "とやまだいがく", "toyama", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "16", "u-toyama.ac.jp", None, None),
    ("金沢大学", "Kanazawa University", "かなざわだいがく", "kanazawa", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "17", "kanazawa-u.ac.jp", 2050, None),
    ("北陸先端科学技術大学院大学", "Japan Advanced Institute of Science and Technology", "ほくりくせんたんかがくぎじゅつだいがくいんだいがく", "jaist", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "17", "jaist.ac.jp", 2050, None),
    ("福井大学", "University of Fukui", "ふくいだいがく", "fukui", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "18", "u-fukui.ac.jp", None, None),
    ("山梨大学", "University of Yamanashi", "やまなしだいがく", "yamanashi", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "19", "yamanashi.ac.jp", None, None),
    ("信州大学", "Shinshu University", "しんしゅうだいがく", "shinshu", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "20", "shinshu-u.ac.jp", 2050, None),
    ("岐阜大学", "Gifu University", "ぎふだいがく", "gifu", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "21", "gifu-u.ac.jp", None, None),
    ("静岡大学", "Shizuoka University", "しずおかだいがく", "shizuoka", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "22", "shizuoka.ac.jp", None, None),
    ("名古屋大学", "Nagoya University", "なごやだいがく", "nagoya", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "23", "nagoya-u.ac.jp", 2050, None),
    ("豊橋技術科学大学", "Toyohashi University of Technology", "とよはしぎじゅつかがくだいがく", "toyohashi-tech", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "23", "tut.ac.jp", None, None),
    ("三重大学", "Mie University", "みえだいがく", "mie", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "24", "mie-u.ac.jp", 2050, None),
    ("滋賀大学", "Shiga University", "しがだいがく", "shiga", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "25", "shiga-u.ac.jp", None, None),
    ("京都大学", "Kyoto University", "きょうとだいがく", "kyoto", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "26", "kyoto-u.ac.jp", 2050, None),
    ("立命館大学", "Ritsumeikan University", "りつめいかんだいがく", "ritsumeikan", K.PRIVATE_UNIVERSITY, C.PARTICIPATING, "26", "ritsumei.ac.jp", 2030, None),
    ("大阪大学", "Osaka University", "おおさかだいがく", "osaka", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "27", "osaka-u.ac.jp", 2050, None),
    ("大阪公立大学", "Osaka Metropolitan University", "おおさかこうりつだいがく", "omu", K.PUBLIC_UNIVERSITY, C.PARTICIPATING, "27", "omu.ac.jp", None, datetime.date(2022, 4, 1)),
    ("神戸大学", "Kobe University", "こうべだいがく", "kobe", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "28", "kobe-u.ac.jp", None, None),
    ("奈良女子大学", "Nara Women's University", "ならじょしだいがく", "nara-wu", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "29", "nara-wu.ac.jp", None, None),
    ("和歌山大学", "Wakayama University", "わかやまだいがく", "wakayama", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "30", "wakayama-u.ac.jp", None, None),
    ("鳥取大学", "Tottori University", "とっとりだいがく", "tottori", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "31", "tottori-u.ac.jp", None, None),
    ("島根大学", "Shimane University", "しまねだいがく", "shimane", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "32", "shimane-u.ac.jp", None, None),
    ("岡山大学", "Okayama University", "おかやまだいがく", "okayama", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "33", "okayama-u.ac.jp", 2050, None),
    ("広島大学", "Hiroshima University", "ひろしまだいがく", "hiroshima", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "34", "hiroshima-u.ac.jp", 2030, None),
    ("山口大学", "Yamaguchi University", "やまぐちだいがく", "yamaguchi", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "35", "yamaguchi-u.ac.jp", None, None),
    ("徳島大学", "Tokushima University", "とくしまだいがく", "tokushima", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "36", "tokushima-u.ac.jp", None, None),
    ("香川大学", "Kagawa University", "かがわだいがく", "kagawa", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "37", "kagawa-u.ac.jp", None, None),
    ("愛媛大学", "Ehime University", "えひめだいがく", "ehime", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "38", "ehime-u.ac.jp", 2050, None),
    ("高知大学", "Kochi University", "こうちだいがく", "kochi", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "39", "kochi-u.ac.jp", None, None),
    ("九州大学", "Kyushu University", "きゅうしゅうだいがく", "kyushu", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "40", "kyushu-u.ac.jp", 2050, None),
    ("北九州市立大学", "The University of Kitakyushu", "きたきゅうしゅうしりつだいがく", "kitakyu", K.PUBLIC_UNIVERSITY, C.PARTICIPATING, "40", "kitakyu-u.ac.jp", 2050, None),
    ("佐賀大学", "Saga University", "さがだいがく", "saga", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "41", "saga-u.ac.jp", None, None),
    ("長崎大学", "Nagasaki University", "ながさきだいがく", "nagasaki", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "42", "nagasaki-u.ac.jp", 2050, None),
    ("熊本大学", "Kumamoto University", "くまもとだいがく", "kumamoto", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "43", "kumamoto-u.ac.jp", None, None),
    ("大分大学", "Oita University", "おおいただいがく", "oita", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "44", "oita-u.ac.jp", None, None),
    ("宮崎大学", "University of Miyazaki", "みやざきだいがく", "miyazaki", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "45", "miyazaki-u.ac.jp", None, None),
    ("鹿児島大学", "Kagoshima University", "かごしまだいがく", "kagoshima", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "46", "kagoshima-u.ac.jp", 2050, None),
    ("琉球大学", "University of the Ryukyus", "りゅうきゅうだいがく", "ryukyus", K.NATIONAL_UNIVERSITY, C.PARTICIPATING, "47", "u-ryukyu.ac.jp", None, None),
    ("国立高等専門学校機構", "National Institute of Technology (KOSEN)", "こくりつこうとうせんもんがっこうきこう", "kosen", K.COLLEGE_OF_TECHNOLOGY, C.PARTICIPATING, "13", "kosen-k.go.jp", None, None),
    ("自然科学研究機構", "National Institutes of Natural Sciences", "しぜんかがくけんきゅうきこう", "nins", K.INTER_UNIVERSITY, C.PARTICIPATING, "13", "nins.jp", None, None),
    ("国立環境研究所", "National Institute for Environmental Studies", "こくりつかんきょうけんきゅうしょ", "nies", K.RESEARCH_INSTITUTE, C.COOPERATING, "08", "nies.go.jp", None, None),
    ("産業技術総合研究所", "National Institute of Advanced Industrial Science and Technology", "さんぎょうぎじゅつそうごうけんきゅうしょ", "aist", K.RESEARCH_INSTITUTE, C.COOPERATING, "08", "aist.go.jp", None, datetime.date(2021, 10, 1)),
    ("長野県", "Nagano Prefecture", "ながのけん", "nagano-pref", K.LOCAL_GOVERNMENT, C.COOPERATING, "20", "pref.nagano.lg.jp", 2050, datetime.date(2022, 6, 1)),
    ("北九州市", "City of Kitakyushu", "きたきゅうしゅうし", "kitakyushu-city", K.LOCAL_GOVERNMENT, C.COOPERATING, "40", "city.kitakyushu.lg.jp", 2050, datetime.date(2022, 6, 1)),
    ("グリーンキャンパス・エナジー株式会社", "Green Campus Energy Co., Ltd.", "ぐりーんきゃんぱすえなじー", "green-campus-energy", K.COMPANY, C.COOPERATING, "27", "greencampus-energy.example", None, datetime.date(2023, 4, 1)),
]

# Members who left or were suspended: on record, not in the directory.
FORMER = [
    ("架空技術短期大学", "Fictional Junior College of Technology", "かくうぎじゅつたんきだいがく", "fictional-jc", K.OTHER, C.PARTICIPATING, "13", "fictional-jc.example", "withdrawn"),
    ("東海環境研究財団", "Tokai Environmental Research Foundation", "とうかいかんきょうけんきゅうざいだん", "tokai-erf", K.RESEARCH_INSTITUTE, C.COOPERATING, "23", "tokai-erf.example", "suspended"),
]

FOUNDED = datetime.date(2021, 7, 29)

PROFILE_JA = {
    K.NATIONAL_UNIVERSITY: "{name}は{pref}に拠点を置く国立大学です。キャンパスの省エネルギー化と再生可能エネルギーの導入を進めるとともに、自治体や地元企業と連携して地域の脱炭素化に取り組んでいます。",
    K.PUBLIC_UNIVERSITY: "{name}は{pref}の公立大学です。設置自治体と一体となって、地域の脱炭素ロードマップづくりと人材育成に取り組んでいます。",
    K.PRIVATE_UNIVERSITY: "{name}は{pref}の私立大学です。学生主体の省エネ活動、校舎のZEB化、カーボンニュートラル教育を全学で展開しています。",
    K.COLLEGE_OF_TECHNOLOGY: "{name}は全国の高等専門学校を束ね、地域の課題に根ざした実践的な脱炭素技術教育を進めています。",
    K.INTER_UNIVERSITY: "{name}は大学共同利用機関として、エネルギーと環境の基礎研究を全国の大学と共同で進めています。",
    K.RESEARCH_INSTITUTE: "{name}は研究機関として、気候変動とエネルギーに関する知見を大学や自治体と共有しています。",
    K.LOCAL_GOVERNMENT: "{name}は協力機関として、地域の大学と連携したゼロカーボン施策を推進しています。",
    K.COMPANY: "{name}は協力機関として、大学キャンパスへの太陽光発電と蓄電池の導入を支援しています。",
    K.OTHER: "{name}は協力機関です。",
}
PROFILE_EN = {
    K.NATIONAL_UNIVERSITY: "{name} is a national university in {pref}. It is cutting energy use on campus, bringing in renewable power and working with local governments and companies to decarbonise its region.",
    K.PUBLIC_UNIVERSITY: "{name} is a public university in {pref}. With the local government that founded it, it drafts regional decarbonisation roadmaps and trains the people who will carry them out.",
    K.PRIVATE_UNIVERSITY: "{name} is a private university in {pref}. Student-led energy saving, zero-energy buildings and carbon-neutrality education run across the whole university.",
    K.COLLEGE_OF_TECHNOLOGY: "{name} brings together Japan's colleges of technology and teaches practical decarbonisation engineering rooted in local needs.",
    K.INTER_UNIVERSITY: "{name} is an inter-university research institute carrying out basic energy and environmental research with universities across Japan.",
    K.RESEARCH_INSTITUTE: "{name} is a research institute sharing what it knows about climate change and energy with universities and local governments.",
    K.LOCAL_GOVERNMENT: "{name} is a cooperating member, pursuing zero-carbon policies together with the universities of its region.",
    K.COMPANY: "{name} is a cooperating member that helps universities install solar power and batteries on campus.",
    K.OTHER: "{name} is a cooperating member.",
}

SECRETARIAT_EMAIL = "secretariat@coalition.example"
# A fixed TOTP secret for the demo secretariat only, so the demo can be signed in to
# (`manage.py demo_totp` prints the current code). seed_demo refuses to run in production.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

# institution slug, role, family name, given name (ja), name (en), language; e-mail <family>@<slug>.example
PEOPLE = [
    ("shinshu", Affiliation.Role.REPRESENTATIVE, "中村", "宗一郎", "Soichiro Nakamura", "ja"),
    ("shinshu", Affiliation.Role.CONTACT, "小林", "美咲", "Misaki Kobayashi", "ja"),
    ("shinshu", Affiliation.Role.STAFF, "宮下", "翔", "Sho Miyashita", "ja"),
    ("kitakyu", Affiliation.Role.CONTACT, "松本", "直子", "Naoko Matsumoto", "ja"),
    ("ritsumeikan", Affiliation.Role.CONTACT, "山本", "健", "Ken Yamamoto", "ja"),
    ("ritsumeikan", Affiliation.Role.STAFF, "井上", "彩", "Aya Inoue", "ja"),
    ("jaist", Affiliation.Role.CONTACT, "前田", "誠", "Makoto Maeda", "ja"),
    ("kyoto", Affiliation.Role.CONTACT, "藤田", "由美", "Yumi Fujita", "ja"),
    ("kyoto", Affiliation.Role.STAFF, "清水", "大輔", "Daisuke Shimizu", "ja"),
    ("nagoya", Affiliation.Role.CONTACT, "加藤", "亮", "Ryo Kato", "ja"),
    ("mie", Affiliation.Role.CONTACT, "伊藤", "恵", "Megumi Ito", "ja"),
    ("tokai", Affiliation.Role.CONTACT, "斎藤", "拓也", "Takuya Saito", "ja"),
    ("hokkaido", Affiliation.Role.CONTACT, "佐々木", "葵", "Aoi Sasaki", "en"),
    ("hokkaido", Affiliation.Role.STAFF, "Emma", "", "Emma Lindqvist", "en"),
    ("u-tokyo", Affiliation.Role.CONTACT, "高橋", "陽子", "Yoko Takahashi", "ja"),
    ("u-tokyo", Affiliation.Role.STAFF, "田中", "一郎", "Ichiro Tanaka", "ja"),
    ("tohoku", Affiliation.Role.STAFF, "渡辺", "真理", "Mari Watanabe", "ja"),
    ("hiroshima", Affiliation.Role.STAFF, "吉田", "修", "Osamu Yoshida", "ja"),
    ("kyushu", Affiliation.Role.CONTACT, "山口", "紗希", "Saki Yamaguchi", "ja"),
    ("ehime", Affiliation.Role.STAFF, "村上", "航", "Wataru Murakami", "ja"),
    ("nagano-pref", Affiliation.Role.CONTACT, "丸山", "智子", "Tomoko Maruyama", "ja"),
]

DEMO_SIGN_INS = [
    (SECRETARIAT_EMAIL, "secretariat (two-factor: `python manage.py demo_totp` prints the code)"),
    ("nakamura@shinshu.example", "representative of Shinshu University (votes at the general meeting)"),
    ("kobayashi@shinshu.example", "contact of Shinshu University, coordinator of the Regional Zero Carbon WG"),
    ("tanaka@u-tokyo.example", "staff of The University of Tokyo"),
    ("newcomer@kobe.example", "signed-up user, not yet affiliated (Kobe University is suggested)"),
]


def _requests(by_slug, password):
    """Affiliation requests still waiting: one fresh (Nagoya's contact decides), one over a week
    old at an institution without a contact (it shows in the secretariat's queue)."""

    for email, name, slug, age in [
        ("ogawa@nagoya.example", "小川 拓海", "nagoya", 1),
        ("sato@tohoku.example", "佐藤 健太", "tohoku", 10),
    ]:
        user = _ensure_user(email, name, "ja", password)
        Affiliation.objects.get_or_create(
            user=user, institution=by_slug[slug], status=Affiliation.Status.PENDING,
            defaults={"title": "研究員", "message": "よろしくお願いいたします。",
                      "created_at": timezone.now() - timedelta(days=age)},
        )


APPLICATIONS = [
    dict(name_ja="静岡県立大学", name_en="University of Shizuoka", name_kana="しずおかけんりつだいがく",
         kind=K.PUBLIC_UNIVERSITY, category=C.PARTICIPATING, prefecture="22", website="https://www.u-shizuoka-ken.ac.jp/",
         email_domain="u-shizuoka-ken.ac.jp", target_year=2050, applicant_name="望月 理恵",
         applicant_title="総務課 課長補佐", applicant_email="mochizuki@u-shizuoka.example",
         representative_name="鈴木 学", representative_title="学長", intended_groups=["campus", "regional"],
         message="地域の自治体と連携した脱炭素の取組を共有したく、参加を希望します。", status="submitted"),
    dict(name_ja="富山高等専門学校", name_en="National Institute of Technology, Toyama College",
         name_kana="とやまこうとうせんもんがっこう", kind=K.COLLEGE_OF_TECHNOLOGY, category=C.PARTICIPATING,
         prefecture="16", website="https://www.nc-toyama.ac.jp/", email_domain="", target_year=None,
         applicant_name="林 大樹", applicant_title="地域連携センター", applicant_email="hayashi@toyama-kosen.example",
         representative_name="", representative_title="", intended_groups=["human-resources"],
         message="", status="returned",
         reason="代表者の氏名と役職をご記入ください。 / Please add the name and position of the representative."),
]


def _applications():

    for data in APPLICATIONS:
        data = dict(data)
        MembershipApplication.objects.get_or_create(
            applicant_email=data["applicant_email"],
            defaults={**data, "decided_at": timezone.now() if data["status"] == "returned" else None},
        )


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "coalition-demo-2026")


def _ensure_user(email: str, name: str, language: str, password: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, name=name, language=language)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


@transaction.atomic
def seed() -> dict:
    """Institutions, their domains, people with affiliations, and the secretariat."""

    password = demo_password()
    by_slug = {}
    for name_ja, name_en, kana, slug, kind, category, pref, domain, target, joined in INSTITUTIONS:
        p = PREFECTURES_BY_CODE[pref]
        inst, _ = Institution.objects.get_or_create(
            slug=slug,
            defaults=dict(
                name_ja=name_ja,
                name_en=name_en,
                name_kana=kana,
                kind=kind,
                category=category,
                prefecture=pref,
                website=f"https://www.{domain}/",
                profile_ja=PROFILE_JA[kind].format(name=name_ja, pref=p.name_ja),
                profile_en=PROFILE_EN[kind].format(name=name_en, pref=p.name_en),
                status=Institution.Status.ACTIVE,
                joined_on=joined or FOUNDED,
                target_year=target,
            ),
        )
        by_slug[slug] = inst
        for d in (domain, f"{slug}.example"):
            EmailDomain.objects.get_or_create(domain=d, defaults={"institution": inst})
    for name_ja, name_en, kana, slug, kind, category, pref, _domain, status in FORMER:
        Institution.objects.get_or_create(
            slug=slug,
            defaults=dict(
                name_ja=name_ja, name_en=name_en, name_kana=kana, kind=kind, category=category, prefecture=pref,
                status=status, joined_on=FOUNDED,
            ),
        )

    people = {}
    for inst_slug, role, family, given, name_en, language in PEOPLE:
        inst = by_slug[inst_slug]
        email = f"{name_en.split()[-1].lower()}@{inst_slug}.example"
        name = f"{family} {given}".strip() if language == "ja" else name_en
        user = _ensure_user(email, name, language, password)
        Affiliation.objects.get_or_create(
            user=user,
            institution=inst,
            status=Affiliation.Status.APPROVED,
            defaults={"role": role, "decided_at": inst.created_at},
        )
        people[email] = user

    _ensure_user("newcomer@kobe.example", "新井 さくら", "ja", password)
    _requests(by_slug, password)
    _applications()

    sec = _ensure_user(SECRETARIAT_EMAIL, "事務局 太郎", "ja", password)
    if not sec.is_staff:
        sec.is_staff = True
        sec.save(update_fields=["is_staff"])
    sec.groups.add(Group.objects.get_or_create(name=settings.SECRETARIAT_GROUP)[0])
    if not Authenticator.objects.filter(user=sec, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(sec, DEMO_TOTP_SECRET)
    return {"institutions": by_slug, "people": people, "secretariat": sec}
