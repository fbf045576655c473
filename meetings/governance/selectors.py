"""Reads of the general meeting's decisions that depend on who asks."""

from django.db.models import Count, Q

from meetings.models import Meeting
from meetings.selectors import meetings_visible_to
from members.facets import per_row_count
from members.models import Affiliation, Institution, User
from members.rules import contact_institution_ids, current_affiliations, is_secretariat
from working_groups.models import Membership
from working_groups.rules import coordinated_group_ids

from . import procedure
from .models import Message, Motion, Proxy, Vote


def voting_institutions():
    """The institutions that vote: active participating members (and cooperating ones where the
    rules give them a vote)."""
    qs = Institution.objects.active()
    if not procedure.cooperating_vote():
        qs = qs.filter(category=Institution.Category.PARTICIPATING)
    return qs


def sessions_visible_to(user):
    """Sessions of the general meeting ``user`` may see, newest first, with their motions counted
    (drafts only for the secretariat)."""
    motions = Motion.objects.all() if is_secretariat(user) else Motion.objects.exclude(status__in=Motion.UNPUBLISHED)
    # counted per row shown (a subquery), not by grouping every session with its motions: the
    # list is paginated, and its count needs no join
    return (meetings_visible_to(user).filter(kind=Meeting.Kind.GENERAL)
            .annotate(motion_count=per_row_count(motions, "session"))
            .order_by("-starts_at", "-pk"))


def motions_of(session, user):
    """The session's motions ``user`` may see, in agenda order, with their resolutions."""
    qs = session.motions.select_related("resolution")
    if not is_secretariat(user):
        own = Q(status__in=Motion.UNPUBLISHED, proposer_institution__in=sorted(contact_institution_ids(user)))
        qs = qs.filter(~Q(status__in=Motion.UNPUBLISHED) | own)
    return qs.order_by("number")


def proposing_institutions(user) -> list[Institution]:
    """The voting institutions for which ``user`` (a contact or the representative) may propose."""
    if not user.is_authenticated:
        return []
    ids = contact_institution_ids(user)
    return list(voting_institutions().filter(pk__in=ids).order_by("name_kana")) if ids else []


def tally(motion) -> dict[str, int]:
    """{choice: count} of the votes that count: those of institutions that vote now."""
    rows = (Vote.objects.filter(motion=motion, institution__in=voting_institutions())
            .order_by().values_list("choice").annotate(n=Count("id")))
    counts = dict(rows)
    return {c: counts.get(c, 0) for c in Vote.Choice.values}


def votes_by_institution(motion):
    """How each institution voted (members only), with who cast it."""
    return motion.votes.select_related("institution").order_by("institution__name_kana", "institution__pk")


def representative_institutions(user) -> list[Institution]:
    """The voting institutions ``user`` represents (an approved representative's affiliation)."""
    ids = {i.pk for i in voting_institutions().filter(pk__in=[a.institution_id for a in current_affiliations(user)])}
    return [a.institution for a in current_affiliations(user)
            if a.role == Affiliation.Role.REPRESENTATIVE and a.institution_id in ids]


def institutions_voting_by(user, session) -> list[Institution]:
    """The institutions for which ``user`` may vote at ``session``: those they represent, and
    those whose representative made them proxy for it."""
    if not user.is_authenticated:
        return []
    own = representative_institutions(user)
    proxied = list(voting_institutions().filter(pk__in=Proxy.objects.filter(session=session, holder=user)
                                                .values("institution_id")))
    seen, out = set(), []
    for institution in own + proxied:
        if institution.pk not in seen:
            seen.add(institution.pk)
            out.append(institution)
    return out


def proxy_candidates(institution, session) -> list[User]:
    """Who may hold the institution's proxy: another person of the institution, or the chair
    (a member of the secretariat, which chairs the general meeting)."""
    colleagues = User.objects.filter(
        is_active=True, affiliations__institution=institution, affiliations__status=Affiliation.Status.APPROVED,
        affiliations__role__in=[Affiliation.Role.CONTACT, Affiliation.Role.STAFF],
    )
    chair = User.objects.filter(is_active=True).secretariat()
    return list((colleagues | chair).distinct().order_by("name", "pk"))


def voters_of(motion) -> list[User]:
    """Who is told that voting opened: the representatives of the voting institutions and the
    proxies named for the session."""
    reps = User.objects.filter(
        is_active=True, affiliations__role=Affiliation.Role.REPRESENTATIVE,
        affiliations__status=Affiliation.Status.APPROVED, affiliations__institution__in=voting_institutions(),
    )
    holders = User.objects.filter(is_active=True, proxies_held__session=motion.session_id)
    return list((reps | holders).distinct())


def representatives() -> list[User]:
    return list(User.objects.filter(
        is_active=True, affiliations__role=Affiliation.Role.REPRESENTATIVE,
        affiliations__status=Affiliation.Status.APPROVED, affiliations__institution__status=Institution.Status.ACTIVE,
    ).distinct())


def message_recipients(message):
    """The people a message goes to (active accounts): a group's active members; or the approved
    staff, representatives or contacts of active member institutions."""
    from_members = {"is_active": True, "affiliations__status": Affiliation.Status.APPROVED,
                    "affiliations__institution__status": Institution.Status.ACTIVE}
    audience = Message.Audience
    if message.audience == audience.GROUP:
        people = User.objects.filter(is_active=True, group_memberships__group_id=message.group_id,
                                     group_memberships__status=Membership.Status.ACTIVE)
    elif message.audience == audience.REPRESENTATIVES:
        people = User.objects.filter(affiliations__role=Affiliation.Role.REPRESENTATIVE, **from_members)
    elif message.audience == audience.CONTACTS:
        people = User.objects.filter(affiliations__role=Affiliation.Role.CONTACT, **from_members)
    else:
        people = User.objects.filter(**from_members)
    return people.distinct().order_by("pk")


def messages_for(user):
    """The messages a person may manage: all for the secretariat, those to their groups for a
    coordinator."""
    qs = Message.objects.select_related("group", "created_by")
    if is_secretariat(user):
        return qs
    return qs.filter(audience=Message.Audience.GROUP, group_id__in=coordinated_group_ids(user))


def group_messages(group, limit: int = 20) -> list:
    """The messages sent to a group, newest first (the archive on its page)."""
    return list(Message.objects.filter(group=group, status=Message.Status.SENT).order_by("-sent_at", "-id")[:limit])


def motions_proposed_waiting():
    """Motions member institutions proposed that wait for the secretariat to put them on the agenda
    or return them, oldest first (a queryset)."""
    return (Motion.objects.filter(status=Motion.Status.DRAFT, proposer=Motion.Proposer.MEMBER)
            .select_related("proposer_institution").order_by("created_at", "pk"))


def motion_drafts_of(user):
    """Motions ``user`` drafted that are not on the agenda yet: drafts and those returned to them."""
    return Motion.objects.filter(created_by_id=user.pk, status__in=Motion.UNPUBLISHED).order_by("-updated_at", "-pk")


def message_drafts_of(user):
    """Messages ``user`` wrote and has not sent."""
    return Message.objects.filter(created_by_id=user.pk, status=Message.Status.DRAFT).order_by("-pk")
