"""Writes of the general meeting's decisions: drafting motions and moving them along (agenda,
voting open, closed, withdrawn), votes and proxies, and what an adopted motion does.

Every vote locks its motion's row (SELECT ... FOR UPDATE) before it reads or writes: two votes for
one institution at the same moment are served one after the other, and the second changes the
first (the database also refuses a second row: ``vote_one_per_institution``). Closing locks the
same row, so no vote slips in while the result is counted. Every step is an audit entry; notices
go through the outbox in the same transaction.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from meetings.dissemination.models import NewsItem
from meetings.dissemination.services import news_create
from meetings.models import Meeting
from members.audit.services import audit
from members.notifications.services import notify
from members.rules import contact_institution_ids
from members.selectors import institution_contacts, secretariat_users
from members.uploads import attach, remove_audited, version_audited
from working_groups.models import WorkingGroup
from working_groups.services import group_close

from . import procedure, selectors
from .models import Message, Motion, MotionDocument, ProposedCoordinator, Proxy, Resolution, Vote

S = Motion.Status
MOTION_FIELDS = ("kind", "title_ja", "title_en", "text_ja", "text_en", "proposer", "proposer_institution",
                 "group_slug", "group_name_ja", "group_name_en", "group")


def receipt_code(vote: Vote) -> str:
    """A short code that names this vote as recorded (motion, institution, choice, version): the
    receipt carries it, the motion page shows it, and any change gives a new one."""
    value = f"{vote.motion_id}:{vote.institution_id}:{vote.choice}:{vote.version}"
    return salted_hmac("governance.vote-receipt", value).hexdigest()[:10].upper()


def _lock(motion: Motion) -> Motion:
    return Motion.objects.select_for_update().select_related("session").get(pk=motion.pk)


def _check_group_fields(motion: Motion) -> None:
    if motion.kind == Motion.Kind.GROUP_CREATE:
        errors = {}
        if not motion.group_slug:
            errors["group_slug"] = _("Give the address name of the group to create.")
        elif WorkingGroup.objects.filter(slug=motion.group_slug).exists():
            errors["group_slug"] = _("A working group with this address name already exists.")
        if not motion.group_name_ja:
            errors["group_name_ja"] = _("Give the name of the group to create.")
        if errors:
            raise ValidationError(errors)
    group = motion.group
    if motion.kind == Motion.Kind.GROUP_ABOLISH and (
            group is None or group.is_general_meeting or group.status != WorkingGroup.Status.ACTIVE):
        raise ValidationError({"group": _("Choose the active working group to abolish.")})


@transaction.atomic
def motion_create(*, by, session: Meeting, data: dict, action: str = "motion.create") -> Motion:
    """Draft a motion on ``session`` (a general meeting), numbered after the session's last one;
    its quorum and majority are its kind's rule. Side effects: an audit entry."""
    session = Meeting.objects.select_for_update().get(pk=session.pk)
    if session.kind != Meeting.Kind.GENERAL:
        raise ValidationError(_("Motions belong to sessions of the general meeting."))
    if session.is_cancelled:
        raise ValidationError(_("This session is cancelled."))
    if data.get("proposer") == Motion.Proposer.MEMBER and not data.get("proposer_institution"):
        raise ValidationError({"proposer_institution": _("Name the institution that proposes the motion.")})
    number = (session.motions.aggregate(n=Max("number"))["n"] or 0) + 1
    motion = Motion(session=session, number=number, created_by=by,
                    **{k: v for k, v in data.items() if k in MOTION_FIELDS})
    if motion.proposer != Motion.Proposer.MEMBER:
        motion.proposer_institution = None
    motion.apply_rule()
    motion.full_clean()
    _check_group_fields(motion)
    motion.save()
    audit(actor=by, action=action, obj=motion, detail={"kind": motion.kind, "number": number})
    return motion


PROPOSAL_FIELDS = ("kind", "title_ja", "title_en", "text_ja", "text_en", "group_slug", "group_name_ja",
                   "group_name_en", "group")


@transaction.atomic
def motion_propose(*, by, session: Meeting, institution, data: dict, coordinators=()) -> Motion:
    """A member institution (its contact or representative, ``by``) proposes a motion for
    ``session``: a draft the secretariat puts on the agenda or returns with a reason. A proposal to
    create a working group names its coordinating institutions (``coordinators``, at least one,
    active members); each must confirm before the proposal goes on the agenda (the proposing
    institution, if named, confirms by proposing). Side effects: an audit entry; a notice to the
    secretariat; a notice to the contacts of each coordinating institution asked to confirm."""
    if institution.pk not in {i.pk for i in selectors.proposing_institutions(by)}:
        raise PermissionDenied
    fields = {k: v for k, v in data.items() if k in PROPOSAL_FIELDS}
    coordinators = list({i.pk: i for i in coordinators}.values())
    if fields.get("kind") == Motion.Kind.GROUP_CREATE:
        if not coordinators:
            raise ValidationError({"coordinators": _("Name at least one coordinating institution of the group.")})
        if any(not i.is_active for i in coordinators):
            raise ValidationError({"coordinators": _("Coordinating institutions are active members.")})
    else:
        coordinators = []
    motion = motion_create(by=by, session=session, data={
        **fields, "proposer": Motion.Proposer.MEMBER, "proposer_institution": institution}, action="motion.propose")
    now = timezone.now()
    for coordinator in coordinators:
        own = coordinator.pk == institution.pk
        proposed = ProposedCoordinator.objects.create(
            motion=motion, institution=coordinator, status=ProposedCoordinator.Status.CONFIRMED if own else
            ProposedCoordinator.Status.PENDING, answered_by=by if own else None, answered_at=now if own else None)
        if not own:
            notify(kind="group_coordination_asked", to=institution_contacts(coordinator), obj=proposed,
                   reply_to=getattr(by, "email", ""))
    notify(kind="motion_proposed", to=secretariat_users(), obj=motion, reply_to=getattr(by, "email", ""))
    return motion


@transaction.atomic
def motion_coordination_answer(*, proposed: ProposedCoordinator, by, confirm: bool,
                               reason: str = "") -> ProposedCoordinator:
    """A contact or representative of an institution named to coordinate a proposed working group
    confirms, or declines with a reason, once, while the proposal waits for the secretariat.
    Side effects: an audit entry; a notice to the person who proposed it."""
    proposed = (ProposedCoordinator.objects.select_for_update().select_related("motion", "institution")
                .get(pk=proposed.pk))
    if proposed.institution_id not in contact_institution_ids(by):
        raise PermissionDenied
    motion = proposed.motion
    if motion.status != S.DRAFT:
        raise ValidationError(_("This proposal no longer waits for the secretariat."))
    if proposed.status != ProposedCoordinator.Status.PENDING:
        raise ValidationError(_("Your institution has already answered."))
    reason = (reason or "").strip()
    if not confirm and not reason:
        raise ValidationError({"reason": _("Give the reason; the proposer will read it.")})
    proposed.status = ProposedCoordinator.Status.CONFIRMED if confirm else ProposedCoordinator.Status.DECLINED
    proposed.reason = reason
    proposed.answered_by = by
    proposed.answered_at = timezone.now()
    proposed.save()
    audit(actor=by, action=f"motion.coordination_{proposed.status}", obj=motion, institution=proposed.institution,
          reason=reason)
    if motion.created_by_id:
        notify(kind="group_coordination_answered", to=[motion.created_by], obj=proposed,
               reply_to=getattr(by, "email", ""))
    return proposed


@transaction.atomic
def motion_return(*, motion: Motion, by, reason: str) -> Motion:
    """The secretariat returns a member's proposal with a reason (it may be proposed again, changed).
    Side effects: an audit entry; a notice to the person who proposed it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; the proposer will read it.")})
    motion = _lock(motion)
    if motion.proposer != Motion.Proposer.MEMBER:
        raise ValidationError(_("Only a member's proposal is returned; withdraw the secretariat's own motion."))
    motion.returned_reason = reason
    _move(motion, by=by, allowed_from=(S.DRAFT,), to=S.RETURNED, action="motion.return", reason=reason)
    if motion.created_by_id:
        notify(kind="motion_returned", to=[motion.created_by], obj=motion, reply_to=getattr(by, "email", ""))
    return motion


@transaction.atomic
def motion_update(*, motion: Motion, by, data: dict) -> Motion:
    """Edit a motion not yet put to the vote. Side effects: an audit entry with the fields changed."""
    motion = _lock(motion)
    if motion.status not in (S.DRAFT, S.AGENDA):
        raise ValidationError(_("A motion is no longer edited once voting has opened."))
    changed = [k for k, v in data.items() if k in MOTION_FIELDS and getattr(motion, k) != v]
    for name in changed:
        setattr(motion, name, data[name])
    if motion.proposer != Motion.Proposer.MEMBER:
        motion.proposer_institution = None
    if "kind" in changed:
        motion.apply_rule()
    motion.full_clean()
    _check_group_fields(motion)
    motion.save()
    audit(actor=by, action="motion.update", obj=motion, detail={"fields": changed})
    return motion


def _move(motion, *, by, allowed_from, to, action, reason="", detail=None):
    if motion.status not in allowed_from:
        raise ValidationError(_("This motion is %(status)s; that step is not possible now.")
                              % {"status": motion.get_status_display()})
    motion.status = to
    motion.save()
    audit(actor=by, action=action, obj=motion, reason=reason, detail=detail or {})
    return motion


@transaction.atomic
def motion_put_on_agenda(*, motion: Motion, by) -> Motion:
    """A draft goes on the session's agenda: members (and visitors of a public session) see it; a
    member's proposal to create a group only once every coordinating institution it names has
    confirmed. Side effects: an audit entry."""
    motion = _lock(motion)
    waiting = [p.institution.name for p in motion.proposed_coordinators.select_related("institution")
               if p.status != ProposedCoordinator.Status.CONFIRMED]
    if waiting and motion.kind == Motion.Kind.GROUP_CREATE and motion.status == S.DRAFT:
        raise ValidationError(_("These coordinating institutions have not confirmed: %(names)s. Wait for them, "
                                "or return the proposal.") % {"names": ", ".join(waiting)})
    return _move(motion, by=by, allowed_from=(S.DRAFT,), to=S.AGENDA, action="motion.agenda")


@transaction.atomic
def motion_open_voting(*, motion: Motion, by, closes_at=None) -> Motion:
    """Open the vote; with ``closes_at`` a written-vote window (書面表決) until then. Side effects:
    an audit entry; a notice to each voting institution's representative and named proxies."""
    motion = _lock(motion)
    now = timezone.now()
    if closes_at is not None and closes_at <= now:
        raise ValidationError({"closes_at": _("The window must close in the future.")})
    if motion.session.is_cancelled:
        raise ValidationError(_("This session is cancelled."))
    motion.voting_opened_at = now
    motion.voting_closes_at = closes_at
    _move(motion, by=by, allowed_from=(S.AGENDA,), to=S.VOTING, action="motion.open",
          detail={"closes_at": closes_at.isoformat() if closes_at else None})
    notify(kind="motion_voting_opened", to=selectors.voters_of(motion), obj=motion,
           period=f"open{now.isoformat()}", reply_to=getattr(by, "email", ""))
    return motion


@dataclass(frozen=True)
class Decision:
    motion: Motion
    resolution: Resolution | None
    group: WorkingGroup | None
    news_item: NewsItem | None = None


@transaction.atomic
def motion_close_voting(*, motion: Motion, by) -> Decision:
    """Close the vote and decide: the counts of the institutions that vote now (a withdrawn or
    suspended institution's vote no longer counts), the quorum (for, against and abstentions
    together; proxies and written votes are votes like the others), the majority of the motion's
    rule (a tie rejects). Adopted: a numbered resolution; a motion to create a group creates it
    (closed, for the secretariat to open), one to abolish a group closes it with the resolution as
    the reason, an adopted statement is drafted as a news item of kind statement (adopted by the
    general meeting, at this session). Side effects: audit entries; a notice to the representatives."""
    motion = _lock(motion)
    if motion.status != S.VOTING:
        raise ValidationError(_("Voting on this motion is not open."))
    counts = selectors.tally(motion)
    eligible = selectors.voting_institutions().count()
    now = timezone.now()
    motion.eligible = eligible
    motion.votes_for, motion.votes_against, motion.votes_abstain = (
        counts[Vote.Choice.FOR], counts[Vote.Choice.AGAINST], counts[Vote.Choice.ABSTAIN])
    motion.quorum_reached = eligible > 0 and motion.votes_cast >= procedure.quorum_needed(eligible, motion.quorum)
    is_adopted = motion.quorum_reached and procedure.adopted(motion.votes_for, motion.votes_against, motion.majority)
    motion.status = S.ADOPTED if is_adopted else S.REJECTED
    motion.decided_at = now
    motion.decided_by = by
    if motion.voting_closes_at is None or motion.voting_closes_at > now:
        motion.voting_closes_at = now
    motion.save()
    audit(actor=by, action=f"motion.{motion.status}", obj=motion, detail={
        "for": motion.votes_for, "against": motion.votes_against, "abstain": motion.votes_abstain,
        "eligible": eligible, "quorum_reached": motion.quorum_reached,
    })
    resolution = group = news_item = None
    if is_adopted:
        year = timezone.localdate(now).year
        sequence = (Resolution.objects.select_for_update().filter(year=year)
                    .aggregate(n=Max("sequence"))["n"] or 0) + 1
        resolution = Resolution.objects.create(motion=motion, year=year, sequence=sequence, text_ja=motion.text_ja,
                                               text_en=motion.text_en, adopted_at=now)
        group = _carry_out(motion, resolution, by)
        if motion.kind == Motion.Kind.STATEMENT:
            news_item = _statement_news(motion, resolution, by)
    notify(kind="motion_decided", to=selectors.representatives(), obj=motion, reply_to=getattr(by, "email", ""))
    return Decision(motion=motion, resolution=resolution, group=group, news_item=news_item)


def _statement_news(motion, resolution, by) -> NewsItem | None:
    """The adopted statement as a draft news item of kind statement, once per resolution (the
    resolution holds it, one to one): the motion's title and the resolution's text in both
    languages, adopted by the general meeting on the day of the resolution, at the session.
    None when there is no general meeting's group to record as the adopting body."""
    if resolution.news_item_id is not None:
        return resolution.news_item
    session = motion.session
    general = session.group if session.group and session.group.is_general_meeting else (
        WorkingGroup.objects.filter(tier=WorkingGroup.Tier.GENERAL).first())
    if general is None:
        return None
    summaries = {}
    for language in ("ja", "en"):
        with translation.override(language):
            summaries[f"summary_{language}"] = _("Resolution %(number)s of the general meeting.") % {
                "number": resolution.number}
    item = news_create(by=by, data={
        "kind": NewsItem.Kind.STATEMENT, "language": "ja",
        "title_ja": motion.title_ja, "title_en": motion.title_en,
        "body_ja": resolution.text_ja, "body_en": resolution.text_en,
        "summary_ja": summaries["summary_ja"], "summary_en": summaries["summary_en"] if motion.title_en else "",
        "adopted_by": general, "adopted_on": timezone.localdate(resolution.adopted_at),
        "meeting": session if session.group_id == general.pk else None,
    })
    resolution.news_item = item
    resolution.save(update_fields=["news_item"])
    audit(actor=by, action="motion.statement_drafted", obj=motion,
          detail={"resolution": resolution.number, "news": item.slug})
    return item


def _carry_out(motion, resolution, by) -> WorkingGroup | None:
    reason = _("Resolution %(number)s of the general meeting: %(title)s") % {
        "number": resolution.number, "title": motion.title_ja}
    if motion.kind == Motion.Kind.GROUP_CREATE:
        if WorkingGroup.objects.filter(slug=motion.group_slug).exists():
            return None  # taken since the motion was drafted; the secretariat creates it by hand
        # Created closed: the secretariat names its coordinators and opens it (a draft, in effect).
        group = WorkingGroup.objects.create(
            tier=WorkingGroup.Tier.THEME, slug=motion.group_slug, name_ja=motion.group_name_ja,
            name_en=motion.group_name_en or motion.group_name_ja, description_ja=motion.text_ja,
            description_en=motion.text_en, status=WorkingGroup.Status.CLOSED, closed_reason="",
        )
        # the coordinating institutions that confirmed the proposal (the secretariat may change them)
        group.coordinators.set([p.institution_id for p in motion.proposed_coordinators.all()
                                if p.status == ProposedCoordinator.Status.CONFIRMED])
        motion.group = group
        motion.save(update_fields=["group"])
        audit(actor=by, action="group.create_by_resolution", obj=group, reason=reason)
        return group
    if motion.kind == Motion.Kind.GROUP_ABOLISH and motion.group and motion.group.status == WorkingGroup.Status.ACTIVE:
        group = group_close(group=motion.group, by=by, reason=reason)
        audit(actor=by, action="group.close_by_resolution", obj=group, reason=reason)
        return group
    return None


@transaction.atomic
def motion_group_open(*, motion: Motion, by) -> WorkingGroup:
    """Open the group an adopted motion created (it waits closed until the secretariat has named its
    coordinators at /working-groups/<slug>/edit/). Side effects: an audit entry."""
    motion = _lock(motion)
    group = WorkingGroup.objects.select_for_update().filter(pk=motion.group_id).first()
    if (motion.kind != Motion.Kind.GROUP_CREATE or motion.status != S.ADOPTED or group is None
            or group.status != WorkingGroup.Status.CLOSED or group.closed_at is not None):
        raise ValidationError(_("There is no group of this motion waiting to be opened."))
    group.status = WorkingGroup.Status.ACTIVE
    group.save(update_fields=["status"])
    audit(actor=by, action="group.open_by_resolution", obj=group,
          reason=_("Resolution %(number)s of the general meeting: %(title)s") % {
              "number": motion.resolution.number, "title": motion.title_ja})
    return group


@transaction.atomic
def motion_withdraw(*, motion: Motion, by, reason: str) -> Motion:
    """Withdraw a motion not yet decided (its votes, if any, are kept but never counted). Side
    effects: an audit entry."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for withdrawing the motion.")})
    motion = _lock(motion)
    motion.withdrawn_reason = reason
    return _move(motion, by=by, allowed_from=(S.DRAFT, S.AGENDA, S.VOTING), to=S.WITHDRAWN,
                 action="motion.withdraw", reason=reason)


@dataclass(frozen=True)
class Cast:
    vote: Vote
    changed: bool  # False: the same choice again, nothing recorded


@transaction.atomic
def vote_cast(*, motion: Motion, institution, by, choice: str) -> Cast:
    """Record ``institution``'s vote, cast by ``by`` (its representative or the proxy named for the
    session); a second vote changes the first while the window is open. Side effects: an audit
    entry; a receipt by e-mail to the person who voted."""
    if choice not in Vote.Choice.values:
        raise ValidationError({"choice": _("Choose for, against or abstain.")})
    motion = _lock(motion)
    if not motion.voting_is_open:
        raise ValidationError(_("Voting on this motion is closed."))
    if institution.pk not in {i.pk for i in selectors.institutions_voting_by(by, motion.session)}:
        raise PermissionDenied
    by_proxy = institution.pk not in {i.pk for i in selectors.representative_institutions(by)}
    vote = Vote.objects.select_for_update().filter(motion=motion, institution=institution).first()
    now = timezone.now()
    if vote is not None and vote.choice == choice:
        return Cast(vote=vote, changed=False)
    action = "vote.cast" if vote is None else "vote.change"
    if vote is None:
        vote = Vote(motion=motion, institution=institution)
    else:
        vote.version += 1
    vote.choice = choice
    vote.cast_by = by
    vote.cast_by_label = by.get_full_name() or by.email
    vote.by_proxy = by_proxy
    vote.cast_at = now
    vote.save()
    code = receipt_code(vote)
    audit(actor=by, action=action, obj=motion, institution=institution,
          detail={"choice": choice, "version": vote.version, "by_proxy": by_proxy, "receipt": code})
    notify(kind="vote_receipt", to=[by], obj=vote, period=f"v{vote.version}",
           context={"choice": choice, "code": code, "cast_by": vote.cast_by_label})
    return Cast(vote=vote, changed=True)


@transaction.atomic
def proxy_designate(*, session: Meeting, institution, holder, by) -> Proxy:
    """The representative names ``holder`` (a colleague, or the chair) to vote for the institution
    at ``session`` (a written proxy, 委任状); a new proxy replaces the old one. Side effects: an
    audit entry."""
    if holder.pk not in {u.pk for u in selectors.proxy_candidates(institution, session)}:
        raise ValidationError({"holder": _("The proxy must be a person of your institution or the chair.")})
    proxy, _created = Proxy.objects.update_or_create(
        session=session, institution=institution, defaults={"holder": holder, "designated_by": by,
                                                             "created_at": timezone.now()})
    audit(actor=by, action="proxy.designate", obj=session, institution=institution,
          detail={"holder": holder.email})
    return proxy


@transaction.atomic
def proxy_revoke(*, session: Meeting, institution, by) -> bool:
    """Take the proxy back (votes already cast stay). Side effects: an audit entry."""
    deleted, _rows = Proxy.objects.filter(session=session, institution=institution).delete()
    if deleted:
        audit(actor=by, action="proxy.revoke", obj=session, institution=institution)
    return bool(deleted)


@transaction.atomic
def motion_document_add(*, motion: Motion, by, upload, title: str = "") -> MotionDocument:
    """Attach a checked document to a motion. Side effects: an audit entry."""
    document = attach(MotionDocument(motion=motion), upload=upload, title=title, by=by)
    audit(actor=by, action="motion.update", obj=motion, detail={"document": document.title})
    return document


@transaction.atomic
def motion_document_version_add(*, document: MotionDocument, by, upload, title: str = "") -> MotionDocument:
    """Upload a new version of a motion's document: the file it had stays as an earlier version
    (members.uploads.attach_version); a refused file changes nothing. Side effects: an audit entry."""
    return version_audited(document, owner_field="motion", by=by, upload=upload, title=title)


@transaction.atomic
def motion_document_remove(*, document: MotionDocument, by, reason: str = "") -> int:
    """Remove a motion's document with its earlier versions (their stored files once this commits).
    Side effects: an audit entry of who removed what, when and why. Returns the versions removed."""
    return remove_audited(document, owner_field="motion", by=by, reason=reason)


# ---------------------------------------------------------------------------------------------
# Messages of the secretariat (and of a group's coordinators)
# ---------------------------------------------------------------------------------------------

MESSAGE_FIELDS = ("audience", "group", "subject_ja", "subject_en", "body_ja", "body_en")
MESSAGE = "secretariat_message"  # the outbox kind


def _message_check(message: Message, by) -> None:
    if message.audience != Message.Audience.GROUP:
        message.group = None
    elif message.group is None:
        raise ValidationError({"group": _("Choose the working group.")})
    if not by.has_perm("governance.write_to", (message.audience, message.group)):
        raise PermissionDenied(_("You may not write to these people."))


@transaction.atomic
def message_save(*, by, data: dict, message: Message | None = None) -> Message:
    """Write or edit a draft message (``data``: MESSAGE_FIELDS). A sent message is not edited;
    coordinators write to their own groups only (PermissionDenied otherwise). Side effects: none
    but the row."""
    if message is None:
        message = Message(created_by=by)
    else:
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.is_sent:
            raise ValidationError(_("This message has been sent; it cannot be changed."))
    for name in MESSAGE_FIELDS:
        if name in data:
            value = data[name]
            setattr(message, name, value.strip() if isinstance(value, str) else value)
    _message_check(message, by)
    message.full_clean()
    message.save()
    return message


@transaction.atomic
def message_send(*, message: Message, by) -> int:
    """Send a draft once: one outbox row per recipient (selectors.message_recipients), each in
    their language, under the message's deduplication key, so the outbox delivers each exactly
    once; people who turned these messages off get none. Sending twice is refused. Returns the
    number of messages queued. Side effects: outbox rows; an audit entry."""
    message = Message.objects.select_for_update(of=("self",)).select_related("group").get(pk=message.pk)
    if message.is_sent:
        raise ValidationError(_("This message has already been sent."))
    _message_check(message, by)
    rows = notify(kind=MESSAGE, to=selectors.message_recipients(message), obj=message,
                  reply_to=getattr(by, "email", ""))
    message.status = Message.Status.SENT
    message.sent_at = timezone.now()
    message.sent_by = by
    message.recipients = len(rows)
    message.save(update_fields=["status", "sent_at", "sent_by", "recipients"])
    audit(actor=by, action="message.send", obj=message, detail={
        "audience": message.audience, "group": getattr(message.group, "slug", ""), "recipients": len(rows)})
    return len(rows)
