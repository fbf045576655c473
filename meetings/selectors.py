"""Reads of the meetings app that depend on who asks."""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Right
from django.utils import timezone, translation

from members.audit.models import AuditEntry
from members.i18n import pick
from members.models import Affiliation, Institution, User
from members.notifications.models import Notification
from members.notifications.rendering import url_in
from members.templatetags.portal import when
from working_groups.models import Membership
from working_groups.rules import active_group_ids
from working_groups.selectors import current_groups_of

from .models import MAX_LENGTH, DigestChunk, Meeting, Registration, VisitorRegistration
from .rules import NOBODY, Viewer, may_see, viewer, viewers, visible_q


def meetings_visible_to(user):
    """Meetings ``user`` may see (the rule of meetings.rules, as a queryset)."""
    return Meeting.objects.filter(visible_q(viewer(user)))


def public_meetings():
    """What a visitor may see: the home page, the public calendar feed."""
    return Meeting.objects.filter(visible_q(NOBODY))


# What a calendar feed holds (docs/urls.md): the coming meetings, soonest first, and a window of
# recent past ones, so a subscriber's calendar keeps what just happened without growing forever.
FEED_UPCOMING = 500
FEED_PAST = 100
FEED_PAST_DAYS = 90


def feed_window(queryset, *, now=None) -> list:
    """The meetings of ``queryset`` a calendar feed lists, in order of start: every meeting not yet
    over (at most ``FEED_UPCOMING``, the soonest), then the latest ``FEED_PAST`` of those that
    ended in the last ``FEED_PAST_DAYS`` days. A fixed number of queries: two reads of ids, then
    the meetings with what ``queryset`` prefetches."""
    ids = [pk for pk, _ in feed_window_rows(queryset, now=now)]
    return list(queryset.filter(pk__in=ids).order_by("starts_at", "pk"))


def feed_window_rows(queryset, *, now=None) -> list[tuple]:
    """``feed_window``'s meetings as (pk, updated_at), in order of start: what a feed's ETag and its
    stored events need, without loading the meetings (two queries)."""
    now = now or timezone.now()
    rows = queryset.values_list("pk", "starts_at", "updated_at")
    since = now - timedelta(days=FEED_PAST_DAYS)
    # starts_at bounds both ranges too (a meeting lasts at most MAX_LENGTH): the starts_at index
    upcoming = list(rows.filter(ends_at__gte=now, starts_at__gt=now - MAX_LENGTH)
                    .order_by("starts_at", "pk")[:FEED_UPCOMING])
    past = list(rows.filter(ends_at__lt=now, ends_at__gte=since, starts_at__gt=since - MAX_LENGTH)
                .order_by("-starts_at", "-pk")[:FEED_PAST])
    return [(pk, updated_at) for pk, _, updated_at in sorted(upcoming + past, key=lambda r: (r[1], r[0]))]


def who_may_see(meeting, people) -> list:
    """Those of ``people`` (users) who may see ``meeting``: the rule of meetings.rules applied to
    many people at once (a fixed number of queries however many). A registration outlives the
    right that allowed it (someone leaves the group, an institution is suspended); such a person
    is told nothing more about the meeting, and its online link least of all."""
    people = list(people)
    if meeting.visibility == Meeting.Visibility.PUBLIC:
        return people
    seen = viewers(p.pk for p in people)
    return [p for p in people if may_see(seen[p.pk], meeting)]


def audience(meeting) -> list[User]:
    """Who is told of a new meeting: the group's members; for the general meeting (and a general
    symposium) the representatives and contacts of all active members."""
    if meeting.group_id and not meeting.group.is_general_meeting:
        return list(User.objects.filter(is_active=True, group_memberships__group=meeting.group,
                                        group_memberships__status=Membership.Status.ACTIVE).distinct())
    roles = [Affiliation.Role.REPRESENTATIVE]
    if meeting.kind == Meeting.Kind.SYMPOSIUM:
        roles.append(Affiliation.Role.CONTACT)
    return list(User.objects.filter(
        is_active=True, affiliations__status=Affiliation.Status.APPROVED, affiliations__role__in=roles,
        affiliations__institution__status=Institution.Status.ACTIVE,
    ).distinct())


def registered_people(meeting) -> list[User]:
    """People holding a place or waiting for one who may still see the meeting (who_may_see)."""
    return who_may_see(meeting, User.objects.filter(
        is_active=True, registrations__meeting=meeting,
        registrations__status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITING],
    ).distinct())


def registered_visitors(meeting) -> dict[str, list[str]]:
    """The addresses of visitors holding a place or waiting for one (told of changes and of the
    cancelling), by the language they registered in."""
    by_language: dict[str, list[str]] = {}
    for email, language in VisitorRegistration.objects.filter(
        meeting=meeting, status__in=[VisitorRegistration.Status.CONFIRMED, VisitorRegistration.Status.WAITING],
    ).values_list("email", "language"):
        by_language.setdefault(language, []).append(email)
    return by_language


def meeting_rows(queryset):
    """What a list row shows, in one query."""
    return queryset.select_related("group")


def next_meetings(*, groups, user) -> dict[int, Meeting]:
    """The next visible meeting of each group (one query for all groups)."""
    ids = [g.pk for g in groups]
    upcoming = (meetings_visible_to(user).not_cancelled().upcoming().filter(group_id__in=ids)
                .order_by("group_id", "starts_at"))
    out = {}
    for meeting in upcoming.only("pk", "group_id", "starts_at", "ends_at", "title_ja", "title_en")[:500]:
        out.setdefault(meeting.group_id, meeting)
    return out


def personal_meetings(user):
    """A person's calendar: meetings they registered for, and those of their groups.

    The registrations are a subquery (PostgreSQL hashes the person's few rows once), not a join:
    joining every registration of every meeting in the window, then DISTINCT, read 17,000 rows
    for a feed of 683 at the large scale (30 ms; 3 ms as a subquery)."""
    groups = active_group_ids(user)
    registered = Registration.objects.filter(
        user_id=user.pk, status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITING],
    ).values("meeting_id")
    return meetings_visible_to(user).filter(Q(pk__in=registered) | Q(group_id__in=groups))


def registrations_held(user):
    """The places ``user`` holds or waits for at meetings not yet over, soonest first (a queryset;
    who may still see each meeting is the rule's, asked per row by the caller)."""
    now = timezone.now()
    return Registration.objects.filter(
        user_id=user.pk, status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITING],
        meeting__ends_at__gte=now, meeting__starts_at__gt=now - MAX_LENGTH,
    ).select_related("meeting__group").order_by("meeting__starts_at", "meeting_id")


def my_registration(user, meeting):
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(meeting=meeting, user=user).first()


def waiting_position(registration) -> int | None:
    """1 for the first on the waiting list (places are given in that order), None when not waiting."""
    if registration is None or registration.status != Registration.Status.WAITING:
        return None
    ahead = Registration.objects.waiting().filter(meeting_id=registration.meeting_id).filter(
        Q(queued_at__lt=registration.queued_at) | Q(queued_at=registration.queued_at, pk__lt=registration.pk))
    return ahead.count() + 1


def _digest_items(users, meetings, groups_of, meta):
    """Each reader's items: meetings of their groups that they may see (the rule, for the batch)."""
    # Each meeting's item in each language is built once for the batch, not once per reader.
    item = {(m.pk, lang): {"title": pick(m.title_ja, m.title_en, lang), "url": url_in(lang, m),
                           "meta": meta(m, lang)}
            for m in meetings for lang in ("ja", "en")}
    out = {}
    for user in users:
        lang = "en" if user.language == "en" else "ja"
        mine = groups_of.get(user.pk, set())
        # What current_groups_of found makes the reader staff of an active member in these groups:
        # enough for the rule to judge their own groups' meetings, without asking again.
        seen = Viewer(staff=bool(mine), groups=frozenset(mine))
        items = [item[m.pk, lang] for m in meetings if m.group_id in mine and may_see(seen, m)]
        if items:
            out[user.pk] = items[:20]
    return out


def upcoming_for_digest(users, period) -> dict[int, list[dict]]:
    """The weekly digest's section of meetings of each person's groups in the next two weeks (two
    queries for the batch)."""
    groups_of = current_groups_of(users)
    wanted = set().union(*groups_of.values()) if groups_of else set()
    if not wanted:
        return {}
    meetings = list(Meeting.objects.not_cancelled().filter(
        group_id__in=wanted, starts_at__gte=period.end, starts_at__lt=period.upcoming_until).order_by("starts_at"))

    def meta(m, lang):
        with translation.override(lang):
            return when(m.starts_at)

    return _digest_items(users, meetings, groups_of, meta)


def minutes_for_digest(users, period) -> dict[int, list[dict]]:
    """The weekly digest's section of minutes published during the week in each person's groups
    (two queries for the batch)."""
    groups_of = current_groups_of(users)
    wanted = set().union(*groups_of.values()) if groups_of else set()
    if not wanted:
        return {}
    meetings = list(Meeting.objects.filter(group_id__in=wanted, minutes_published_at__gte=period.start,
                                           minutes_published_at__lt=period.end).order_by("-starts_at"))
    return _digest_items(users, meetings, groups_of, lambda m, lang: "")


def digest_runs_with_counts(runs) -> list:
    """The secretariat's view of periodic mail builds: each run of ``runs`` (a page of them) with
    ``chunks_done``, ``written`` (digests written), ``waiting`` (queued or being sent), ``failed``,
    ``skipped`` and ``sent``. Three queries whatever the number of runs: the runs with their
    chunks' sums, and the digests still in play or failed, by period, read on the outbox's
    (kind, status) index, so the millions of sent rows of past weeks are never counted. A
    digest's deduplication key ends with its period (an ISO week, 8 characters)."""
    runs = list(runs.annotate(
        chunks_done=Count("chunks", filter=Q(chunks__status=DigestChunk.Status.DONE)),
        written=Sum("chunks__written", default=0),
        last_progress=Max("chunks__done_at"),
    ))
    S = Notification.Status
    periods = {(run.kind, run.period) for run in runs}
    counts: dict[tuple[str, str], dict[str, int]] = {}
    if periods:
        rows = (Notification.objects.filter(kind__in={k for k, _ in periods},
                                            status__in=[S.QUEUED, S.SENDING, S.FAILED, S.SKIPPED])
                .annotate(period=Right("dedup_key", 8)).filter(period__in={p for _, p in periods})
                .values_list("kind", "period", "status").annotate(n=Count("pk")))
        for kind, period, status, n in rows:
            counts.setdefault((kind, period), {})[status] = n
    for run in runs:
        c = counts.get((run.kind, run.period), {})
        run.waiting = c.get(S.QUEUED, 0) + c.get(S.SENDING, 0)
        run.failed, run.skipped = c.get(S.FAILED, 0), c.get(S.SKIPPED, 0)
        run.sent = max(run.written - run.waiting - run.failed - run.skipped, 0)
    return runs


DOCUMENT_ACTIONS = ("document.add", "document.version", "document.remove")


def document_history(meeting, limit: int = 20) -> list:
    """The newest entries of the meeting's documents' history (attached, replaced by a new
    version, removed: who, when, why), for those who run the meeting. One query on the audit
    log's (content type, object) index."""
    return list(AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Meeting),
                                          object_id=meeting.pk, action__in=DOCUMENT_ACTIONS)[:limit])
