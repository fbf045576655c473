"""Demo data for progress: commitments and five fiscal years of figures for most member universities
(some members-only, some late, one returned, one waiting for review), adoptions of initiatives
and answered questions. Idempotent: keyed by institution and year, initiative and institution."""

import datetime
import hashlib
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from members.models import Institution, User

from ..models import Initiative
from .models import Adoption, Commitment, Question, YearlyReport, current_fiscal_year

# Scope 1+2 in FY2013 (the national baseline year), in t-CO2e, of the largest members; the others
# get a plausible size from their kind.
SIZES = {
    "u-tokyo": 240_000, "kyoto": 150_000, "osaka": 170_000, "tohoku": 130_000, "kyushu": 120_000,
    "hokkaido": 110_000, "nagoya": 90_000, "tsukuba": 80_000, "hiroshima": 60_000, "keio": 55_000,
    "waseda": 50_000, "okayama": 45_000, "kobe": 45_000, "chiba": 40_000, "shinshu": 30_000,
    "kanazawa": 38_000, "ritsumeikan": 35_000, "tokai": 32_000, "nins": 60_000, "kosen": 70_000,
}
KIND_SIZE = {"national": 20_000, "public": 14_000, "private": 16_000, "kosen": 40_000,
             "inter-university": 40_000, "research": 50_000}
NOT_REPORTING = {"nagano-pref", "kitakyushu-city", "green-campus-energy", "aist"}  # partners, not campuses
MEMBERS_ONLY = {"keio", "tokai", "kobe", "saga", "nara-wu", "kosen", "gunma", "fukui"}
LATE = {"shinshu", "akita", "yamagata", "hirosaki", "kagawa", "tottori"}  # nothing yet for the last year
RETURNED = {"kyushu": ("スコープ2の排出係数が前年度と異なります。使用した係数を出典欄に記入してください。",
                       "The scope 2 emission factor differs from last year's; note the factor used in the data sources.")}
SUBMITTED = {"ritsumeikan", "nagoya"}  # waiting for the secretariat's review

NARRATIVE_JA = ("照明のLED化と空調の更新を進め、{share}%の電力を再生可能エネルギーで賄いました。"
                "新築棟はZEB Readyで設計しています。")
NARRATIVE_EN = ("LED lighting and new air conditioning went on; renewable power covered {share}% of the "
                "electricity. New buildings are designed to ZEB Ready.")
DATA_NOTES = "省エネ法定期報告・温対法報告（電気事業者別排出係数） / Energy-saving Act report; supplier-specific factors"


def _noise(slug: str, salt: str) -> float:
    """A stable number in [0, 1) for this institution (the demo is the same on every machine)."""
    digest = hashlib.sha256(f"{slug}:{salt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def _d(value: float) -> Decimal:
    """A figure to one decimal, as people enter them."""
    return Decimal(f"{value:.1f}")


def _size(inst: Institution) -> int:
    base = SIZES.get(inst.slug) or KIND_SIZE.get(inst.kind, 10_000)
    return int(base * (0.7 + 0.6 * _noise(inst.slug, "size"))) if inst.slug not in SIZES else base


@transaction.atomic
def seed() -> dict:
    """Commitments, reports, adoptions and questions. Returns the numbers made or found."""
    last = current_fiscal_year() - 1
    years = range(last - 4, last + 1)
    secretariat = User.objects.filter(email="secretariat@coalition.example").first()
    reports = 0
    institutions = Institution.objects.active().exclude(slug__in=NOT_REPORTING).order_by("slug")
    for inst in institutions:
        size = _size(inst)
        if not hasattr(inst, "commitment"):
            interim = 51 if inst.kind == Institution.Kind.NATIONAL_UNIVERSITY else 46
            Commitment.objects.create(
                institution=inst, target_year=inst.target_year or 2050, baseline_year=2013,
                baseline_emissions=Decimal(size), interim_year=2030, interim_reduction=Decimal(interim),
                visibility=Commitment.Visibility.MEMBERS if inst.slug in MEMBERS_ONLY else Commitment.Visibility.PUBLIC)
            if inst.target_year is None:  # the commitment's year is the institution's too
                Institution.objects.filter(pk=inst.pk).update(target_year=2050)
        contact = (inst.affiliations.filter(status="approved", role__in=["contact", "representative"])
                   .select_related("user").first())
        # a steady fall from the baseline: between 2.5 and 5.5 % a year, faster where renewables came
        pace = 0.025 + 0.03 * _noise(inst.slug, "pace")
        for year in years:
            if year == last and inst.slug in LATE:
                continue
            factor = (1 - pace) ** (year - 2013)
            total = size * factor
            share = min(Decimal(95), _d(5 + (year - 2019) * (2 + 6 * _noise(inst.slug, "re"))))
            scope1 = _d(total * (0.25 + 0.1 * _noise(inst.slug, "s1")))
            scope2 = _d(total) - scope1
            status = YearlyReport.Status.PUBLISHED
            comment = ""
            if year == last and inst.slug in RETURNED:
                status, comment = YearlyReport.Status.RETURNED, "\n".join(RETURNED[inst.slug])
            elif year == last and inst.slug in SUBMITTED:
                status = YearlyReport.Status.SUBMITTED
            submitted = timezone.make_aware(datetime.datetime(year + 1, 7, 20, 10))
            _, created = YearlyReport.objects.get_or_create(
                institution=inst, fiscal_year=year,
                defaults=dict(
                    scope1=scope1, scope2=scope2,
                    scope3=_d(total * 2.1) if _noise(inst.slug, "s3") < 0.4 else None,
                    energy_gj=_d(total * 16.5), renewable_share=share,
                    floor_area=int(size * 8 * (0.9 + 0.2 * _noise(inst.slug, "area"))),
                    headcount=int(size * 0.9 * (0.8 + 0.4 * _noise(inst.slug, "people"))),
                    narrative_ja=NARRATIVE_JA.format(share=share), narrative_en=NARRATIVE_EN.format(share=share),
                    data_notes=DATA_NOTES, status=status, review_comment=comment,
                    submitted_by=contact.user if contact else None, submitted_at=submitted,
                    reviewed_by=secretariat if status != YearlyReport.Status.SUBMITTED else None,
                    reviewed_at=submitted + datetime.timedelta(days=14)
                    if status != YearlyReport.Status.SUBMITTED else None,
                ),
            )
            reports += created
    return {"reports": reports, "adoptions": _adoptions(), "questions": _questions()}


# initiative slug, adopting institution, kind, year, what changed (ja, en), resulting initiative
ADOPTIONS = [
    ("zeb-library-shinshu", "kanazawa", "adapted", 2023,
     "積雪地向けの断熱仕様を見直し、図書館ではなく講義棟で実施しました。",
     "Insulation adjusted for heavy snow; done in a lecture building rather than the library.",
     "zeb-library-kanazawa"),
    ("zeb-library-shinshu", "niigata", "adopted", 2026, "", "", None),
    ("zeb-library-shinshu", "toyama", "adapted", 2026,
     "改修ではなく新築の学生会館で採用しました。", "Used for a new student hall instead of a renovation.", None),
    ("solar-plant-kyushu", "okayama", "adapted", 2023,
     "屋根置きではなく駐車場のソーラーカーポートにしました。", "Solar carports over the car park instead of roofs.",
     "solar-plant-okayama"),
    ("solar-plant-kyushu", "saga", "adopted", 2024, "", "", None),
    ("ppa-campus-omu", "tmu", "adopted", 2024, "", "", "ppa-campus-tmu"),
    ("ppa-campus-omu", "saitama", "adapted", 2025,
     "複数キャンパスを一括したPPA契約にしました。", "One PPA contract for several campuses.", "ppa-campus-saitama"),
    ("ppa-campus-omu", "gunma", "adopted", 2026, "", "", None),
    ("roadmap-2050-u-tokyo", "hiroshima", "adapted", 2022,
     "中間目標を2030年度に前倒ししました。", "The interim target was brought forward to FY2030.", "roadmap-2050-hiroshima"),
    ("roadmap-2050-u-tokyo", "nagoya", "adapted", 2023, "", "", "roadmap-2050-nagoya"),
    ("joint-course-mie", "tokai", "adopted", 2024, "", "", None),
    ("hydrogen-bus-hokkaido", "muroran-it", "adapted", 2024,
     "路線バスではなく構内シャトルで実証しました。", "Tested on the campus shuttle rather than a city bus line.", None),
]

# initiative slug, asker (e-mail), question, answer (or ""), public
QUESTIONS = [
    ("zeb-library-shinshu", "takahashi@u-tokyo.example",
     "改修中も図書館は開館していましたか？利用者への影響を教えてください。",
     "はい。工区を三つに分け、常に三分の二の閲覧席を開けていました。騒音の大きい工事は休館日に集中させました。", True),
    ("zeb-library-shinshu", "yamaguchi@kyushu.example",
     "一次エネルギー消費量の実測値は、設計値と比べてどうでしたか？",
     "初年度は設計値より約8%多く、空調の運転時間を見直した二年目に設計値を下回りました。", False),
    ("solar-plant-kyushu", "sasaki@hokkaido.example",
     "Did you need the local electricity company's approval to connect the plant, and how long did it take?",
     "Yes; the grid connection review took about seven months. Start that conversation first.", True),
    ("ppa-campus-omu", "kobayashi@shinshu.example",
     "PPA契約の期間と、途中解約の条件はどのように定めましたか？", "", False),
]


def _adoptions() -> int:
    initiatives = {i.slug: i for i in Initiative.objects.filter(
        slug__in={a[0] for a in ADOPTIONS} | {a[6] for a in ADOPTIONS if a[6]})}
    institutions = {i.slug: i for i in Institution.objects.filter(slug__in={a[1] for a in ADOPTIONS})}
    count = 0
    for slug, adopter, kind, year, changes_ja, _changes_en, result in ADOPTIONS:
        if slug not in initiatives or adopter not in institutions:
            continue
        inst = institutions[adopter]
        contact = inst.affiliations.filter(status="approved").select_related("user").first()
        # the years are those of the demo's making (2026); they move with the calendar, so that the
        # home page's "most adopted this year" has something to show
        Adoption.objects.get_or_create(
            initiative=initiatives[slug], institution=inst,
            defaults=dict(kind=kind, year=timezone.localdate().year - (2026 - year), changes=changes_ja or _changes_en, result=initiatives.get(result),
                          recorded_by=contact.user if contact else None))
        count += 1
    return count


def _questions() -> int:
    initiatives = {i.slug: i for i in Initiative.objects.filter(slug__in={q[0] for q in QUESTIONS})
                   .select_related("author")}
    count = 0
    for slug, email, body, answer, public in QUESTIONS:
        initiative = initiatives.get(slug)
        asker = User.objects.filter(email=email).first()
        if initiative is None or asker is None:
            continue
        affiliation = asker.affiliations.filter(status="approved").first()
        asked = initiative.published_at + datetime.timedelta(days=40 + 9 * count)
        Question.objects.get_or_create(
            initiative=initiative, body=body,
            defaults=dict(asked_by=asker, institution=affiliation.institution if affiliation else None,
                          answer=answer, answered_by=initiative.author if answer else None,
                          answered_at=asked + datetime.timedelta(days=3) if answer else None,
                          is_public=public and bool(answer), created_at=asked))
        count += 1
    return count
