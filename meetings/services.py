"""Writes of the meetings app that have side effects: scheduling, changing and cancelling
meetings, registrations with the waiting list, minutes, documents and reminders.

Registrations lock the meeting's row (SELECT ... FOR UPDATE) while they count the places, so two
people asking for the last seat at once are served one after the other: one gets it, the other
goes on the waiting list. Notices go through the outbox in the same transaction.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from members.audit.services import audit
from members.markup import render_markdown
from members.models import User
from members.notifications.models import Notification
from members.notifications.services import notify
from members.uploads import attach, remove_audited, version_audited

from . import tokens
from .calendar import events_refresh
from .models import (
    ERASED_SUFFIX,
    AgendaItem,
    CalendarFeed,
    Meeting,
    MeetingDocument,
    MinutesRevision,
    Registration,
    VisitorRegistration,
)
from .selectors import audience, registered_people, registered_visitors, who_may_see

R = Registration.Status
V = VisitorRegistration.Status
# The place's English name (venue_en) is not among them: adding or correcting a translation moves
# nobody, and a real move changes the Japanese venue too.
MOVING_FIELDS = ("starts_at", "ends_at", "venue", "format", "online_url")


# What the meeting form edits (MeetingForm), and one agenda line (AgendaFormSet).
MEETING_FIELDS = ("kind", "group", "title_ja", "title_en", "description_ja", "description_en", "starts_at", "ends_at",
                  "format", "venue", "venue_en", "online_url", "capacity", "registration_deadline", "visibility",
                  "open_to_public")
AGENDA_FIELDS = ("time", "item_ja", "item_en", "speaker", "speaker_en")


@dataclass(frozen=True)
class MeetingChange:
    """What an edit did: the meeting, the fields that moved it (time, place, format, link), how
    many registered people were told (0 when nothing that concerns them changed) and how many
    visitors' registrations were cancelled because the meeting no longer takes visitors."""

    meeting: Meeting
    moved: list[str]
    notified: int
    visitors_cancelled: int = 0


def _set_agenda(meeting, agenda: list[dict]) -> None:
    """The programme is replaced by ``agenda`` (dicts of AGENDA_FIELDS), in the order given."""
    items = [AgendaItem(meeting=meeting, **{k: line.get(k, "") for k in AGENDA_FIELDS}) for line in agenda]
    for item in items:
        item.full_clean(exclude=["meeting"])
    meeting.agenda.all().delete()
    AgendaItem.objects.bulk_create(items)


@transaction.atomic
def meeting_schedule(*, by, data: dict, agenda: list[dict]) -> Meeting:
    """Create a meeting from ``data`` (MEETING_FIELDS) with its programme, and announce it to its
    audience when it is still to come. Side effects: an audit entry; the announcement e-mails; its
    calendar events stored for the feeds."""
    meeting = Meeting(**{k: v for k, v in data.items() if k in MEETING_FIELDS}, created_by=by)
    meeting.full_clean()
    meeting.save()
    _set_agenda(meeting, agenda)
    events_refresh(meeting)
    audit(actor=by, action="meeting.schedule", obj=meeting, detail={"group": getattr(meeting.group, "slug", "")})
    if meeting.starts_at > timezone.now():
        notify(kind="meeting_announced", to=audience(meeting), obj=meeting, reply_to=getattr(by, "email", ""))
    return meeting


@transaction.atomic
def meeting_update(*, meeting: Meeting, by, data: dict, agenda: list[dict] | None = None) -> MeetingChange:
    """Save an edit (``data``: MEETING_FIELDS; ``agenda``: the whole programme, None to keep it). A
    new time or place marks the meeting changed, raises its calendar sequence and tells everyone
    registered (reminders already queued for the old time are dropped when they come up for
    delivery). A meeting still to come that stops taking visitors (no longer open to the public,
    or no longer public) cancels their registrations: see ``_visitors_turned_away``. Side effects:
    an audit entry and the e-mails when it moved; its calendar events stored again for the feeds."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    before = {f: getattr(meeting, f) for f in MOVING_FIELDS}
    was_open = meeting.open_to_public
    for name, value in data.items():
        if name in MEETING_FIELDS:
            setattr(meeting, name, value)
    moved = [f for f in MOVING_FIELDS if before[f] != getattr(meeting, f)]
    if moved and not meeting.is_cancelled:
        meeting.status = Meeting.Status.CHANGED
        meeting.sequence += 1
    meeting.full_clean()
    meeting.save()
    if agenda is not None:
        _set_agenda(meeting, agenda)
    events_refresh(meeting)
    # before the change notices, so that a visitor turned away gets that one mail and no other
    turned_away = _visitors_turned_away(meeting, by=by) if was_open and not meeting.open_to_public else 0
    notified = 0
    if moved and not meeting.is_cancelled:
        audit(actor=by, action="meeting.change", obj=meeting, detail={"fields": moved})
        notified = len(notify(kind="meeting_changed", to=registered_people(meeting), obj=meeting,
                              period=f"seq{meeting.sequence}", context={"changed": moved},
                              reply_to=getattr(by, "email", "")))
        notified += _notify_visitors_of(meeting, "meeting_changed", period=f"seq{meeting.sequence}",
                                        context={"changed": moved}, reply_to=getattr(by, "email", ""))
    return MeetingChange(meeting=meeting, moved=moved, notified=notified, visitors_cancelled=turned_away)


def _visitors_turned_away(meeting, *, by) -> int:
    """The policy when a meeting still to come stops taking visitors (made members-only, or no
    longer open to the public): every visitor's registration is cancelled, so that nobody holds a
    place at a meeting they may no longer see and the freed places go to the members waiting.
    Those who held a place or waited for one get one e-mail in their language saying why (unless
    the meeting is cancelled: they had that mail); an address never confirmed gets nothing (its
    confirmation link stops working). A meeting that has
    ended keeps its visitors on record until they are erased (``visitors_erase``).
    Returns the registrations cancelled. Side effects: the e-mails, the moved-up e-mails of the
    members who get the places, an audit entry."""
    if meeting.is_past:
        return 0
    visitors = list(VisitorRegistration.objects.select_for_update().filter(meeting=meeting).exclude(
        status=V.CANCELLED))
    if not visitors:
        return 0
    told = 0
    for registration in visitors:
        held = registration.holds_place
        registration.status = V.CANCELLED
        registration.save(update_fields=["status", "updated_at"])
        if held and not meeting.is_cancelled:  # a cancelled meeting's visitors were told already
            _notify_visitor(registration, VISITOR_TURNED_AWAY, reply_to=getattr(by, "email", ""))
            told += 1
    if not meeting.is_cancelled:
        _promote_waiting(meeting)
    audit(actor=by, action="meeting.visitors_turned_away", obj=meeting,
          detail={"cancelled": len(visitors), "told": told, "visibility": meeting.visibility})
    return len(visitors)


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by, reason: str) -> Meeting:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; the participants will read it.")})
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting is already cancelled."))
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancel_reason = reason
    meeting.sequence += 1
    meeting.save()
    events_refresh(meeting)  # STATUS:CANCELLED, so that calendars remove it
    audit(actor=by, action="meeting.cancel", obj=meeting, reason=reason)
    notify(kind="meeting_cancelled", to=registered_people(meeting), obj=meeting, reply_to=getattr(by, "email", ""))
    _notify_visitors_of(meeting, "meeting_cancelled", reply_to=getattr(by, "email", ""))
    return meeting


def _notify_visitors_of(meeting, kind: str, **kwargs) -> int:
    """Tell the visitors registered for ``meeting``, each in the language they registered in."""
    return sum(len(notify(kind=kind, to=emails, obj=meeting, language=language, **kwargs))
               for language, emails in registered_visitors(meeting).items())


def _places_taken(meeting, mode) -> int:
    """Members' and visitors' confirmed places (in the room, for a hybrid meeting)."""
    members = Registration.objects.confirmed().filter(meeting=meeting)
    visitors = VisitorRegistration.objects.filter(meeting=meeting, status=V.CONFIRMED)
    if meeting.format == Meeting.Format.HYBRID:
        members = members.filter(mode=Registration.Mode.IN_PERSON)
        visitors = visitors.filter(mode=Registration.Mode.IN_PERSON)
    return members.count() + visitors.count()


def has_place(meeting, mode) -> bool:
    return not meeting.limited(mode) or _places_taken(meeting, mode) < meeting.capacity


def _notify_registration(registration, kind):
    notify(kind=kind, to=[registration.user], obj=registration,
           period=f"{registration.status}:{registration.updated_at.isoformat()}")


@transaction.atomic
def register(*, meeting: Meeting, user, mode: str) -> Registration:
    """Register ``user``: a place if there is one, else the waiting list (in order of asking).
    Registering again changes the mode. Side effects: a confirmation (with the .ics) or a
    waiting-list e-mail."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)  # one registration at a time
    if not meeting.registration_open:
        raise ValidationError(_("Registration for this meeting is closed."))
    allowed = {Registration.Mode.IN_PERSON: meeting.has_room, Registration.Mode.ONLINE: meeting.has_online}
    if not allowed.get(mode):
        raise ValidationError({"mode": _("Choose how you will attend this meeting.")})
    registration = Registration.objects.select_for_update().filter(meeting=meeting, user=user).first()
    previous = registration.status if registration else None
    if previous in (R.CONFIRMED, R.WAITING) and registration.mode == mode:
        return registration  # asked twice: nothing changes, no second e-mail
    if registration is None:
        registration = Registration(meeting=meeting, user=user)
    if previous == R.CONFIRMED:
        registration.status = R.CANCELLED  # let go of the old place before counting the new one
        registration.save()
    registration.mode = mode
    registration.status = R.CONFIRMED if has_place(meeting, mode) else R.WAITING
    if registration.status == R.WAITING:
        registration.queued_at = timezone.now()
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        raise ValidationError(_("You are already registered."))
    if previous == R.CONFIRMED:
        _promote_waiting(meeting)
    _notify_registration(registration, "registration_confirmed" if registration.status == R.CONFIRMED
                         else "registration_waiting")
    return registration


@transaction.atomic
def decline(*, meeting: Meeting, user) -> Registration:
    """Answer 'not attending' (freeing a place if one was held). Only for a meeting still to come:
    afterwards nobody can use a freed place, and nobody should be told one is theirs."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled."))
    if meeting.starts_at <= timezone.now():
        raise ValidationError(_("This meeting has already started."))
    registration, _created = Registration.objects.get_or_create(meeting=meeting, user=user,
                                                               defaults={"status": R.DECLINED})
    held = registration.status == R.CONFIRMED
    registration.status = R.DECLINED
    registration.save()
    if held:
        _promote_waiting(meeting)
    return registration


@transaction.atomic
def cancel_registration(*, registration: Registration, by) -> Registration:
    """Give up a place or leave the waiting list; the first person waiting moves up and is told."""
    meeting = Meeting.objects.select_for_update().get(pk=registration.meeting_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status not in (R.CONFIRMED, R.WAITING):
        raise ValidationError(_("You are not registered for this meeting."))
    held = registration.status == R.CONFIRMED
    registration.status = R.CANCELLED
    registration.save()
    if held and not meeting.is_cancelled and not meeting.is_past:
        _promote_waiting(meeting)
    return registration


@transaction.atomic
def user_withdraw_from_meetings(*, user: User, by: User) -> int:
    """The anonymise hook (members.services.user_anonymise): the person gives up every place at a
    meeting still to come. Registrations and attendance of meetings that began stay on record.
    Returns the places given up.

    Side effects: those registrations cancelled (the first person waiting moves up and is told);
    the personal calendar feed deleted; minutes revisions name the placeholder address instead of theirs.
    """
    held = Registration.objects.filter(user=user, status__in=[R.CONFIRMED, R.WAITING],
                                       meeting__starts_at__gt=timezone.now())
    for registration in held:
        cancel_registration(registration=registration, by=by)
    CalendarFeed.objects.filter(user=user).delete()
    MinutesRevision.objects.filter(editor=user).update(editor_label=user.email)
    return len(held)


def _promote_waiting(meeting):
    """Fill free places from the waiting list, in order (the meeting row is locked). Members and
    visitors wait on one list, in the order they asked."""
    while True:
        member = (Registration.objects.waiting().select_for_update().filter(meeting=meeting)
                  .order_by("queued_at", "pk").first())
        visitor = (VisitorRegistration.objects.select_for_update().filter(meeting=meeting, status=V.WAITING)
                   .order_by("queued_at", "pk").first())
        candidate = min((c for c in (member, visitor) if c is not None), key=lambda c: c.queued_at, default=None)
        if candidate is None or not has_place(meeting, candidate.mode):
            return
        candidate.status = R.CONFIRMED
        candidate.save()
        if isinstance(candidate, VisitorRegistration):
            _notify_visitor(candidate, VISITOR_MOVED_UP)
        else:
            _notify_registration(candidate, "registration_moved_up")


# ---------------------------------------------------------------------------------------------
# Visitors at a meeting open to the public
# ---------------------------------------------------------------------------------------------

VISITOR_CONFIRM = "visitor_confirm"  # the link that confirms the address (double opt-in)
VISITOR_CONFIRMED = "visitor_confirmed"  # the place, with the .ics, the online link and the cancel link
VISITOR_WAITING = "visitor_waiting"  # on the waiting list, with the cancel link
VISITOR_MOVED_UP = "visitor_moved_up"  # a place became free, with the .ics
VISITOR_TURNED_AWAY = "visitor_turned_away"  # the meeting no longer takes visitors: registration cancelled


def _notify_visitor(registration: VisitorRegistration, kind: str, period: str = "", reply_to: str = "") -> None:
    notify(kind=kind, to=[registration.email], obj=registration, language=registration.language,
           period=period or f"{registration.status}:{registration.updated_at.isoformat()}", reply_to=reply_to)


@transaction.atomic
def visitor_register(*, meeting: Meeting, name: str, email: str, affiliation: str, mode: str,
                     language: str) -> VisitorRegistration:
    """A visitor asks for a place at a meeting open to the public. Nothing is held until the
    address is confirmed: the answer is a link by e-mail, whatever the address's state, so the page
    tells nobody whether an address is registered. A registration already confirmed (or waiting)
    is not changed by someone asking again with its address; an unconfirmed or cancelled one takes
    the new details. Asking again is idempotent for the mailbox: see ``_confirm_mail_due``.
    Side effects: at most one outbox row."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not meeting.open_to_public or meeting.visibility != Meeting.Visibility.PUBLIC:
        raise ValidationError(_("This meeting is not open to the public."))
    if not meeting.registration_open:
        raise ValidationError(_("Registration for this meeting is closed."))
    allowed = {Registration.Mode.IN_PERSON: meeting.has_room, Registration.Mode.ONLINE: meeting.has_online}
    if not allowed.get(mode):
        raise ValidationError({"mode": _("Choose how you will attend this meeting.")})
    email = (email or "").strip().lower()
    registration = VisitorRegistration.objects.select_for_update().filter(meeting=meeting, email=email).first()
    if registration is None:
        registration = VisitorRegistration(meeting=meeting, email=email)
    if not registration.holds_place:
        registration.name = (name or "").strip()
        registration.affiliation = (affiliation or "").strip()
        registration.mode = mode
        registration.language = language
        registration.status = V.UNCONFIRMED
        registration.full_clean()
        registration.save()
    now = timezone.now()
    if _confirm_mail_due(registration, now):
        _notify_visitor(registration, VISITOR_CONFIRM, period=f"{registration.status}:{now.isoformat()}")
    return registration


# An address gets the confirmation mail of one registration at most once an hour and at most three
# times a day, however often the form is sent with it: the link of the last mail stays valid for
# VISITOR_CONFIRM_HOURS, so a repeat within the hour adds nothing but mail in someone's box, and a
# stranger typing another person's address cannot turn the form into a mail cannon.
CONFIRM_MAIL_GAP = timedelta(hours=1)
CONFIRM_MAILS_PER_DAY = 3


def _confirm_mail_due(registration: VisitorRegistration, now) -> bool:
    """May the confirmation (or "already registered") mail go to this registration's address now?
    Counted from the outbox's rows for the registration, whatever became of them, since the owner
    last confirmed it (only the owner can: a stranger cannot reset the count)."""
    since = now - timedelta(days=1)
    if registration.confirmed_at and registration.confirmed_at > since:
        since = registration.confirmed_at
    sent = list(Notification.objects.filter(
        kind=VISITOR_CONFIRM, content_type=ContentType.objects.get_for_model(VisitorRegistration),
        object_id=registration.pk, created_at__gt=since,
    ).values_list("created_at", flat=True))
    return len(sent) < CONFIRM_MAILS_PER_DAY and all(at <= now - CONFIRM_MAIL_GAP for at in sent)


def _visitor_by_token(payload: dict | None) -> VisitorRegistration | None:
    if payload is None:
        return None
    return (VisitorRegistration.objects.select_for_update().select_related("meeting")
            .filter(pk=payload["r"], email=payload["e"]).first())


@transaction.atomic
def visitor_confirm(*, token: str) -> VisitorRegistration | None:
    """The confirmation link was opened: the registration takes a place if there is one (members
    and visitors counted together), else goes on the waiting list. A second use changes nothing.
    None for a forged or expired link, or a registration that no longer exists.
    Side effects: the confirmation (with the .ics and the online link) or the waiting-list e-mail."""
    payload = tokens.read_confirm_token(token)
    if payload is None:
        return None
    visitor = VisitorRegistration.objects.filter(pk=payload["r"]).values_list("meeting_id", flat=True).first()
    if visitor is None:
        return None
    meeting = Meeting.objects.select_for_update().get(pk=visitor)  # one registration at a time
    registration = _visitor_by_token(payload)
    if registration is None or registration.status != V.UNCONFIRMED:
        return registration
    if not meeting.registration_open or not meeting.open_to_public:
        raise ValidationError(_("Registration for this meeting is closed."))
    registration.status = V.CONFIRMED if has_place(meeting, registration.mode) else V.WAITING
    registration.queued_at = registration.confirmed_at = timezone.now()
    registration.save()
    _notify_visitor(registration, VISITOR_CONFIRMED if registration.status == V.CONFIRMED else VISITOR_WAITING)
    return registration


@transaction.atomic
def visitor_cancel(*, token: str) -> VisitorRegistration | None:
    """The cancel link of a visitor's mail: the place (or the place on the waiting list) is given
    up and the first person waiting, member or visitor, moves up and is told. None for a forged
    link. Side effects: the moved-up e-mail to whoever gets the place."""
    payload = tokens.read_cancel_token(token)
    if payload is None:
        return None
    meeting_id = VisitorRegistration.objects.filter(pk=payload["r"]).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        return None
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
    registration = _visitor_by_token(payload)
    if registration is None or not registration.holds_place:
        return registration
    held = registration.status == V.CONFIRMED
    registration.status = V.CANCELLED
    registration.save()
    if held and not meeting.is_cancelled and not meeting.is_past:
        _promote_waiting(meeting)
    return registration


def visitors_erase(*, now=None) -> int:
    """Erase the personal data of the visitors of every meeting that ended more than
    VISITOR_DATA_DAYS days ago (the period the registration form states), one meeting per
    transaction. Returns the meetings whose visitors were erased. Run daily by beat."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.VISITOR_DATA_DAYS)
    due = (VisitorRegistration.objects.filter(meeting__ends_at__lt=cutoff)
           .exclude(email__endswith=ERASED_SUFFIX)
           .order_by("meeting_id").values_list("meeting_id", flat=True).distinct())
    return sum(_visitors_erase_for(meeting_id=pk) for pk in list(due))


@transaction.atomic
def _visitors_erase_for(*, meeting_id: int) -> int:
    """One meeting's visitors: those who held a place or waited for one keep their row (status and
    mode, so that the meeting's counts stay true) with name, address and affiliation erased; the
    registrations never confirmed or cancelled are deleted. The outbox's rows addressed to them
    (their own mails, the meeting's change and cancel notices) lose the address; any still waiting
    is skipped. Side effects: an audit entry on the meeting with the numbers, no name."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
    visitors = (VisitorRegistration.objects.select_for_update().filter(meeting=meeting)
                .exclude(email__endswith=ERASED_SUFFIX))
    rows = list(visitors.values_list("pk", "email", "status"))
    if not rows:
        return 0
    kept = [pk for pk, _email, status in rows if status in (V.CONFIRMED, V.WAITING)]
    dropped = [pk for pk, _email, status in rows if status not in (V.CONFIRMED, V.WAITING)]
    outbox = Notification.objects.filter(recipient__isnull=True, email__in={email for _pk, email, _s in rows}).filter(
        Q(content_type=ContentType.objects.get_for_model(VisitorRegistration), object_id__in=[r[0] for r in rows])
        | Q(content_type=ContentType.objects.get_for_model(Meeting), object_id=meeting.pk))
    outbox.filter(status__in=[Notification.Status.QUEUED, Notification.Status.HELD]).update(
        status=Notification.Status.SKIPPED, last_error="erased")
    outbox.exclude(last_error="").update(last_error="erased")  # an SMTP error can quote the address
    outbox.update(email="visitor" + ERASED_SUFFIX, dedup_key=Concat(Value("erased:"), Cast("pk", CharField())))
    VisitorRegistration.objects.filter(pk__in=kept).update(
        name="", affiliation="", email=Concat(Value("visitor-"), Cast("pk", CharField()), Value(ERASED_SUFFIX)))
    VisitorRegistration.objects.filter(pk__in=dropped).delete()
    audit(actor=None, action="meeting.visitors_erase", obj=meeting,
          detail={"erased": len(kept), "deleted": len(dropped), "days": settings.VISITOR_DATA_DAYS})
    return 1


@transaction.atomic
def attendance_set(*, meeting: Meeting, by, attended_ids: set[int]) -> int:
    """Coordinators mark who came (after the meeting)."""
    confirmed = Registration.objects.confirmed().filter(meeting=meeting)
    came = confirmed.filter(pk__in=attended_ids).update(attended=True)
    confirmed.exclude(pk__in=attended_ids).update(attended=False)
    audit(actor=by, action="meeting.attendance", obj=meeting, detail={"attended": came})
    return came


@dataclass(frozen=True)
class MinutesSaved:
    """What ``minutes_save`` did: ``published`` (the text is now what everyone who may see the
    meeting reads), ``first`` (this was the first publication: the weekly digest lists the minutes
    once, on ``minutes_published_at``), ``changed`` (anything was saved)."""

    meeting: Meeting
    published: bool
    first: bool = False
    changed: bool = True


@transaction.atomic
def minutes_save(*, meeting: Meeting, by, text: str, publish: bool, text_en: str | None = None) -> MinutesSaved:
    """Save the minutes in Japanese (``text``) and English (``text_en``; None keeps the English as
    it stands) as a draft, or publish them (``publish``).

    A draft is kept apart from the published text (``minutes_draft``, ``minutes_draft_en``, dated
    ``minutes_draft_at``): only those who run the meeting see it, and the published minutes stay as
    they were until the next publication. Publishing makes the texts the minutes (sanitised
    Markdown) and clears the draft; the first publication sets ``minutes_published_at``, which the
    weekly digest reads, so that people are told once, never again for a correction. Minutes with
    no text in either language cannot be published (ValidationError).
    Side effects: a MinutesRevision for every change (draft or published); an audit entry on each
    publication."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    drafting = meeting.minutes_draft_at is not None
    standing = (meeting.minutes_draft, meeting.minutes_draft_en) if drafting else (meeting.minutes, meeting.minutes_en)
    text = (text or "").strip()
    text_en = standing[1] if text_en is None else text_en.strip()
    if not publish:
        if (text, text_en) == standing:
            return MinutesSaved(meeting=meeting, published=False, changed=False)
        meeting.minutes_draft, meeting.minutes_draft_en = text, text_en
        meeting.minutes_draft_at = timezone.now()
        meeting.save(update_fields=["minutes_draft", "minutes_draft_en", "minutes_draft_at", "updated_at"])
        MinutesRevision.objects.create(meeting=meeting, editor=by, editor_label=getattr(by, "email", ""), text=text,
                                       text_en=text_en, state=MinutesRevision.State.DRAFT)
        return MinutesSaved(meeting=meeting, published=False)
    if not text and not text_en:
        raise ValidationError({"minutes": _("Write the minutes before publishing them.")}, code="empty")
    if (text, text_en) == (meeting.minutes, meeting.minutes_en) and not drafting:
        return MinutesSaved(meeting=meeting, published=True, changed=False)
    first = not meeting.minutes_published_at
    meeting.minutes = text
    meeting.minutes_html = str(render_markdown(text)) if text else ""
    meeting.minutes_en = text_en
    meeting.minutes_html_en = str(render_markdown(text_en)) if text_en else ""
    meeting.minutes_draft, meeting.minutes_draft_en, meeting.minutes_draft_at = "", "", None
    if first:
        meeting.minutes_published_at = timezone.now()
    meeting.save(update_fields=["minutes", "minutes_html", "minutes_en", "minutes_html_en", "minutes_published_at",
                                "minutes_draft", "minutes_draft_en", "minutes_draft_at", "updated_at"])
    MinutesRevision.objects.create(meeting=meeting, editor=by, editor_label=getattr(by, "email", ""), text=text,
                                   text_en=text_en, state=MinutesRevision.State.PUBLISHED)
    audit(actor=by, action="minutes.publish" if first else "minutes.republish", obj=meeting)
    return MinutesSaved(meeting=meeting, published=True, first=first)


@transaction.atomic
def calendar_feed_renew(*, user) -> CalendarFeed:
    """A new secret address for the person's calendar feed; the old one stops working at once."""
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if not created:
        feed.renew()
    return feed


@transaction.atomic
def document_add(*, meeting: Meeting, by, upload, title: str = "") -> MeetingDocument:
    """Attach a file to the meeting, checked by its content and size. Side effects: an audit entry
    (the documents' history on the meeting's page)."""
    document = attach(MeetingDocument(meeting=meeting), upload=upload, title=title, by=by)
    audit(actor=by, action="document.add", obj=meeting, detail={"title": document.title, "document": document.pk})
    return document


@transaction.atomic
def document_version_add(*, document: MeetingDocument, by, upload, title: str = "") -> MeetingDocument:
    """Upload a new version of a document: the file it had stays as an earlier version
    (members.uploads.attach_version); a refused file changes nothing. Side effects: an audit entry."""
    return version_audited(document, owner_field="meeting", by=by, upload=upload, title=title)


@transaction.atomic
def document_remove(*, document: MeetingDocument, by, reason: str = "") -> int:
    """Remove a document with its earlier versions (their stored files once this commits).
    Side effects: an audit entry of who removed what, when and why. Returns the versions removed."""
    return remove_audited(document, owner_field="meeting", by=by, reason=reason)


REMINDERS = {
    # kind, how long before the start it is due, the field recording the start it was sent for
    "week": ("meeting_reminder_week", timedelta(days=7), "reminded_week_for"),
    "day": ("meeting_reminder_day", timedelta(days=1), "reminded_day_for"),
}


def reminders_due(now=None) -> int:
    """Queue the reminders that are due and not yet sent: the week's between 7 days and 1 day
    before the start, the day's in the last day. Due is computed from the current start time, so a
    worker that was down catches up, and a moved meeting is reminded for its new time only.
    Returns the number of meetings reminded."""
    now = now or timezone.now()
    count = 0
    for key, (kind, ahead, field) in REMINDERS.items():
        window_end = now + ahead
        window_start = now + REMINDERS["day"][1] if key == "week" else now
        due = Meeting.objects.not_cancelled().filter(starts_at__gt=window_start, starts_at__lte=window_end).filter(
            Q(**{f"{field}__isnull": True}) | ~Q(**{field: F("starts_at")})
        )
        for meeting in due.select_related("group"):
            with transaction.atomic():
                locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
                if getattr(locked, field) == locked.starts_at:
                    continue
                people = who_may_see(locked, User.objects.filter(is_active=True, registrations__meeting=locked,
                                                               registrations__status=R.CONFIRMED))
                notify(kind=kind, to=people, obj=locked, period=locked.starts_at.isoformat(),
                       context={"starts_at": locked.starts_at.isoformat()})
                setattr(locked, field, locked.starts_at)
                locked.save(update_fields=[field])
                count += 1
    return count
