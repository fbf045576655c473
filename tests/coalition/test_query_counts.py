"""Every list, export and feed takes as many queries for many rows as for one.

A missing ``select_related``/``prefetch_related`` costs one query per row: invisible with the few
rows of a test, a page that times out with the coalition's. Each case below requests its page once
at one row and once at many (``MANY``), after one warm-up request, and asserts the same number of
queries (every cached fragment computed afresh both times). It also asserts that the many rows
were shown (the body grew), so a case cannot pass by showing nothing.

The cases are found from the URL map, like the permission matrices (tests/coalition/
test_security.py): every URL pattern of the project that looks like a list, an export or a feed
(an Atom feed, an iCalendar, a view that writes CSV or JSON, paginates, filters, or answers at an
address without parameters) must have a case in ``CASES`` or, if it lists nothing that grows, a
reason in ``NOT_A_LIST``. A view whose code names a format (``"csv"``, ``"json"``) needs a case
requesting that format. So a new app's list, export or feed fails
``test_every_list_export_and_feed_has_a_query_count_case`` by name until it has its case.
"""

import datetime
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.syndication.views import Feed
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.views.generic.edit import FormMixin
from django.views.generic.list import MultipleObjectMixin

from meetings.calendar import events_refresh
from meetings.models import (
    AgendaItem,
    CalendarFeed,
    DigestChunk,
    DigestRun,
    Meeting,
    MeetingDocument,
    MinutesRevision,
    VisitorRegistration,
)
from members.audit.models import AuditEntry
from members.cache import NAMESPACES, bump
from members.models import Affiliation, MembershipApplication
from members.notifications.models import Notification
from tests.factories import (
    InstitutionFactory,
    MeetingFactory,
    RegistrationFactory,
    UserFactory,
    WorkingGroupFactory,
    coordinator_of,
    secretariat_user,
    staff_of,
)
from tests.url_names import Probe, url_patterns
from working_groups.models import Initiative, InitiativeRevision, Membership, Participation
from working_groups.services import refresh_derived

pytestmark = pytest.mark.django_db

MANY = 21  # more than a page (20), as many as the issue's measure (7 → 27 queries for 21 people)
# The project's own code: the apps and the second-wave apps nested in them (working_groups.cooperation...).
PROJECT_PACKAGES = ("members", "working_groups", "meetings", "coalition")
# Patterns that are not ours: allauth's accounts pages (the admin is left out by its namespace).
THIRD_PARTY = ("allauth.",)


# ---------------------------------------------------------------------------------------------
# The world every case starts from, and what each case adds
# ---------------------------------------------------------------------------------------------


def _initiative(institution, group, n, **fields):
    i = Initiative(institution=institution, slug=f"qc-{n}-{Initiative.objects.count()}", title=f"取組{n}",
                   summary=f"概要{n}", body="本文", prefecture=institution.prefecture,
                   started_on=datetime.date(2023, 5, 1), status="published", visibility="public",
                   published_at=timezone.now() - datetime.timedelta(days=1), **fields)
    refresh_derived(i)
    i.save()
    i.themes.set([group])
    return i


@pytest.fixture
def world():
    """A coordinating institution, its group and contact (a coordinator, with a calendar feed), the
    secretariat, one public meeting of the group, one public initiative."""
    coordinating = InstitutionFactory(slug="qc-coordinating", prefecture="20")
    group = WorkingGroupFactory(slug="qc-group", coordinators=[coordinating])
    Participation.objects.create(group=group, institution=coordinating, status="active")
    coordinator = coordinator_of(group, coordinating, role="contact")
    meeting = MeetingFactory(group=group, visibility="public")
    return SimpleNamespace(
        coordinating=coordinating, group=group, coordinator=coordinator, secretariat=secretariat_user(),
        meeting=meeting, initiative=_initiative(coordinating, group, 0),
        feed=CalendarFeed.objects.create(user=coordinator), counter=iter(range(1, 10_000)),
    )


def _past(meeting_kwargs):
    past = timezone.now() - datetime.timedelta(days=30)
    return {**meeting_kwargs, "starts_at": past, "ends_at": past + datetime.timedelta(hours=2)}


def add_institutions(w, n):
    """Members of the directory, each in a group, with a contact."""
    for _ in range(n):
        k = next(w.counter)
        inst = InstitutionFactory(prefecture=f"{k % 47 + 1:02d}")
        Participation.objects.create(group=w.group, institution=inst, status="active")
        staff_of(inst, role="contact")


def add_public_meetings(w, n, group=None, past=False):
    """Public meetings with a programme and registrations (each row of a list, a feed, a calendar)."""
    for _ in range(n):
        kwargs = {"group": group or w.group, "visibility": "public"}
        meeting = MeetingFactory(**(_past(kwargs) if past else kwargs))
        AgendaItem.objects.create(meeting=meeting, time="10:00", item_ja="開会", item_en="Opening",
                                  speaker="司会")
        AgendaItem.objects.create(meeting=meeting, time="10:10", item_ja="報告", item_en="Report")
        RegistrationFactory(meeting=meeting)


def add_other_groups_meetings(w, n):
    for _ in range(n):
        add_public_meetings(w, 1, group=WorkingGroupFactory(coordinators=[InstitutionFactory()]))


def add_participants(w, n):
    """Registrations to the world's meeting, each person with an affiliation in every status."""
    for _ in range(n):
        person = staff_of(InstitutionFactory())
        for status in ("pending", "refused", "ended"):
            Affiliation.objects.create(user=person, institution=InstitutionFactory(), status=status)
        RegistrationFactory(meeting=w.meeting, user=person)
        VisitorRegistration.objects.create(meeting=w.meeting, name="来場者", email=f"v{person.pk}@example.net",
                                           affiliation="某市", status="confirmed")
    RegistrationFactory(meeting=w.meeting, status="waiting")


def add_initiatives(w, n, group=None):
    for _ in range(n):
        k = next(w.counter)
        inst = InstitutionFactory(prefecture=f"{k % 47 + 1:02d}")
        i = _initiative(inst, group or w.group, k)
        i.themes.add(WorkingGroupFactory())
        i.partner_institutions.add(InstitutionFactory())


def add_groups(w, n):
    for _ in range(n):
        group = WorkingGroupFactory(coordinators=[InstitutionFactory()])
        inst = InstitutionFactory()
        Participation.objects.create(group=group, institution=inst, status="active")
        Membership.objects.create(group=group, user=staff_of(inst), institution=inst, status="active")
        MeetingFactory(group=group, visibility="public")


def add_home_rows(w, n):
    add_groups(w, n)
    add_public_meetings(w, n)
    add_initiatives(w, n)
    add_published_needs(w, n)
    add_news(w, n)


def add_published_needs(w, n):
    """Needs on the board (the home page shows the latest), each under two themes."""
    from tests.cooperation.conftest import make_need

    for _ in range(n):
        make_need(title=f"公開課題{next(w.counter)}", themes=[w.group, WorkingGroupFactory()])


def add_group_rows(w, n):
    """Member institutions and people of the world's group, its meetings and initiatives."""
    for _ in range(n):
        inst = InstitutionFactory()
        Participation.objects.create(group=w.group, institution=inst, status="active")
        Membership.objects.create(group=w.group, user=staff_of(inst), institution=inst, status="active")
    add_public_meetings(w, n)
    add_initiatives(w, n)


def add_join_requests(w, n):
    for _ in range(n):
        inst = InstitutionFactory()
        Participation.objects.create(group=w.group, institution=inst, status="pending")
        Membership.objects.create(group=w.group, user=staff_of(inst), institution=inst, status="pending")


def add_people(w, n):
    """People of the coordinating institution: approved and waiting for its contact's decision."""
    for _ in range(n):
        staff_of(w.coordinating)
        Affiliation.objects.create(user=UserFactory(), institution=w.coordinating, status="pending")


def add_profile_rows(w, n):
    """What an institution's profile shows: its groups (some it coordinates) and its contacts."""
    for _ in range(n):
        group = WorkingGroupFactory()
        Participation.objects.create(group=group, institution=w.coordinating, status="active")
        group.coordinators.add(w.coordinating)
        staff_of(w.coordinating, role="contact")


def add_history(w, n):
    for k in range(n):
        AuditEntry.objects.create(actor=w.secretariat, actor_label="secretariat", action="institution.edit",
                                  institution_id=w.coordinating.pk, object_label=f"変更{k}", reason=f"理由{k}")


def add_account_rows(w, n):
    """What the coordinator's account shows: requests to decide, groups, registrations."""
    for _ in range(n):
        Affiliation.objects.create(user=UserFactory(), institution=w.coordinating, status="pending")
        group = WorkingGroupFactory()
        Membership.objects.create(group=group, user=w.coordinator, institution=w.coordinating, status="active")
        RegistrationFactory(user=w.coordinator, meeting=MeetingFactory(group=group, visibility="public"))


def add_secretariat_queue(w, n):
    week_ago = timezone.now() - datetime.timedelta(days=8)
    for _ in range(n):
        k = next(w.counter)
        MembershipApplication.objects.create(
            name_ja=f"申請大学{k}", name_en=f"Applicant University {k}", kind="national_university",
            category="participating", prefecture="13", email_domain=f"a{k}.example.ac.jp",
            applicant_name=f"申請者{k}", applicant_title="事務", applicant_email=f"a{k}@a{k}.example.ac.jp",
            representative_name=f"代表{k}", representative_title="学長")
        a = Affiliation.objects.create(user=UserFactory(), institution=InstitutionFactory(), status="pending")
        Affiliation.objects.filter(pk=a.pk).update(created_at=week_ago)


def add_notifications(w, n):
    for _ in range(n):
        person = UserFactory()
        Notification.objects.create(kind="affiliation_decided", recipient=person, email=person.email,
                                    dedup_key=f"qc-{person.pk}", status="sent")


def add_digest_runs(w, n):
    """``n`` weeks' digest runs, each with a chunk built and digests waiting and failed."""
    start = DigestRun.objects.count()
    for week in range(start, start + n):
        ends = timezone.now() - datetime.timedelta(days=7 * week)
        run = DigestRun.objects.create(kind="weekly_digest", period=f"{2000 + week // 50}-W{week % 50 + 1:02d}",
                                       starts_at=ends - datetime.timedelta(days=7), ends_at=ends, chunks_total=1)
        DigestChunk.objects.create(run=run, first_user_id=1, last_user_id=9, status="done", written=2)
        for status in ("queued", "failed"):
            person = UserFactory()
            Notification.objects.create(kind="weekly_digest", recipient=person, email=person.email, status=status,
                                        dedup_key=f"weekly_digest:-:-:u{person.pk}:{run.period}")


def add_institution_groups(w, n):
    for _ in range(n):
        group = WorkingGroupFactory(coordinators=[InstitutionFactory()])
        Participation.objects.create(group=group, institution=w.coordinating, status="active")


def add_initiative_details(w, n):
    for _ in range(n):
        w.initiative.themes.add(WorkingGroupFactory())
        w.initiative.partner_institutions.add(InstitutionFactory())
        _initiative(InstitutionFactory(prefecture="20"), w.group, next(w.counter))


def add_revisions(w, n):
    for k in range(n):
        InitiativeRevision.objects.create(initiative=w.initiative, editor=staff_of(InstitutionFactory()),
                                          editor_label="editor", changes={"title": [f"前{k}", f"後{k}"]})


def add_meeting_details(w, n):
    for k in range(n):
        RegistrationFactory(meeting=w.meeting)
        AgendaItem.objects.create(meeting=w.meeting, time="11:00", item_ja=f"議題{k}")


def add_meeting_documents(w, n):
    """Documents, each with an earlier version (uploaded by someone else) and its history entries:
    the meeting's page lists them all, with the history for those who run it."""
    for k in range(n):
        document = MeetingDocument.objects.create(meeting=w.meeting, title=f"資料{k}", content_type="application/pdf",
                                                  size=100, file=f"meetings/doc{k}.pdf",
                                                  uploaded_by=staff_of(InstitutionFactory()))
        _earlier_version(document, k)
        for action in ("document.add", "document.version"):
            AuditEntry.objects.create(actor=staff_of(InstitutionFactory()), actor_label="editor", action=action,
                                      content_type=ContentType.objects.get_for_model(Meeting),
                                      object_id=w.meeting.pk, detail={"title": document.title})


def _earlier_version(document, k):
    MeetingDocument.objects.create(meeting=document.meeting, title=f"{document.title}（旧）", size=90,
                                   content_type="application/pdf", file=f"meetings/old-{document.pk}-{k}.pdf",
                                   uploaded_by=staff_of(InstitutionFactory()), version_of=document)


def meeting_document(w):
    """The one document whose versions the new-version page lists (the stand-in world has its own)."""
    if isinstance(w, Probe):
        return w.document
    return MeetingDocument.objects.get_or_create(meeting=w.meeting, version_of=None, title="規程",
                                                 defaults={"file": "meetings/rules.pdf", "size": 10})[0]


def add_document_versions(w, n):
    document = meeting_document(w)
    for k in range(n):
        _earlier_version(document, k)


def add_minutes_revisions(w, n):
    for k in range(n):
        MinutesRevision.objects.create(meeting=w.meeting, editor=staff_of(InstitutionFactory()),
                                       editor_label="editor", text=f"議事録{k}")


def add_agenda(w, n):
    for k in range(n):
        AgendaItem.objects.create(meeting=w.meeting, time="11:00", item_ja=f"議題{k}",
                                  speaker=f"講演者{k}")


def events_stored(grow):
    """``grow``, then every meeting's calendar events stored, as scheduling and editing store them
    (meetings.services): a feed reads them. Rendering the ones a feed finds missing is counted in
    tests/meetings/test_feed_events.py."""
    def grown(w, n):
        grow(w, n)
        for meeting in Meeting.objects.filter(events__isnull=True):
            events_refresh(meeting)
    return grown


def add_personal_meetings(w, n):
    """Meetings of the coordinator's group, and of other groups they registered for."""
    add_public_meetings(w, n)
    for _ in range(n):
        RegistrationFactory(user=w.coordinator, meeting=MeetingFactory(visibility="members"))


def _commitment(institution):
    from working_groups.progress.models import Commitment

    return Commitment.objects.create(institution=institution, target_year=2050, baseline_year=2013,
                                     baseline_emissions=4000, interim_year=2030, interim_reduction=50)


def _report(institution, year, status):
    from working_groups.progress.models import YearlyReport

    return YearlyReport.objects.create(
        institution=institution, fiscal_year=year, status=status, scope1=1000, scope2=2000, energy_gj=10000,
        renewable_share=20, floor_area=100000, headcount=5000, review_comment="出典を添えてください",
        submitted_at=timezone.now() - datetime.timedelta(days=2), reviewed_at=timezone.now())


def add_yearly_reports(w, n):
    """For the secretariat's review queue: a report waiting, one returned, an institution late."""
    from working_groups.progress.models import YearlyReport, current_fiscal_year

    year = current_fiscal_year() - 1
    for _ in range(n):
        # Joined before the year began: the factory's random date may fall after the year's end, and an
        # institution that joined then owes no report (a 1-row page with nobody late proves nothing).
        waiting, returned, late = (InstitutionFactory(joined_on=datetime.date(year - 2, 4, 1)) for _ in range(3))
        for inst in (waiting, returned, late):
            _commitment(inst)
        _report(waiting, year, YearlyReport.Status.SUBMITTED)
        _report(returned, year - 1, YearlyReport.Status.RETURNED)


def add_submitted_needs(w, n):
    """Needs confirmed by their submitters, waiting for review, each under two themes."""
    from working_groups.cooperation.models import Need, Partner
    from working_groups.cooperation.services import need_refresh

    for _ in range(n):
        k = next(w.counter)
        need = Need(title=f"地域課題{k}", description="説明です。", prefecture="20", help_kind=Need.Help.JOINT_RESEARCH,
                    status=Need.Status.SUBMITTED, organisation=f"みどり野市{k}",
                    organisation_kind=Partner.Kind.MUNICIPALITY, contact_name="市役所 花子", contact_role="環境課",
                    contact_email=f"official{k}@town.example.jp", confirmed_at=timezone.now())
        need_refresh(need)
        need.save()
        need.themes.set([w.group, WorkingGroupFactory()])


def add_news(w, n, group=None):
    """Published news of the coalition (or of ``group``), in both languages."""
    from meetings.dissemination import services as news

    for _ in range(n):
        k = next(w.counter)
        item = news.news_create(by=w.secretariat, data={
            "kind": "news", "title_ja": f"お知らせ{k}", "title_en": f"News {k}", "summary_ja": f"概要{k}",
            "summary_en": f"Summary {k}", "body_ja": "本文", "body_en": "Text", **({"group": group} if group else {})})
        news.news_publish(item=item, by=w.secretariat)


def add_issues(w, n):
    """Newsletter issues, drafts and sent ones, and subscribers in each state."""
    from meetings.dissemination.models import NewsletterIssue, Subscriber

    for _ in range(n):
        k = next(w.counter)
        NewsletterIssue.objects.create(subject_ja=f"第{k}号", subject_en=f"Issue {k}", body_ja="本文",
                                       created_by=w.secretariat)
        NewsletterIssue.objects.create(subject_ja=f"第{k}号（送信済み）", body_ja="本文", status="sent",
                                       sent_at=timezone.now(), recipients=k, created_by=w.secretariat)
        Subscriber.objects.create(email=f"reader{k}@example.org", status=Subscriber.Status.CONFIRMED)
        Subscriber.objects.create(email=f"pending{k}@example.org")


def add_search_rows(w, n):
    """Rows of every kind the site's search finds for 水素, each kind with what its result shows
    (an institution's kind, an initiative's themes, a meeting's group, a need's partner, an entry's
    institution)."""
    from meetings.dissemination import services as news
    from tests.cooperation.conftest import make_expertise, make_need
    from working_groups.cooperation.models import Partner

    for _ in range(n):
        k = next(w.counter)
        inst = InstitutionFactory(name_ja=f"水素大学{k}", prefecture=f"{k % 47 + 1:02d}")
        initiative = _initiative(inst, w.group, k)
        initiative.title = f"水素の取組{k}"
        refresh_derived(initiative)
        initiative.save()
        initiative.themes.add(WorkingGroupFactory())
        MeetingFactory(group=WorkingGroupFactory(), title_ja=f"水素の会合{k}", visibility="public")
        item = news.news_create(by=w.secretariat, data={"kind": "news", "title_ja": f"水素のお知らせ{k}",
                                                        "summary_ja": "概要", "body_ja": "本文"})
        news.news_publish(item=item, by=w.secretariat)
        partner = Partner.objects.create(slug=f"qc-partner-{k}", kind="municipality", name_ja=f"水素市{k}")
        make_need(title=f"水素の課題{k}", themes=[w.group, WorkingGroupFactory()], partner=partner)
        make_expertise(institution=inst, author=w.coordinator, title=f"水素の研究{k}",
                       themes=[w.group, WorkingGroupFactory()])


def _needs_partner(w):
    """A partner whose page lists the needs ``add_partner_needs`` adds."""
    from working_groups.cooperation.models import Partner

    partner, _created = Partner.objects.get_or_create(slug="qc-needs-partner", defaults={
        "kind": "municipality", "name_ja": "課題市", "name_en": "Needs City"})
    return partner


def add_partner_needs(w, n):
    """Open and past needs of the partner, each on two themes (the cards show the themes' names)."""
    from tests.cooperation.conftest import make_need
    from working_groups.cooperation.models import Need

    for _ in range(n):
        k = next(w.counter)
        status = Need.Status.PUBLISHED if k % 2 else Need.Status.CLOSED
        make_need(title=f"相手先の課題{k}", themes=[w.group, WorkingGroupFactory()], partner=_needs_partner(w),
                  status=status)


def add_desk_rows_for_coordinator(w, n):
    """What the signed-in home lists for the coordinator (a contact too): join and participation
    requests, affiliation requests, questions on the institution's initiatives, their drafts,
    their registrations, and the groups that others coordinate (none of which may show)."""
    from working_groups.progress.models import Question

    add_join_requests(w, n)
    for _ in range(n):
        k = next(w.counter)
        Affiliation.objects.create(user=UserFactory(), institution=w.coordinating, status="pending")
        Question.objects.create(initiative=w.initiative, asked_by=UserFactory(), body=f"質問{k}")
        draft = _initiative(w.coordinating, w.group, k, author=w.coordinator)
        Initiative.objects.filter(pk=draft.pk).update(status="draft", published_at=None)
        RegistrationFactory(user=w.coordinator, meeting=MeetingFactory(group=w.group, visibility="public"))
        other = WorkingGroupFactory(coordinators=[InstitutionFactory()])
        Membership.objects.create(group=other, user=staff_of(InstitutionFactory()), institution=InstitutionFactory(),
                                  status="pending")


def add_desk_rows_for_secretariat(w, n):
    """What the signed-in home lists for the secretariat: applications and stale affiliation
    requests, reports and needs to review, and requests of a group nobody coordinates."""
    add_secretariat_queue(w, n)
    add_yearly_reports(w, n)
    add_submitted_needs(w, n)
    orphan = WorkingGroupFactory(coordinators=[InstitutionFactory()])
    for _ in range(n):
        inst = InstitutionFactory()
        Membership.objects.create(group=orphan, user=staff_of(inst), institution=inst, status="pending")


# ---------------------------------------------------------------------------------------------
# The cases: URL name → the requests counted
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    path: Callable  # (world) -> the address
    grow: Callable  # (world, n): add n rows the page shows
    viewer: str | None = None  # the world's attribute signed in; None: a visitor


CASES: dict[str, dict[str, Case]] = {
    "home": {
        "home": Case(lambda w: "/ja/", add_home_rows),
        # signed in: the person's own home (coalition/waiting.py), one count query for every kind
        "coordinator": Case(lambda w: "/ja/", add_desk_rows_for_coordinator, "coordinator"),
        "secretariat": Case(lambda w: "/ja/", add_desk_rows_for_secretariat, "secretariat"),
    },
    "members:directory": {
        "page": Case(lambda w: "/ja/members/", add_institutions),
        "filtered": Case(lambda w: "/ja/members/?region=chubu&kind=national_university&q=大学", add_institutions),
        "csv": Case(lambda w: "/ja/members/?format=csv", add_institutions),
        "json": Case(lambda w: "/ja/members/?format=json", add_institutions),
        "group": Case(lambda w: f"/ja/members/?wg={w.group.slug}&format=csv", add_institutions),
    },
    "members:institution-detail": {
        "profile": Case(lambda w: f"/ja/members/{w.coordinating.slug}/", add_profile_rows, "coordinator"),
    },
    "members:institution-people": {
        "people": Case(lambda w: f"/ja/members/{w.coordinating.slug}/people/", add_people, "coordinator"),
    },
    "members:institution-history": {
        "history": Case(lambda w: f"/ja/members/{w.coordinating.slug}/history/", add_history, "secretariat"),
    },
    "members:account": {"account": Case(lambda w: "/ja/account/", add_account_rows, "coordinator")},
    "members:secretariat": {"queue": Case(lambda w: "/ja/secretariat/", add_secretariat_queue, "secretariat")},
    "members:member-admin": {
        "members": Case(lambda w: "/ja/secretariat/members/", add_institutions, "secretariat"),
    },
    "members:pick-people": {
        "search": Case(lambda w: "/ja/writing/people/?q=person", add_people, "coordinator"),
        "institution": Case(lambda w: f"/ja/writing/people/?q=example&institution={w.coordinating.pk}", add_people,
                            "coordinator"),
    },
    "members:pick-institutions": {
        "all": Case(lambda w: "/ja/writing/institutions/", add_institutions, "coordinator"),
        "search": Case(lambda w: "/ja/writing/institutions/?q=大学", add_institutions, "coordinator"),
    },
    "members:outbox": {"outbox": Case(lambda w: "/ja/secretariat/outbox/", add_notifications, "secretariat")},
    "meetings:digest-runs": {"runs": Case(lambda w: "/ja/secretariat/digests/", add_digest_runs, "secretariat")},
    "working_groups:group-list": {"groups": Case(lambda w: "/ja/working-groups/", add_groups, "coordinator")},
    "working_groups:group-detail": {
        "group": Case(lambda w: f"/ja/working-groups/{w.group.slug}/", add_group_rows, "coordinator"),
    },
    "working_groups:group-manage": {
        "requests": Case(lambda w: f"/ja/working-groups/{w.group.slug}/manage/", add_join_requests, "coordinator"),
    },
    "working_groups:institution-groups": {
        "groups": Case(lambda w: f"/ja/members/{w.coordinating.slug}/groups/", add_institution_groups,
                       "coordinator"),
    },
    "working_groups:initiative-list": {
        "page": Case(lambda w: "/ja/initiatives/", add_initiatives),
        "search": Case(lambda w: "/ja/initiatives/?q=取組", add_initiatives, "coordinator"),
        "group": Case(lambda w: f"/ja/initiatives/?wg={w.group.slug}&region=chubu", add_initiatives),
    },
    "working_groups:initiative-feed": {
        "public": Case(lambda w: "/ja/initiatives/feed/", add_initiatives),
        "group": Case(lambda w: f"/ja/initiatives/feed/?wg={w.group.slug}", add_initiatives),
    },
    "working_groups:initiative-detail": {
        "initiative": Case(lambda w: f"/ja/initiatives/{w.initiative.slug}/", add_initiative_details),
    },
    "working_groups:initiative-revisions": {
        "revisions": Case(lambda w: f"/ja/initiatives/{w.initiative.slug}/revisions/", add_revisions,
                          "coordinator"),
    },
    "meetings:meeting-list": {
        "upcoming": Case(lambda w: "/ja/meetings/", add_other_groups_meetings, "coordinator"),
        "past": Case(lambda w: "/ja/meetings/?when=past", lambda w, n: add_public_meetings(w, n, past=True)),
        "group": Case(lambda w: f"/ja/meetings/?wg={w.group.slug}&format=online", add_public_meetings),
    },
    "meetings:meeting-detail": {
        "meeting": Case(lambda w: f"/ja/meetings/{w.meeting.pk}/", add_meeting_details, "coordinator"),
        "documents": Case(lambda w: f"/ja/meetings/{w.meeting.pk}/", add_meeting_documents, "coordinator"),
    },
    "meetings:document-version": {
        "versions": Case(lambda w: f"/ja/meetings/{w.meeting.pk}/documents/{meeting_document(w).pk}/version/",
                         add_document_versions, "coordinator"),
    },
    "meetings:meeting-ical": {"ical": Case(lambda w: f"/ja/meetings/{w.meeting.pk}/ical/", add_agenda)},
    "meetings:participants": {
        "page": Case(lambda w: f"/ja/meetings/{w.meeting.pk}/participants/", add_participants, "coordinator"),
        "csv": Case(lambda w: f"/ja/meetings/{w.meeting.pk}/participants/?format=csv", add_participants,
                    "coordinator"),
    },
    "meetings:minutes-edit": {
        "revisions": Case(lambda w: f"/ja/meetings/{w.meeting.pk}/minutes/", add_minutes_revisions,
                          "coordinator"),
    },
    "meetings:public-feed": {
        "public": Case(lambda w: "/ja/meetings/ical/", events_stored(add_other_groups_meetings)),
        "group": Case(lambda w: f"/ja/meetings/ical/?wg={w.group.slug}", events_stored(add_public_meetings)),
    },
    "meetings:personal-feed": {
        "personal": Case(lambda w: f"/ja/meetings/ical/{w.feed.token}/", events_stored(add_personal_meetings)),
    },
    "progress:review-list": {"queue": Case(lambda w: "/ja/secretariat/progress/", add_yearly_reports, "secretariat")},
    # a partner's page: its open and past needs as cards, with their themes
    "cooperation:partner-detail": {
        "needs": Case(lambda w: f"/ja/partners/{_needs_partner(w).slug}/", add_partner_needs),
    },
    "cooperation:need-review": {
        "secretariat": Case(lambda w: "/ja/needs/review/", add_submitted_needs, "secretariat"),
        "coordinator": Case(lambda w: "/ja/needs/review/", add_submitted_needs, "coordinator"),
    },
    "dissemination:news-feed": {
        "public": Case(lambda w: "/ja/news/feed/", add_news),
        "group": Case(lambda w: f"/en/news/feed/?wg={w.group.slug}", lambda w, n: add_news(w, n, group=w.group)),
    },
    "dissemination:issue-list": {"issues": Case(lambda w: "/ja/newsletter/issues/", add_issues, "secretariat")},
    # the site's search: the counts of every kind (one query) and the open tab's page
    "search": {
        "visitor": Case(lambda w: "/ja/search/?q=水素", add_search_rows),
        **{kind: Case(lambda w, kind=kind: f"/ja/search/?q=水素&kind={kind}", add_search_rows, "coordinator")
           for kind in ("members", "initiatives", "meetings", "news", "needs", "partners", "expertise")},
    },
}

# Patterns that look like a list (an address without parameters) but list nothing that grows.
# Lists, exports and feeds of the second-wave apps whose counts are asserted in their own test modules,
# with the formats those tests request (test_counted_elsewhere_names_real_tests checks that they do).
ELSEWHERE = {
    "cooperation:partner-list": ("tests/cooperation/test_lists.py::test_query_counts_do_not_grow_with_the_data",
                                 ("csv", "json")),
    "cooperation:need-list": ("tests/cooperation/test_lists.py::test_query_counts_do_not_grow_with_the_data",
                              ("csv", "json")),
    "cooperation:expertise-list": ("tests/cooperation/test_lists.py::test_query_counts_do_not_grow_with_the_data",
                                   ("csv", "json")),
    "cooperation:need-feed": ("tests/cooperation/test_lists.py::test_query_counts_do_not_grow_with_the_data", ()),
    "progress:progress": ("tests/progress/test_pages.py::test_progress_page_queries_do_not_grow_with_the_data",
                          ("csv", "json")),
    "progress:institution-progress": (
        "tests/progress/test_pages.py::test_institution_page_queries_do_not_grow_with_the_years", ("csv", "json")),
    "governance:session-list": (
        "tests/governance/test_pages.py::test_session_list_query_count_does_not_grow_with_sessions", ()),
    "governance:message-list": (
        "tests/governance/test_messages.py::test_message_list_query_count_does_not_grow_with_messages", ()),
    "dissemination:news-list": (
        "tests/dissemination/test_news.py::test_news_list_query_count_does_not_grow_with_the_news", ()),
    "sitemap-section": ("tests/dissemination/test_seo.py::test_a_sitemap_page_reads_one_query_whatever_its_rows", ()),
    # the REST API: a page of 30 rows against a page of one, as a token of staff (tests/api/)
    **{f"api:{name}": ("tests/api/test_api.py::test_api_queries_do_not_grow_with_page_size", ())
       for name in ("institution-list", "workinggroup-list", "initiative-list", "meeting-list", "meeting-detail",
                    "partner-list", "need-list", "expertise-list", "news-list")},
}

NOT_A_LIST = {
    "healthz": "two checks (database, Redis), no rows",
    "members:apply": "the membership application form",
    "members:apply-done": "a confirmation page",
    "members:affiliation-request": "a form; its suggestions are the institutions of the person's e-mail domain",
    "members:member-import": "an upload form (the import's report shows one file's rows)",
    "working_groups:people-import": "an upload form (the check's report shows one file's rows)",
    "working_groups:people-import-template": "the CSV template: a header and two example rows, in code",
    "notifications:settings": "one line per notification kind, a list in code",
    "working_groups:group-create": "a form",
    "working_groups:initiative-create": "a form (its choices are the person's institutions and the groups)",
    "meetings:meeting-create": "a form (its choices are the groups the person may schedule for)",
    "robots": "a text of a few lines",
    "sitemap": "the sitemap index: one line per section, a list in code",
    "cooperation:need-sent": "a confirmation page",
    "dissemination:news-create": "a form",
    "dissemination:about": "one page; its group list is the handful of working groups, read in one query",
    "dissemination:newsletter": "the subscription form",
    "dissemination:newsletter-sent": "a confirmation page",
    "dissemination:issue-create": "a form",
    "api:root": "the API's list of its endpoints, a list in code",
    "api:schema": "the OpenAPI document, generated from the code",
    "api:docs": "the Swagger UI page that loads the schema",
    "api:institution-detail": "one institution and the slugs of its groups (one query for them)",
    "api:workinggroup-detail": "one group, its coordinators prefetched, its counts in two grouped queries",
    "api:initiative-detail": "one initiative, its themes and partner members prefetched",
    "api:partner-detail": "one partner, its member institution joined, its open needs counted in the query",
    "api:need-detail": "one need, its partner joined, its themes prefetched",
    "api:expertise-detail": "one entry, its institution joined, its themes prefetched",
    "api:news-detail": "one news item through the news list's own row query (news_rows)",
    "api:progress": "the progress page's own figures (one function: progress:progress's count case holds it)",
    "api:institution-progress": "the institution page's figures (one function: progress:institution-progress's "
                                "count case holds it)",
    "governance:message-create": "a form (its choices are the groups the writer may write to)",
}


def _case_params():
    return [pytest.param(name, key, case, id=f"{name}-{key}") for name, cases in CASES.items()
            for key, case in cases.items()]


def _count(client, path) -> tuple[int, bytes]:
    """The queries of one request, its cached fragments computed afresh (every namespace bumped)."""
    bump(*NAMESPACES)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(ctx), body


@pytest.mark.parametrize(("name", "key", "case"), _case_params())
def test_queries_do_not_grow_with_rows(client, world, name, key, case):
    if case.viewer:
        client.force_login(getattr(world, case.viewer))
    path = case.path(world)
    case.grow(world, 1)
    _count(client, path)  # warm-up: the session, the content types, the site's caches
    one, body_one = _count(client, path)
    case.grow(world, MANY - 1)
    many, body_many = _count(client, path)
    assert len(body_many) > len(body_one), f"{path}: the rows added are not shown, the count proves nothing"
    assert many == one, f"{path}: {one} queries at 1 row, {many} at {MANY}: a query per row"


# ---------------------------------------------------------------------------------------------
# Every list, export and feed of the URL map has its case
# ---------------------------------------------------------------------------------------------


def _project_source(callback) -> str:
    """The code of a view: the function, or the class with the project's own bases (mixins)."""
    cls = getattr(callback, "view_class", None) or (type(callback) if isinstance(callback, Feed) else None)
    try:
        if cls is None:
            return inspect.getsource(inspect.unwrap(callback))
        return "\n".join(inspect.getsource(base) for base in cls.__mro__
                         if base.__module__.split(".")[0] in PROJECT_PACKAGES)
    except (OSError, TypeError):  # no source to read (a builtin, a generated callable): judged by its address
        return ""


def _answers_get(callback) -> bool:
    cls = getattr(callback, "view_class", None)
    return cls is None or hasattr(cls, "get")


def list_signs(route: str, callback) -> list[str]:
    """Why a pattern looks like a list, an export or a feed (empty: it does not)."""
    if not _answers_get(callback):
        return []
    source = _project_source(callback)
    signs = []
    if isinstance(callback, Feed):
        signs.append("a syndication feed")
    if re.search(r"(feed|ical|atom|rss|export|sitemap|api/|\.csv|\.json|\.ics|\.xml)", route):
        signs.append("its address names a feed or an export")
    if re.search(r"text/csv|text/calendar|application/json|JsonResponse|csv\.writer|calendar_of|[\"'](csv|json)[\"']",
                 source):
        signs.append("it writes CSV, JSON or iCalendar")
    cls = getattr(callback, "view_class", None)
    if (re.search(r"page_of|paginate_by|Paginator|ListView|FilterSet|filterset", source)
            or (cls is not None and issubclass(cls, MultipleObjectMixin))):
        signs.append("it paginates or filters a list")
    is_form = cls is not None and issubclass(cls, FormMixin)
    if not signs and "<" not in route and "(?P" not in route and not is_form:
        signs.append("an address without parameters")
    return signs


def project_patterns():
    """(name, route, callback) of every pattern but the admin's and allauth's (Django's generic views
    routed by one of our apps are ours)."""
    return [(name, route, callback) for namespace, name, route, callback in url_patterns()
            if namespace != "admin" and not callback.__module__.startswith(THIRD_PARTY)
            and not allauth_redirect(callback)]


def allauth_redirect(callback) -> bool:
    """allauth's permanent redirects from its old social-account addresses (Django's RedirectView)."""
    return getattr(callback, "view_initkwargs", {}).get("pattern_name", "").startswith("socialaccount_")


def test_every_list_export_and_feed_has_a_query_count_case():
    missing = []
    for name, route, callback in project_patterns():
        signs = list_signs(route, callback)
        if signs and name not in CASES and name not in NOT_A_LIST and name not in ELSEWHERE:
            missing.append(f"{name} (/{route}): {', '.join(signs)}")
    if missing:
        pytest.fail("these URL patterns look like a list, an export or a feed and have no query-count case; "
                    "add one to CASES in tests/coalition/test_query_counts.py (or, if nothing they show grows, "
                    "the reason to NOT_A_LIST):\n  " + "\n  ".join(missing), pytrace=False)


def test_every_export_format_has_its_case():
    """A view whose code names a format (``"csv"``, ``"json"``) has a case that requests it."""
    missing = []
    for name, route, callback in project_patterns():
        if not _answers_get(callback):
            continue
        source = _project_source(callback)
        for fmt in ("csv", "json"):
            if re.search(rf"[\"']{fmt}[\"']", source):
                paths = [case.path(Probe()) for case in CASES.get(name, {}).values()]
                if fmt in ELSEWHERE.get(name, ("", ()))[1]:
                    continue
                if not any(f"format={fmt}" in p or p.split("?")[0].endswith(f".{fmt}") for p in paths):
                    missing.append(f"{name} (/{route}): {fmt}")
    if missing:
        pytest.fail("exports without a query-count case of their format (add one to CASES in "
                    "tests/coalition/test_query_counts.py):\n  " + "\n  ".join(missing), pytrace=False)


def test_cases_name_real_patterns():
    names = {name for name, _, _ in project_patterns()}
    listed = [set(CASES), set(NOT_A_LIST), set(ELSEWHERE)]
    assert sorted(set().union(*listed) - names) == []
    assert sum(len(group) for group in listed) == len(set().union(*listed))  # each name in one place


def test_counted_elsewhere_names_real_tests():
    """Each test ELSEWHERE names exists, and requests every format it is said to count."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for name, (node, formats) in ELSEWHERE.items():
        path, function = node.split("::")
        source = (root / path).read_text()
        assert f"def {function}(" in source, f"{name}: {node} does not exist"
        body = source.split(f"def {function}(", 1)[1].split("\ndef ", 1)[0]
        for fmt in formats:
            assert f"format={fmt}" in body or "format={fmt}" in body, f"{name}: {node} does not request {fmt}"


def test_the_detection_sees_the_known_exports_and_feeds():
    """The signs above find what we know is there (a guard against a regex that stops matching)."""
    signs = {name: list_signs(route, callback) for name, route, callback in project_patterns()}
    assert "a syndication feed" in signs["working_groups:initiative-feed"]
    assert "it writes CSV, JSON or iCalendar" in signs["members:directory"]
    assert "it writes CSV, JSON or iCalendar" in signs["meetings:participants"]
    assert "its address names a feed or an export" in signs["meetings:personal-feed"]
    assert "it paginates or filters a list" in signs["meetings:meeting-list"]
    assert "it paginates or filters a list" in signs["members:outbox"]  # a ListView
    assert signs["meetings:register"] == []  # POST only
