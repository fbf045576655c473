"""Demo data for the working-groups app: the general meeting and the five theme groups of
docs/domain.md with their coordinating institutions. Idempotent (keyed by slug)."""

import datetime

from django.db import transaction
from django.utils import timezone

from members.models import Institution, User
from members.regions import PREFECTURES_BY_CODE

from .demo_initiatives import ARCHIVED, DRAFTS, MEMBERS_ONLY, TOPICS
from .models import Initiative, Membership, Participation, WorkingGroup
from .services import refresh_derived

GROUPS = [
    (
        "general-meeting", WorkingGroup.Tier.GENERAL, "総会", "General Meeting", [],
        "全会員機関の代表者（学長等）が集まる最高意思決定機関です。年に一度開催し、方針と規約を決議し、各WGの報告を受け、WGの設置・廃止を決めます。",
        "The highest decision body: the representatives (presidents) of all member institutions meet once a year, "
        "resolve policy and the rules, receive the working groups' reports, and create or abolish working groups.",
    ),
    (
        "campus", WorkingGroup.Tier.THEME, "ゼロカーボン・キャンパスWG", "Zero Carbon Campus WG", ["ritsumeikan"],
        "キャンパスの脱炭素化に向けて、省エネルギー、再生可能エネルギーの導入、ZEB化、排出量の見える化などの知見を共有します。",
        "Shares what works in decarbonising campuses: energy saving, renewable power, zero-energy buildings and "
        "making emissions visible.",
    ),
    (
        "regional", WorkingGroup.Tier.THEME, "地域ゼロカーボンWG", "Regional Zero Carbon WG", ["shinshu", "kitakyu"],
        "大学と自治体・地域企業が連携し、地域の脱炭素化モデルをつくり全国へ展開します。",
        "Universities, local governments and local companies build regional decarbonisation models together and "
        "carry them to the rest of Japan.",
    ),
    (
        "innovation", WorkingGroup.Tier.THEME, "イノベーションWG", "Innovation WG", ["jaist", "kyoto", "nagoya"],
        "カーボンニュートラルに資する研究開発と、その成果の社会実装を産学官で加速します。",
        "Speeds up research for carbon neutrality and the social implementation of its results, with industry "
        "and government.",
    ),
    (
        "human-resources", WorkingGroup.Tier.THEME, "人材育成WG", "Human Resource Development WG", ["mie", "tokai"],
        "脱炭素社会を担う人材を育てる教育プログラムや教材、学生の活動を共有します。",
        "Shares the courses, teaching materials and student activities that train the people a decarbonised "
        "society needs.",
    ),
    (
        "international", WorkingGroup.Tier.THEME, "国際連携・協力WG", "International Collaboration and Cooperation WG", ["hokkaido"],
        "海外の大学ネットワークとの連携を通じて、日本の大学の取組を世界に発信します。",
        "Connects with university networks abroad and makes Japanese universities' work known to the world.",
    ),
]


@transaction.atomic
def seed() -> dict:
    groups = {}
    for order, (slug, tier, name_ja, name_en, coordinators, desc_ja, desc_en) in enumerate(GROUPS):
        group, _ = WorkingGroup.objects.get_or_create(
            slug=slug,
            defaults=dict(
                tier=tier, name_ja=name_ja, name_en=name_en, description_ja=desc_ja, description_en=desc_en,
                order=order * 10,
            ),
        )
        group.coordinators.add(*Institution.objects.filter(slug__in=coordinators))
        groups[slug] = group
    _participations(groups)
    return groups


def _participations(groups):
    """Every active member takes part in one to three themes; coordinators in their own."""
    themes = [g for g in groups.values() if not g.is_general_meeting]
    for n, inst in enumerate(Institution.objects.active().order_by("slug")):
        chosen = {themes[n % len(themes)], themes[(n * 3 + 1) % len(themes)]}
        if n % 4 == 0:
            chosen.add(themes[(n + 2) % len(themes)])
        chosen |= {g for g in themes if inst in g.coordinators.all()}
        for group in chosen:
            Participation.objects.get_or_create(
                group=group, institution=inst, status=Participation.Status.ACTIVE,
                defaults={"created_at": inst.created_at},
            )


# person (e-mail of members.demo.PEOPLE), group slug, status
MEMBERSHIPS = [
    ("kobayashi@shinshu.example", "regional", "active"),
    ("nakamura@shinshu.example", "regional", "active"),
    ("miyashita@shinshu.example", "campus", "pending"),
    ("matsumoto@kitakyu.example", "regional", "active"),
    ("yamamoto@ritsumeikan.example", "campus", "active"),
    ("inoue@ritsumeikan.example", "campus", "active"),
    ("maeda@jaist.example", "innovation", "active"),
    ("fujita@kyoto.example", "innovation", "active"),
    ("shimizu@kyoto.example", "international", "active"),
    ("kato@nagoya.example", "innovation", "active"),
    ("ito@mie.example", "human-resources", "active"),
    ("saito@tokai.example", "human-resources", "active"),
    ("sasaki@hokkaido.example", "international", "active"),
    ("lindqvist@hokkaido.example", "international", "active"),
    ("takahashi@u-tokyo.example", "campus", "active"),
    ("tanaka@u-tokyo.example", "campus", "active"),
    ("watanabe@tohoku.example", "campus", "active"),
    ("yoshida@hiroshima.example", "campus", "active"),
    ("yamaguchi@kyushu.example", "campus", "active"),
    ("murakami@ehime.example", "regional", "active"),
    ("maruyama@nagano-pref.example", "regional", "active"),
]


# Named coordinators (a contact of each coordinating institution, registered in its group).
COORDINATORS = {
    ("kobayashi@shinshu.example", "regional"), ("matsumoto@kitakyu.example", "regional"),
    ("yamamoto@ritsumeikan.example", "campus"), ("maeda@jaist.example", "innovation"),
    ("fujita@kyoto.example", "innovation"), ("kato@nagoya.example", "innovation"),
    ("ito@mie.example", "human-resources"), ("saito@tokai.example", "human-resources"),
    ("sasaki@hokkaido.example", "international"),
}


def seed_people():
    """People registered in groups for their institution (their institution takes part); the
    coordinators named."""
    groups = {g.slug: g for g in WorkingGroup.objects.all()}
    for email, slug, status in MEMBERSHIPS:
        user = User.objects.get(email=email)
        institution = user.affiliations.get(status="approved").institution
        membership, _ = Membership.objects.get_or_create(
            group=groups[slug], user=user, status=status, defaults={"institution": institution}
        )
        if (email, slug) in COORDINATORS and not membership.coordinator:
            membership.coordinator = True
            membership.save(update_fields=["coordinator"])
        if status == "active":
            Participation.objects.get_or_create(
                group=groups[slug], institution=institution, status=Participation.Status.ACTIVE
            )


def seed_initiatives() -> int:
    """The case studies of demo_initiatives.TOPICS, one per institution named there."""

    groups = {g.slug: g for g in WorkingGroup.objects.all()}
    institutions = {i.slug: i for i in Institution.objects.all()}
    count = 0
    for n, (key, themes, language, title_ja, title_en, summary_ja, summary_en, body, outcomes, co2, kw, partners,
            slugs) in enumerate(TOPICS):
        for m, slug in enumerate(slugs):
            inst = institutions[slug]
            pref = PREFECTURES_BY_CODE[inst.prefecture]
            started = datetime.date(2021 + (n + m) % 5, 1 + (n * 3 + m) % 12, 1 + (n + m * 7) % 28)
            published = timezone.make_aware(datetime.datetime.combine(started, datetime.time(10)))
            published += datetime.timedelta(days=30 + (n * 11 + m * 5) % 200)
            published = min(published, timezone.now() - datetime.timedelta(days=n + m))
            if language == "ja":
                title, summary, title_tr, summary_tr = (f"{title_ja}（{inst.name_ja}）", summary_ja,
                                                        f"{title_en} ({inst.name_en})", summary_en)
                lead = f"{inst.name_ja}（{pref.name_ja}）の取組です。\n\n"
                # about half of the Japanese texts have an English version, so both the English text
                # and the "available in Japanese only" note show on the demo
                body_tr = (f"An initiative of {inst.name_en} in {pref.name_en}.\n\n{summary_en}"
                           if (n + m) % 2 == 0 else "")
            else:
                body_tr = ""
                title, summary, title_tr, summary_tr = (f"{title_en} ({inst.name_en})", summary_en,
                                                        f"{title_ja}（{inst.name_ja}）", summary_ja)
                lead = f"An initiative of {inst.name_en} in {pref.name_en}.\n\n"
            state = (key, slug)
            status = ("draft" if state in DRAFTS else "archived" if state in ARCHIVED else "published")
            initiative, created = Initiative.objects.get_or_create(
                slug=f"{key}-{slug}",
                defaults=dict(
                    institution=inst, language=language, title=title, summary=summary, body=lead + body,
                    title_translated=title_tr, summary_translated=summary_tr, body_translated=body_tr,
                    partners=partners,
                    prefecture=inst.prefecture, started_on=started,
                    ended_on=None if (n + m) % 3 else started + datetime.timedelta(days=540),
                    outcomes=outcomes, co2_reduction=co2, capacity_kw=kw, status=status,
                    visibility="members" if state in MEMBERS_ONLY else "public",
                    published_at=None if status == "draft" else published, created_at=published,
                    author=inst.affiliations.filter(status="approved").order_by("pk").first().user
                    if inst.affiliations.filter(status="approved").exists() else None,
                ),
            )
            if created:
                initiative.themes.set([groups[t] for t in themes])
                refresh_derived(initiative)
                initiative.save(update_fields=["year", "body_html", "body_translated_html", "search_text"])
            count += 1
    return count
