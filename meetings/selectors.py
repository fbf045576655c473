"""Reads of the meetings app that depend on who asks."""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import translation

from members.i18n import pick
from members.models import Affiliation, User
from members.notifications.rendering import url_in
from members.rules import is_secretariat, is_staff_member
from members.templatetags.portal import when
from working_groups.models import Membership, WorkingGroup
from working_groups.rules import active_group_ids, coordinated_group_ids
from working_groups.selectors import current_groups_of

from .models import Meeting, Registration


def meetings_visible_to(user):
    """Meetings ``user`` may see: public ones; members-only ones for staff of members; group-only
    ones for the group's members and coordinators; everything for the secretariat."""
    qs = Meeting.objects.all()
    if is_secretariat(user):
        return qs
    visible = Q(visibility=Meeting.Visibility.PUBLIC)
    if user.is_authenticated and is_staff_member(user):
        visible |= Q(visibility=Meeting.Visibility.MEMBERS)
    groups = active_group_ids(user) | coordinated_group_ids(user) if user.is_authenticated else set()
    if groups:
        visible |= Q(visibility=Meeting.Visibility.GROUP, group_id__in=groups)
    return qs.filter(visible)


def who_may_see(meeting, people):
    """Narrow the queryset of users ``people`` to those who may see ``meeting``: the set version
    of rules.can_see_meeting, in one query however many people (tests/meetings hold the two to
    the same answers)."""
    if meeting.visibility == Meeting.Visibility.PUBLIC:
        return people

    person = OuterRef("pk")
    current = Affiliation.objects.current().filter(user_id=person)
    secretariat = Exists(User.groups.through.objects.filter(user_id=person,
                                                            group__name=settings.SECRETARIAT_GROUP)) & Exists(
        Authenticator.objects.filter(user_id=person, type=Authenticator.Type.TOTP))
    if meeting.visibility == Meeting.Visibility.MEMBERS:
        return people.filter(secretariat | Exists(current))
    if meeting.group_id is None:
        return people.filter(secretariat)
    member = Membership.objects.filter(
        user_id=person, group_id=meeting.group_id, status=Membership.Status.ACTIVE,
        institution_id__in=Affiliation.objects.current().filter(user_id=OuterRef(OuterRef("pk")))
        .values("institution_id"))
    coordinator = current.filter(institution_id__in=WorkingGroup.coordinators.through.objects.filter(
        workinggroup_id=meeting.group_id).values("institution_id"))
    return people.filter(secretariat | Exists(member) | Exists(coordinator))


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
    """A person's calendar: meetings they registered for, and those of their groups."""
    groups = active_group_ids(user)
    mine = Q(registrations__user=user, registrations__status__in=[Registration.Status.CONFIRMED,
                                                                   Registration.Status.WAITING])
    return meetings_visible_to(user).filter(mine | Q(group_id__in=groups)).distinct()


def my_registration(user, meeting):
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(meeting=meeting, user=user).first()


def _digest_items(users, meetings, groups_of, meta):
    # Each meeting's item in each language is built once for the batch, not once per reader.
    item = {(m.pk, lang): {"title": pick(m.title_ja, m.title_en, lang), "url": url_in(lang, m),
                           "meta": meta(m, lang)}
            for m in meetings for lang in ("ja", "en")}
    out = {}
    for user in users:
        lang = "en" if user.language == "en" else "ja"
        mine = groups_of.get(user.pk, set())
        items = [item[m.pk, lang] for m in meetings if m.group_id in mine]
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
