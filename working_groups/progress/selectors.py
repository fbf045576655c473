"""Reads of the progress app: coalition totals (computed by the database), one institution's trend,
adoptions and questions as each person may see them.

Privacy of members-only figures (docs/progress.md): whoever does not see members-only content gets
a group's totals only when nobody's figures can be worked out from them: the group has at least
``MIN_GROUP`` institutions, and its members-only institutions are none or at least ``MIN_GROUP``
(with one or two, subtracting the public figures, which anyone can read, would reveal them).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)

from members.cache import fragment_key, single_flight
from members.i18n import pick
from members.models import Institution
from members.regions import PREFECTURES_BY_CODE, REGIONS_BY_SLUG
from members.rules import contact_institution_ids, institution_ids, is_secretariat

from ..models import Initiative, Participation, WorkingGroup
from ..rules import sees_members_only
from .cache import TOTALS
from .models import (
    Adoption,
    Commitment,
    Question,
    ReportingYear,
    ReportReminder,
    YearlyReport,
    current_fiscal_year,
    default_due_date,
    fiscal_year_label,
)

MIN_GROUP = 3
PUBLIC = Commitment.Visibility.PUBLIC
# A report whose institution did not make its figures public (no commitment row: not public either).
PRIVATE = ~Q(institution__commitment__visibility=PUBLIC)


def sees_private_figures(user) -> bool:
    """Members-only figures: staff of active members and the secretariat (as members-only initiatives)."""
    return sees_members_only(user)


def may_see_figures(user, institution, commitment=None) -> bool:
    """One institution's figures: public ones for everyone, the others for members."""
    if commitment is not None and commitment.is_public:
        return True
    return sees_private_figures(user) or institution.pk in contact_institution_ids(user)


def may_manage_reports(user, institution) -> bool:
    return institution.pk in contact_institution_ids(user) or is_secretariat(user)


def group_is_shown(institutions: int, private: int, *, sees_private: bool) -> bool:
    if sees_private:
        return institutions > 0
    return institutions >= MIN_GROUP and (private == 0 or private >= MIN_GROUP)


@dataclass
class Totals:
    """Published figures of a group of institutions (a fiscal year, a region, a kind, a group)."""

    key: object
    label: str = ""
    institutions: int = 0
    private: int = 0
    scope1: Decimal = Decimal(0)
    scope2: Decimal = Decimal(0)
    scope3: Decimal | None = None
    scope3_reported: int = 0
    energy: Decimal = Decimal(0)
    floor_area: int = 0
    headcount: int = 0
    renewable_weighted: Decimal = Decimal(0)
    shown: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def emissions(self) -> Decimal:
        return self.scope1 + self.scope2

    @property
    def per_m2(self) -> Decimal | None:
        """kg-CO2e per m² of floor area (scope 1 and 2)."""
        return self.emissions * 1000 / self.floor_area if self.floor_area else None

    @property
    def per_person(self) -> Decimal | None:
        """t-CO2e per person (scope 1 and 2)."""
        return self.emissions / self.headcount if self.headcount else None

    @property
    def renewable_share(self) -> Decimal | None:
        """Institutions' renewable electricity shares, weighted by their energy use (%)."""
        return self.renewable_weighted / self.energy if self.energy else None

    def add(self, other: "Totals") -> None:
        for name in ("institutions", "private", "scope1", "scope2", "scope3_reported", "energy", "floor_area",
                     "headcount", "renewable_weighted"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.scope3 is not None:
            self.scope3 = (self.scope3 or 0) + other.scope3


def _aggregates():
    return {
        "institutions": Count("id"),
        "private": Count("id", filter=PRIVATE),
        "scope1_sum": Sum("scope1"),
        "scope2_sum": Sum("scope2"),
        "scope3_sum": Sum("scope3"),
        "scope3_reported": Count("scope3"),
        "energy_sum": Sum("energy_gj"),
        "floor_area_sum": Sum("floor_area"),
        "headcount_sum": Sum("headcount"),
        "renewable_weighted": Sum(ExpressionWrapper(F("renewable_share") * F("energy_gj"),
                                                    output_field=DecimalField(max_digits=20, decimal_places=2))),
    }


def _totals(key, row, label="") -> Totals:
    return Totals(
        key=key, label=label, institutions=row["institutions"], private=row["private"],
        scope1=row["scope1_sum"] or Decimal(0), scope2=row["scope2_sum"] or Decimal(0), scope3=row["scope3_sum"],
        scope3_reported=row["scope3_reported"], energy=row["energy_sum"] or Decimal(0),
        floor_area=row["floor_area_sum"] or 0, headcount=row["headcount_sum"] or 0,
        renewable_weighted=row["renewable_weighted"] or Decimal(0))


def institution_condition(filters: dict, through: str = ""):
    """The page's filters (region, prefecture, kind, wg) as one condition on an institution: its own
    (``through=""``) or the one a row joins (``"institution__"``, tested on the joined row, not by
    its id against a second read of the institutions)."""
    condition = Q()
    if filters.get("region"):
        condition &= Q(**{f"{through}prefecture__in": REGIONS_BY_SLUG[filters["region"]].codes})
    if filters.get("prefecture"):
        condition &= Q(**{f"{through}prefecture": filters["prefecture"]})
    if filters.get("kind"):
        condition &= Q(**{f"{through}kind": filters["kind"]})
    if filters.get("wg"):
        condition &= Q(**{f"{through}pk__in": Participation.objects.filter(
            group=filters["wg"], status=Participation.Status.ACTIVE).values("institution_id")})
    return condition


def institutions_filtered(filters: dict):
    """Institutions matching the page's filters (region, prefecture, kind, wg), as a queryset."""
    return Institution.objects.filter(institution_condition(filters))


def published_reports(filters: dict):
    qs = YearlyReport.objects.published()
    if any(filters.get(k) for k in ("region", "prefecture", "kind", "wg")):
        qs = qs.filter(institution__in=institutions_filtered(filters).values("pk"))
    return qs


# Totals from cells -------------------------------------------------------------------------------
# /progress/ adds up, for any filter, the published figures summed per fiscal year, prefecture, kind
# of institution and members-only or not: "cells", a few thousand at 15,000 institutions, read by one
# GROUP BY and cached until a report, a commitment, a member or a group changes (the totals'
# namespaces). A filter is then a pass over the cells in Python, not a join of every report with its
# institution, commitment and groups (docs/progress.md, Speed). A cell is a tuple: three keys, whether
# members-only, then the sums as integers (tenths of a tonne and of a GJ, hundredths for the
# energy-weighted share: exact, and cheap to cache).

_SCALES = (("scope1_sum", 1), ("scope2_sum", 1), ("scope3_sum", 1), ("scope3_reported", 0), ("energy_sum", 1),
           ("floor_area_sum", 0), ("headcount_sum", 0), ("renewable_weighted", 2))


def _as_int(value, places: int):
    if value is None:
        return None
    return int(Decimal(value).scaleb(places).to_integral_value())


def _cells_query(reports, *keys: str) -> list[tuple]:
    private = Case(When(PRIVATE, then=Value(True)), default=Value(False), output_field=BooleanField())
    rows = reports.annotate(members_only=private).values(*keys, "members_only").annotate(**_aggregates()).order_by()
    return [(*(row[k] for k in keys), row["members_only"], row["institutions"],
             *(_as_int(row[name], places) if places else row[name] or 0 for name, places in _SCALES))
            for row in rows]


def _cached_cells(name: str, part, compute) -> list[tuple]:
    """Cells cached under the totals' namespaces, never served stale: the totals built from them
    are cached under the current versions, which an older value must not reach."""
    return single_flight(fragment_key(name, TOTALS, part), compute, timeout=600)


def _year_cells(group=None) -> list[tuple]:
    """Cells (fiscal year, prefecture, kind) of every institution, or of a group's active
    participants (the ``wg`` filter)."""
    def compute():
        reports = YearlyReport.objects.published()
        if group is not None:
            reports = reports.filter(institution__in=Participation.objects.filter(
                group=group, status=Participation.Status.ACTIVE).values("institution_id"))
        return _cells_query(reports, "fiscal_year", "institution__prefecture", "institution__kind")

    return _cached_cells("progress-cells", getattr(group, "pk", None), compute)


def _group_cells(year: int, within=None) -> list[tuple]:
    """Cells (theme group, prefecture, kind) of ``year``: an institution counts in each of its groups.
    ``within``: of the participants of that group only (the ``wg`` filter: how its participants
    spread over the theme groups), cached per group as the year cells are."""
    def compute():
        reports = YearlyReport.objects.published().filter(fiscal_year=year)
        if within is not None:
            reports = reports.filter(institution__in=Participation.objects.filter(
                group=within, status=Participation.Status.ACTIVE).values("institution_id"))
        reports = reports.filter(institution__group_participations__status=Participation.Status.ACTIVE,
                                 institution__group_participations__group__tier=WorkingGroup.Tier.THEME)
        return _cells_query(reports, "institution__group_participations__group", "institution__prefecture",
                            "institution__kind")

    return _cached_cells("progress-group-cells", (year, getattr(within, "pk", None)), compute)


def _matching(cells, filters: dict) -> list[tuple]:
    """The cells whose prefecture (second key) and kind (third) the region, prefecture and kind
    filters allow."""
    codes = set(REGIONS_BY_SLUG[filters["region"]].codes) if filters.get("region") else None
    if filters.get("prefecture"):
        codes = {filters["prefecture"]} & codes if codes is not None else {filters["prefecture"]}
    kind = filters.get("kind")
    return [c for c in cells if (codes is None or c[1] in codes) and (not kind or c[2] == kind)]


def _sum_by(cells, key) -> dict:
    """{key(cell): Totals} over ``cells``."""
    sums: dict = {}
    for c in cells:
        k = key(c)
        if k is None:
            continue
        acc = sums.get(k)
        if acc is None:
            acc = sums[k] = [0, 0, 0, 0, None, 0, 0, 0, 0, 0]
        acc[0] += c[4]
        if c[3]:
            acc[1] += c[4]
        for i in range(2, 10):
            value = c[i + 3]
            if value is not None:
                acc[i] = value if acc[i] is None else acc[i] + value
    return {k: Totals(
        key=k, institutions=acc[0], private=acc[1], scope1=Decimal(acc[2]).scaleb(-1),
        scope2=Decimal(acc[3]).scaleb(-1), scope3=None if acc[4] is None else Decimal(acc[4]).scaleb(-1),
        scope3_reported=acc[5], energy=Decimal(acc[6]).scaleb(-1), floor_area=acc[7], headcount=acc[8],
        renewable_weighted=Decimal(acc[9]).scaleb(-2)) for k, acc in sums.items()}


def totals_by_year(filters: dict, *, sees_private: bool) -> list[Totals]:
    """Published figures summed per fiscal year (from the cells), each year shown or suppressed."""
    by_year = _sum_by(_matching(_year_cells(filters.get("wg")), filters), key=lambda c: c[0])
    out = []
    for year in sorted(by_year):
        t = by_year[year]
        t.label = fiscal_year_label(year)
        t.shown = group_is_shown(t.institutions, t.private, sees_private=sees_private)
        out.append(t)
    return out


def _region_of(code):
    pref = PREFECTURES_BY_CODE.get(code)
    return pref.region_slug if pref else None


def breakdowns(filters: dict, year: int, *, sees_private: bool) -> dict[str, list[Totals]]:
    """The year's published figures by region, by kind and by working group (from the cells)."""
    cells = [c for c in _matching(_year_cells(filters.get("wg")), filters) if c[0] == year]
    by_region = _sum_by(cells, key=lambda c: _region_of(c[1]))
    regions = []
    for slug, region in REGIONS_BY_SLUG.items():
        if slug in by_region:
            by_region[slug].label = region.name
            regions.append(by_region[slug])
    kinds = dict(Institution.Kind.choices)
    by_kind = sorted(_sum_by(cells, key=lambda c: c[2]).values(), key=lambda t: t.key)
    for t in by_kind:
        t.label = str(kinds.get(t.key, ""))
    by_group = _groups(filters, year)
    for total in [*regions, *by_kind, *by_group]:
        total.shown = group_is_shown(total.institutions, total.private, sees_private=sees_private)
    return {"region": regions, "kind": by_kind, "wg": by_group}


def _groups(filters: dict, year: int) -> list[Totals]:
    by_pk = _sum_by(_matching(_group_cells(year, filters.get("wg")), filters), key=lambda c: c[0])
    out = []
    for group in WorkingGroup.objects.filter(pk__in=list(by_pk)).order_by("order", "pk").only(
            "slug", "name_ja", "name_en", "order"):
        t = by_pk[group.pk]
        t.key, t.label = group.slug, pick(group.name_ja, group.name_en)
        out.append(t)
    return out


def with_latest_report(commitments):
    """``commitments`` annotated with their institution's latest published report: ``report_year``,
    ``report_emissions`` (scope 1 and 2) and ``report_share`` (what services.commitments_refresh
    copies onto the commitment)."""
    latest = YearlyReport.objects.published().filter(institution=OuterRef("institution")).order_by("-fiscal_year")
    emissions = ExpressionWrapper(F("scope1") + F("scope2"), output_field=DecimalField(max_digits=13, decimal_places=1))
    return commitments.annotate(
        report_year=Subquery(latest.values("fiscal_year")[:1]),
        report_emissions=Subquery(latest.annotate(e=emissions).values("e")[:1]),
        report_share=Subquery(latest.values("renewable_share")[:1]))


def commitments_filtered(filters: dict):
    """Commitments of the active institutions matching the page's filters (a queryset), tested on
    the institution the query joins: the list of a region walked the members by name and looked
    each one up again (1,186 lookups for a page of 50 at the large scale)."""
    return Commitment.objects.filter(institution_condition(filters, "institution__"),
                                     institution__status=Institution.Status.ACTIVE)


@dataclass
class TrackSummary:
    committed: int
    reporting: int
    on_track: int
    shown: bool


def _commitment_cells(group=None) -> list[tuple]:
    """Cells (None, prefecture, kind) of the active institutions' commitments, or of a group's active
    participants', with their counts: committed, reporting (a published report), on track, reporting
    members-only, reporting public. The overview and the list's count of any filter add them up, as
    the totals add up the report cells: no count of the commitments for each new combination of
    filters (18-60 ms each at the large scale, with a group)."""
    def compute():
        commitments = Commitment.objects.filter(institution__status=Institution.Status.ACTIVE)
        if group is not None:
            commitments = commitments.filter(institution__in=Participation.objects.filter(
                group=group, status=Participation.Status.ACTIVE).values("institution_id"))
        reporting = Q(latest_year__isnull=False)
        rows = commitments.values("institution__prefecture", "institution__kind").annotate(
            committed=Count("pk"), reporting=Count("pk", filter=reporting),
            on_track=Count("pk", filter=reporting & Q(on_track=True)),
            private=Count("pk", filter=reporting & ~Q(visibility=PUBLIC)),
            public=Count("pk", filter=reporting & Q(visibility=PUBLIC))).order_by()
        return [(None, row["institution__prefecture"], row["institution__kind"], row["committed"], row["reporting"],
                 row["on_track"], row["private"], row["public"]) for row in rows]

    return _cached_cells("progress-commitment-cells", getattr(group, "pk", None), compute)


def progress_overview(filters: dict, *, sees_private: bool) -> TrackSummary:
    """How many of the filtered institutions committed, report, and are on track (from the
    commitments' copy of their latest published report, added up from ``_commitment_cells``)."""
    cells = _matching(_commitment_cells(filters.get("wg")), filters)
    committed, reporting, on_track, private = (sum(c[i] for c in cells) for i in (3, 4, 5, 6))
    return TrackSummary(committed=committed, reporting=reporting, on_track=on_track,
                        shown=group_is_shown(reporting, private, sees_private=sees_private))


def listed_count(filters: dict, *, user) -> int | None:
    """How many institutions ``institutions_listed`` lists for ``user``, from the cells: every
    reporting one for members, the public ones for a visitor. None for a signed-in person who is
    not a member (a contact of a member that is not active sees their own too): count the rows."""
    if sees_private_figures(user):
        column = 4
    elif not user.is_authenticated:
        column = 7
    else:
        return None
    return sum(c[column] for c in _matching(_commitment_cells(filters.get("wg")), filters))


def institutions_listed(filters: dict, *, user):
    """The reporting institutions whose figures ``user`` may see (public ones; every one for
    members; their own for contacts), by name: a queryset, of which the page reads one page."""
    qs = commitments_filtered(filters).filter(latest_year__isnull=False)
    if not sees_private_figures(user):
        qs = qs.filter(Q(visibility=PUBLIC) | Q(institution_id__in=contact_institution_ids(user)))
    # only what the list shows: the rows were three times wider with every column of both tables
    return qs.select_related("institution").only(
        "target_year", "visibility", "latest_year", "latest_emissions", "on_track", "institution__slug",
        "institution__name_ja", "institution__name_en").order_by("institution__name_kana", "pk")


def institution_reports(institution, *, user) -> list[YearlyReport]:
    """Published reports, and for its contacts and the secretariat every report, by year."""
    qs = YearlyReport.objects.filter(institution=institution).order_by("fiscal_year")
    if not may_manage_reports(user, institution):
        qs = qs.published()
    return list(qs)


def due_date(fiscal_year: int):
    """The deadline of ``fiscal_year``'s reports: the secretariat's date, or the default."""
    row = ReportingYear.objects.filter(fiscal_year=fiscal_year).values_list("due_on", flat=True).first()
    return row or default_due_date(fiscal_year)


def institutions_expected_to_report(fiscal_year: int):
    """Who owes a report for ``fiscal_year``: active members that made a commitment, and had joined
    by the end of that year (31 March). Membership alone asks for no report: the coalition is a forum
    to share information that members join while still "considering" their efforts, and a
    commitment is the pledge whose yearly follow-up a report is (docs/progress.md, Who reports).
    Reminders and the secretariat's late list both use this one rule."""
    year_end = datetime.date(fiscal_year + 1, 3, 31)
    return (Institution.objects.active().filter(commitment__isnull=False)
            .filter(Q(joined_on__isnull=True) | Q(joined_on__lte=year_end)))


def not_reported(fiscal_year: int) -> list[Institution]:
    """The institutions expected to report (``institutions_expected_to_report``) that have not
    submitted ``fiscal_year``'s report, each with ``reminded`` (the reminders it was sent, e.g.
    [30, 7]), by name (two queries)."""
    done = YearlyReport.objects.filter(fiscal_year=fiscal_year).exclude(status__in=YearlyReport.EDITABLE)
    institutions = list(institutions_expected_to_report(fiscal_year)
                        .exclude(pk__in=done.values("institution_id")).order_by("name_kana", "pk"))
    sent: dict[int, list[int]] = {}
    for institution_id, days in ReportReminder.objects.filter(
            reporting_year__fiscal_year=fiscal_year, institution__in=institutions).order_by("-days") \
            .values_list("institution_id", "days"):
        sent.setdefault(institution_id, []).append(days)
    for institution in institutions:
        institution.reminded = sent.get(institution.pk, [])
    return institutions


def submitted_reports():
    """Reports submitted and waiting for the secretariat, oldest first (a queryset)."""
    return (YearlyReport.objects.filter(status=YearlyReport.Status.SUBMITTED)
            .select_related("institution").order_by("submitted_at", "pk"))


def reports_to_review():
    """Reports submitted and waiting for the secretariat, oldest first."""
    return list(submitted_reports())


def reporting_year() -> int:
    """The fiscal year whose reports are asked for now: the last one that ended."""
    return current_fiscal_year() - 1


def reports_to_submit(user):
    """The institutions ``user`` is a contact of that owe ``reporting_year()``'s report
    (``institutions_expected_to_report``) and have not submitted it: no report yet, a draft, or
    returned for changes (a queryset, by name)."""
    fiscal_year = reporting_year()
    done = YearlyReport.objects.filter(fiscal_year=fiscal_year).exclude(status__in=YearlyReport.EDITABLE)
    return (institutions_expected_to_report(fiscal_year).filter(pk__in=contact_institution_ids(user))
            .exclude(pk__in=done.values("institution_id")).order_by("name_kana", "pk"))


def questions_to_answer(user):
    """Questions nobody has answered on the initiatives ``user`` answers for: those they wrote
    (while staff of the initiative's institution) and those of the institutions they are a contact
    of (``rules.answers_for_question``), never their own questions (a queryset, oldest first)."""
    mine = (Q(initiative__author_id=user.pk, initiative__institution_id__in=institution_ids(user))
            | Q(initiative__institution_id__in=contact_institution_ids(user)))
    return (Question.objects.filter(mine, answer="").exclude(asked_by_id=user.pk)
            .select_related("initiative").order_by("created_at", "pk"))


# Adoptions and questions ------------------------------------------------------------------------

def adoptions_for(initiative) -> list[Adoption]:
    """Who adopted this initiative, with their resulting initiatives (one query), as the page shows
    them: the institution's names, the result's address and status, not their texts."""
    return list(initiative.adoptions.select_related("institution", "result")
                .only("initiative", "kind", "year", "changes", "institution__slug", "institution__name_ja",
                      "institution__name_en", "result__slug", "result__status")
                .order_by("-year", "institution__name_kana"))


def adopted_counts(initiative_ids) -> dict[int, int]:
    return dict(Adoption.objects.filter(initiative_id__in=list(initiative_ids)).values_list("initiative")
                .annotate(n=Count("id")).order_by())


def adoptions_of_institution(institution, *, user) -> dict[str, list[Adoption]]:
    """What the institution adopted and what others adopted from it, among initiatives the user may
    read (two queries)."""
    visible = Q(initiative__status=Initiative.Status.PUBLISHED)
    if not sees_members_only(user):
        visible &= Q(initiative__visibility=Initiative.Visibility.PUBLIC)
    # what the profile's lists show (a title, the other institution's name, the year): the rows'
    # bodies and profiles were 2,400 bytes a row for nothing
    shown = ("year", "initiative__slug", "initiative__language", "initiative__title", "initiative__title_translated")
    adopted = list(Adoption.objects.filter(visible, institution=institution)
                   .select_related("initiative__institution")
                   .only(*shown, "initiative__institution__name_ja", "initiative__institution__name_en")
                   .order_by("-year")[:20])
    from_it = list(Adoption.objects.filter(visible, initiative__institution=institution)
                   .select_related("initiative", "institution")
                   .only(*shown, "institution__name_ja", "institution__name_en").order_by("-year")[:20])
    return {"adopted": adopted, "from_it": from_it}


def questions_for(initiative, *, user) -> list[Question]:
    """Questions on the initiative: all for members, the public answered ones for everyone else."""
    qs = initiative.questions.select_related("institution")
    if not sees_members_only(user):
        qs = qs.filter(is_public=True).exclude(answer="")
    return list(qs.order_by("created_at", "pk"))


def most_adopted(year: int, limit: int = 5) -> list[Initiative]:
    """Public initiatives adopted most often this year (for the home page)."""
    return list(Initiative.objects.public().filter(adoptions__year=year)
                .annotate(n_adoptions=Count("adoptions")).select_related("institution")
                .order_by("-n_adoptions", "-published_at")[:limit])


def adoptions_by_year(filters: dict) -> dict[int, int]:
    qs = Adoption.objects.all()
    if any(filters.get(k) for k in ("region", "prefecture", "kind", "wg")):
        qs = qs.filter(institution__in=institutions_filtered(filters).values("pk"))
    return dict(qs.values_list("year").annotate(n=Count("id")).order_by())

