"""Writes of the meetings app that have side effects: scheduling, changing and cancelling
meetings, registrations with the waiting list, minutes, documents and reminders.

Registrations lock the meeting's row (SELECT ... FOR UPDATE) while they count the places, so two
people asking for the last seat at once are served one after the other: one gets it, the other
goes on the waiting list. Notices go through the outbox in the same transaction.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from members.audit.services import audit
from members.markup import render_markdown
from members.models import Affiliation, Institution, User
from members.notifications.services import notify
from members.uploads import clean_document
from working_groups.models import Membership

from .models import CalendarFeed, Meeting, MeetingDocument, MinutesRevision, Registration
from .selectors import who_may_see

R = Registration.Status
MOVING_FIELDS = ("starts_at", "ends_at", "venue", "format", "online_url")


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
    return entitled(meeting, User.objects.filter(
        is_active=True, registrations__meeting=meeting, registrations__status__in=[R.CONFIRMED, R.WAITING]
    ).distinct())


def entitled(meeting, people) -> list[User]:
    """Those of ``people`` (a queryset) who may still see ``meeting``. A registration outlives the
    right that allowed it (someone leaves the group, an institution is suspended); such a person
    is told nothing more about the meeting, and its online link least of all."""
    return list(who_may_see(meeting, people))


@transaction.atomic
def meeting_schedule(*, form, agenda, by) -> Meeting:
    """Create a meeting (with its agenda formset) and announce it to its audience."""
    meeting = form.save(commit=False)
    meeting.created_by = by
    meeting.full_clean()
    meeting.save()
    agenda.instance = meeting
    agenda.save()
    audit(actor=by, action="meeting.schedule", obj=meeting, detail={"group": getattr(meeting.group, "slug", "")})
    if meeting.starts_at > timezone.now():
        notify(kind="meeting_announced", to=audience(meeting), obj=meeting, reply_to=getattr(by, "email", ""))
    return meeting


@transaction.atomic
def meeting_update(*, meeting: Meeting, form, agenda, by) -> Meeting:
    """Save an edit. A new time or place marks the meeting changed, raises its calendar sequence
    and tells everyone registered (reminders already queued for the old time are dropped when they
    come up for delivery)."""
    before = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting = form.save(commit=False)
    moved = [f for f in MOVING_FIELDS if getattr(before, f) != getattr(meeting, f)]
    if moved and not meeting.is_cancelled:
        meeting.status = Meeting.Status.CHANGED
        meeting.sequence = before.sequence + 1
    meeting.full_clean()
    meeting.save()
    agenda.save()
    if moved and not meeting.is_cancelled:
        audit(actor=by, action="meeting.change", obj=meeting, detail={"fields": moved})
        notify(kind="meeting_changed", to=registered_people(meeting), obj=meeting,
               period=f"seq{meeting.sequence}", context={"changed": moved}, reply_to=getattr(by, "email", ""))
    return meeting


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
    audit(actor=by, action="meeting.cancel", obj=meeting, reason=reason)
    notify(kind="meeting_cancelled", to=registered_people(meeting), obj=meeting, reply_to=getattr(by, "email", ""))
    return meeting


def _places_taken(meeting, mode) -> int:
    qs = Registration.objects.confirmed().filter(meeting=meeting)
    if meeting.format == Meeting.Format.HYBRID:
        qs = qs.filter(mode=Registration.Mode.IN_PERSON)
    return qs.count()


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
    """Fill free places from the waiting list, in order (the meeting row is locked)."""
    while True:
        candidate = (Registration.objects.waiting().select_for_update().filter(meeting=meeting)
                     .order_by("queued_at", "pk").first())
        if candidate is None or not has_place(meeting, candidate.mode):
            return
        candidate.status = R.CONFIRMED
        candidate.save()
        _notify_registration(candidate, "registration_moved_up")


@transaction.atomic
def attendance_set(*, meeting: Meeting, by, attended_ids: set[int]) -> int:
    """Coordinators mark who came (after the meeting)."""
    confirmed = Registration.objects.confirmed().filter(meeting=meeting)
    came = confirmed.filter(pk__in=attended_ids).update(attended=True)
    confirmed.exclude(pk__in=attended_ids).update(attended=False)
    audit(actor=by, action="meeting.attendance", obj=meeting, detail={"attended": came})
    return came


@transaction.atomic
def minutes_save(*, meeting: Meeting, by, text: str) -> Meeting:
    """Save (and publish) the minutes: sanitised Markdown; every version is kept."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    text = (text or "").strip()
    if text == meeting.minutes:
        return meeting
    first = not meeting.minutes_published_at
    meeting.minutes = text
    meeting.minutes_html = str(render_markdown(text))
    if text and first:
        meeting.minutes_published_at = timezone.now()
    meeting.save(update_fields=["minutes", "minutes_html", "minutes_published_at", "updated_at"])
    MinutesRevision.objects.create(meeting=meeting, editor=by, editor_label=getattr(by, "email", ""), text=text)
    return meeting


@transaction.atomic
def document_add(*, meeting: Meeting, by, upload, title: str = "") -> MeetingDocument:
    content, content_type = clean_document(upload)
    document = MeetingDocument(meeting=meeting, title=(title or content.name)[:200], content_type=content_type,
                               size=content.size, uploaded_by=by)
    document.file.save(content.name, content, save=False)
    document.save()
    return document


@transaction.atomic
def document_remove(*, document: MeetingDocument, by) -> None:
    document.file.delete(save=False)
    document.delete()


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
                people = entitled(locked, User.objects.filter(is_active=True, registrations__meeting=locked,
                                                               registrations__status=R.CONFIRMED))
                notify(kind=kind, to=people, obj=locked, period=locked.starts_at.isoformat(),
                       context={"starts_at": locked.starts_at.isoformat()})
                setattr(locked, field, locked.starts_at)
                locked.save(update_fields=[field])
                count += 1
    return count
