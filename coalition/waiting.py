"""What waits for a signed-in person: the signed-in home (``/``) and the count in the top menu.

The top layer composes what each app already knows; every queue here is an app's own selector
(the same rows its page lists, with the same rule of who decides them), never a copy of its logic:

- to decide (counted in the menu): membership applications, reports to review, motions proposed by
  members, stale affiliation requests and the requests of groups nobody coordinates (the
  secretariat); join and participation requests of the groups one coordinates; needs to review
  (the secretariat, and coordinators for their themes); affiliation requests and the yearly report
  to submit (an institution's contacts); questions nobody answered on one's initiatives;
- one's drafts (initiatives, news, messages, motions), one's own requests still waiting, and the
  meetings one holds a place for (shown on the home, not counted).

Counting is one SQL query for every kind at once (a ``count(*)`` subquery per kind that applies to
the person's roles), whatever the number of rows; the home then reads the first rows of the kinds
that have any. The count is computed on each signed-in page rather than cached: a count that still
says 1 after the last request was decided is what people notice, and a cache invalidated by every
write to ten tables would be recomputed about as often as it is read. The roles it needs (the
person's affiliations, the groups they coordinate, the secretariat) are the ones the page's own
permission checks read, cached for the request (``members.rules.cached``).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import IntegerField, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from meetings.dissemination.selectors import news_drafts_of
from meetings.governance.selectors import message_drafts_of, motion_drafts_of, motions_proposed_waiting
from meetings.rules import can_see_meeting
from meetings.selectors import registrations_held
from members.models import User
from members.rules import contact_institution_ids, current_affiliations, is_secretariat
from members.selectors import (
    affiliation_requests_for,
    applications_to_decide,
    own_requests_waiting,
    stale_affiliations,
)
from members.templatetags.portal import day
from working_groups.cooperation.selectors import review_queue_for
from working_groups.progress.models import fiscal_year_label
from working_groups.progress.selectors import (
    questions_to_answer,
    reporting_year,
    reports_to_submit,
    submitted_reports,
)
from working_groups.rules import coordinated_group_ids
from working_groups.selectors import initiative_drafts_of, join_requests_for, participation_requests_for

DECIDE, DRAFTS, MEETINGS, MINE = "decide", "drafts", "meetings", "mine"
SHOWN = 5  # rows of each kind on the home; the kind's heading gives the total and links to all


@dataclass(frozen=True)
class Roles:
    """What a person is, read once per request by the rules' own predicates."""

    user: User
    secretariat: bool
    staff: bool
    contact: bool
    coordinator: bool


def roles_of(user) -> Roles:
    staff = bool(current_affiliations(user))
    return Roles(
        user=user,
        secretariat=is_secretariat(user),
        staff=staff,
        contact=bool(contact_institution_ids(user)) if staff else False,
        coordinator=bool(coordinated_group_ids(user)) if staff else False,
    )


@dataclass(frozen=True)
class Row:
    """One line of the home: what it is (a sentence), a detail, and where it is decided."""

    text: str
    url: str
    meta: str = ""


@dataclass(frozen=True)
class Kind:
    key: str
    section: str
    heading: object  # a lazy translated string
    applies: Callable[[Roles], bool]
    queryset: Callable[[Roles], QuerySet]
    row: Callable[[object], Row]
    all_url: Callable[[Roles], str] | None = None  # the page with the whole queue


def _join_row(m) -> Row:
    return Row(_("%(name)s (%(institution)s) asks to join %(group)s.") % {
        "name": m.user.get_full_name() or m.user.email, "institution": m.institution.name, "group": m.group.name},
        reverse("working_groups:group-manage", kwargs={"slug": m.group.slug}), day(m.created_at))


def _participation_row(p) -> Row:
    return Row(_("%(institution)s asks to take part in %(group)s.") % {
        "institution": p.institution.name, "group": p.group.name},
        reverse("working_groups:group-manage", kwargs={"slug": p.group.slug}), day(p.created_at))


def _affiliation_row(a) -> Row:
    return Row(_("%(name)s asks to be affiliated with %(institution)s.") % {
        "name": a.user.get_full_name() or a.user.email, "institution": a.institution.name},
        reverse("members:institution-people", kwargs={"slug": a.institution.slug}), day(a.created_at))


def _report_to_submit_row(institution) -> Row:
    return Row(_("The yearly report of %(institution)s for %(year)s is not submitted yet.") % {
        "institution": institution.name, "year": fiscal_year_label(reporting_year())},
        reverse("progress:institution-progress", kwargs={"slug": institution.slug}))


def _question_row(q) -> Row:
    return Row(_("A question on “%(title)s”") % {"title": q.initiative.title}, q.get_absolute_url(),
               day(q.created_at))


def _registration_row(r) -> Row:
    meeting = r.meeting
    meta = day(meeting.starts_at)
    if r.status == r.Status.WAITING:
        meta = _("%(date)s · on the waiting list") % {"date": meta}
    return Row(meeting.title, meeting.get_absolute_url(), meta)


def _own_request_row(a) -> Row:
    return Row(_("Your request to be affiliated with %(institution)s waits for its contact.") % {
        "institution": a.institution.name}, reverse("members:account"), day(a.created_at))


def _reviewer(r: Roles) -> bool:
    return r.secretariat or r.coordinator


KINDS: list[Kind] = [
    Kind("applications", DECIDE, gettext_lazy("Membership applications to decide"), lambda r: r.secretariat,
         lambda r: applications_to_decide(),
         lambda a: Row(a.institution_name, reverse("members:application-review", kwargs={"pk": a.pk}),
                       f"{a.reference} · {day(a.created_at)}"),
         lambda r: reverse("members:secretariat")),
    Kind("join_requests", DECIDE, gettext_lazy("Requests to join your working groups"), _reviewer,
         lambda r: join_requests_for(r.user, secretariat=r.secretariat), _join_row),
    Kind("participations", DECIDE, gettext_lazy("Institutions asking to take part in your working groups"),
         _reviewer, lambda r: participation_requests_for(r.user, secretariat=r.secretariat), _participation_row),
    Kind("affiliations", DECIDE, gettext_lazy("Affiliation requests to decide"), lambda r: r.contact,
         lambda r: affiliation_requests_for(r.user), _affiliation_row),
    Kind("stale_affiliations", DECIDE, gettext_lazy("Affiliation requests waiting more than a week"),
         lambda r: r.secretariat, lambda r: stale_affiliations(), _affiliation_row,
         lambda r: reverse("members:secretariat")),
    Kind("reports_to_review", DECIDE, gettext_lazy("Yearly reports to review"), lambda r: r.secretariat,
         lambda r: submitted_reports(),
         lambda y: Row(f"{y.institution.name} · {fiscal_year_label(y.fiscal_year)}",
                       reverse("progress:report-review", kwargs={"pk": y.pk}), day(y.submitted_at)),
         lambda r: reverse("progress:review-list")),
    Kind("needs", DECIDE, gettext_lazy("Needs to review"), _reviewer,
         lambda r: review_queue_for(r.user, coordinated_group_ids(r.user), r.secretariat),
         lambda n: Row(n.title, n.get_absolute_url(), day(n.confirmed_at) if n.confirmed_at else ""),
         lambda r: reverse("cooperation:need-review")),
    Kind("motions_proposed", DECIDE, gettext_lazy("Motions proposed by members"), lambda r: r.secretariat,
         lambda r: motions_proposed_waiting(),
         lambda m: Row(m.title, m.get_absolute_url(), m.proposer_institution.name if m.proposer_institution else "")),
    Kind("reports_to_submit", DECIDE, gettext_lazy("Yearly reports to submit"), lambda r: r.contact,
         lambda r: reports_to_submit(r.user), _report_to_submit_row),
    Kind("questions", DECIDE, gettext_lazy("Questions to answer on your initiatives"), lambda r: r.staff,
         lambda r: questions_to_answer(r.user), _question_row),
    Kind("initiative_drafts", DRAFTS, gettext_lazy("Initiatives"), lambda r: r.staff,
         lambda r: initiative_drafts_of(r.user),
         lambda i: Row(i.title, i.get_absolute_url(), day(i.updated_at))),
    Kind("news_drafts", DRAFTS, gettext_lazy("News"), _reviewer, lambda r: news_drafts_of(r.user),
         lambda n: Row(n.title, n.get_absolute_url())),
    Kind("message_drafts", DRAFTS, pgettext_lazy("drafts", "Messages"), _reviewer,
         lambda r: message_drafts_of(r.user), lambda m: Row(m.subject, m.get_absolute_url())),
    Kind("motion_drafts", DRAFTS, gettext_lazy("Motions"), lambda r: r.contact or r.secretariat,
         lambda r: motion_drafts_of(r.user),
         lambda m: Row(m.title, m.get_absolute_url(), m.get_status_display())),
    Kind("own_requests", MINE, gettext_lazy("Your requests waiting for a decision"), lambda r: True,
         lambda r: own_requests_waiting(r.user), _own_request_row),
    Kind("meetings", MEETINGS, gettext_lazy("Your next meetings"), lambda r: True,
         lambda r: registrations_held(r.user), _registration_row,
         lambda r: reverse("members:account") + "#calendar"),
]
BY_KEY = {k.key: k for k in KINDS}


class SubqueryCount(Subquery):
    """``count(*)`` of a queryset as a scalar subquery (its DISTINCT and joins kept)."""

    template = "(SELECT count(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


def counts(roles: Roles) -> dict[str, int]:
    """{kind: number of rows} for every kind that applies to the person (one query)."""
    kinds = [k for k in KINDS if k.applies(roles)]
    annotations = {f"n_{k.key}": SubqueryCount(k.queryset(roles).order_by().values("pk")) for k in kinds}
    row = User.objects.filter(pk=roles.user.pk).values(**annotations).first() or {}
    return {k.key: row.get(f"n_{k.key}", 0) for k in kinds}


def waiting_total(found: dict[str, int]) -> int:
    """What the menu shows: the things others wait for the person to decide or answer."""
    return sum(n for key, n in found.items() if BY_KEY[key].section == DECIDE)


def waiting_count(request) -> int:
    """The menu's count for the signed-in person (once per request; 0 for a visitor)."""
    user = request.user
    if not user.is_authenticated:
        return 0
    if not hasattr(request, "_waiting_total"):
        request._waiting_total = waiting_total(counts(roles_of(user)))
    return request._waiting_total


def desk(request) -> dict:
    """The signed-in home's own part: each section's kinds that have rows, with their first rows."""
    user = request.user
    roles = roles_of(user)
    found = counts(roles)
    request._waiting_total = waiting_total(found)  # the menu on this page reads it, not again
    sections = {DECIDE: [], DRAFTS: [], MINE: [], MEETINGS: []}
    for kind in KINDS:
        total = found.get(kind.key, 0)
        if not total:
            continue
        rows = list(kind.queryset(roles)[:SHOWN + (10 if kind.key == "meetings" else 0)])
        if kind.key == "meetings":  # a place held at a meeting one may no longer see is on the account page
            rows = [r for r in rows if not r.meeting.is_cancelled and can_see_meeting(user, r.meeting)][:SHOWN]
            if not rows:
                continue
        sections[kind.section].append({
            "key": kind.key, "heading": kind.heading, "total": total, "rows": [kind.row(o) for o in rows],
            "more": total > len(rows), "all_url": kind.all_url(roles) if kind.all_url else "",
        })
    return {
        "waiting_total": request._waiting_total,
        "to_decide": sections[DECIDE],
        "drafts": sections[DRAFTS],
        "mine": sections[MINE],
        "meetings": sections[MEETINGS],
        "is_staff": roles.staff,
        "is_secretariat": roles.secretariat,
        "institutions": [a.institution for a in current_affiliations(user)],
        "can_create_initiative": roles.staff,
    }
