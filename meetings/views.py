"""Views of the meetings app: the list and the page, scheduling, registrations, minutes,
participants, and calendars."""

import csv
import datetime
import hashlib
from collections import Counter

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.http import condition
from django.views.generic import ListView

from members.access import SecretariatRequiredMixin, form_errors_to_form, rate_limited, refuse
from members.i18n import current_language
from members.notifications import registry
from members.pagination import page_of
from members.rules import is_secretariat
from members.spreadsheets import spreadsheet_row
from members.views import documents
from working_groups.models import WorkingGroup
from working_groups.rules import coordinated_group_ids

from . import selectors, services, tokens
from .calendar import assemble, calendar_of, source_of, stored_events
from .filters import MeetingFilter
from .forms import (
    AgendaFormSet,
    DocumentForm,
    MeetingForm,
    MinutesForm,
    ReasonForm,
    RegistrationForm,
    VisitorRegistrationForm,
)
from .models import CalendarFeed, DigestRun, Meeting, MeetingDocument, Registration, VisitorRegistration


class MeetingListView(View):
    """/meetings/: upcoming (or ?when=past), filterable by wg and format; ?page=N."""

    template_name = "meetings/meeting_list.html"
    paginate_by = 20

    def get(self, request):
        past = request.GET.get("when") == "past"
        base = selectors.meetings_visible_to(request.user)
        base = base.past() if past else base.upcoming()
        filterset = MeetingFilter(request.GET, queryset=base)
        page, paginator = page_of(request, selectors.meeting_rows(filterset.qs), self.paginate_by)
        can_schedule = bool(coordinated_group_ids(request.user)) or request.user.has_perm(
            "meetings.schedule_meeting", None)
        return render(request, self.template_name, {
            "filter": filterset, "page_obj": page, "paginator": paginator, "meetings": list(page.object_list),
            "past": past, "can_schedule": can_schedule,
        })


class MeetingMixin:
    """Loads the meeting of the URL and checks ``permission`` on it."""

    permission = "meetings.view_meeting"

    def dispatch(self, request, *args, **kwargs):
        self.meeting = get_object_or_404(Meeting.objects.select_related("group"), pk=kwargs["pk"])
        if not request.user.has_perm(self.permission, self.meeting):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)


class MeetingDetailView(MeetingMixin, View):
    template_name = "meetings/meeting_detail.html"

    def get(self, request, pk):
        meeting, user = self.meeting, request.user
        registration = selectors.my_registration(user, meeting)
        # Members' and visitors' places by status and mode (a visitor takes a place as a member does).
        counts = Counter()
        for status, mode, n in meeting.registrations.order_by().values_list("status", "mode").annotate(n=Count("id")):
            counts[status, mode] += n
        if meeting.open_to_public:
            for status, mode, n in meeting.visitor_registrations.order_by().values_list("status", "mode").annotate(
                    n=Count("id")):
                counts[status, mode] += n
        confirmed = {mode: n for (status, mode), n in counts.items() if status == Registration.Status.CONFIRMED}
        in_person = confirmed.get(Registration.Mode.IN_PERSON, 0)
        # A hybrid meeting's capacity is the room's: online attendees are counted apart, not against it.
        room_only = meeting.format == Meeting.Format.HYBRID and meeting.capacity is not None
        context = {
            "meeting": meeting,
            "agenda": list(meeting.agenda.all()),
            "documents": list(meeting.documents.filter(version_of__isnull=True).select_related("uploaded_by")
                              .prefetch_related(_earlier_versions())),
            "registration": registration,
            "attending": sum(confirmed.values()),
            "room_only": room_only,
            "in_person": in_person,
            "online": confirmed.get(Registration.Mode.ONLINE, 0),
            "room_full": room_only and in_person >= meeting.capacity,
            "waiting": sum(n for (status, _mode), n in counts.items() if status == Registration.Status.WAITING),
            "position": selectors.waiting_position(registration),
            "can_register": user.has_perm("meetings.register", meeting) and meeting.registration_open,
            "can_manage": user.has_perm("meetings.manage_meeting", meeting),
            "show_online_link": bool(registration and registration.status == Registration.Status.CONFIRMED),
        }
        if context["can_manage"]:
            context["document_history"] = selectors.document_history(meeting)
        if context["can_register"]:
            context["form"] = RegistrationForm(meeting=meeting, initial={"mode": getattr(registration, "mode", None)})
        elif meeting.open_to_public and meeting.registration_open:
            context["visitor_form"] = VisitorRegistrationForm(meeting=meeting, initial=_visitor_initial(user))
        return render(request, self.template_name, context)


def _earlier_versions() -> Prefetch:
    return documents.earlier_versions(MeetingDocument)


def _visitor_initial(user) -> dict:
    initial = {"language": current_language()}
    if user.is_authenticated:  # signed in without a member's right to register: a visitor too
        initial.update(name=user.get_full_name(), email=user.email)
    return initial


def schedulable(user) -> dict:
    """The groups and kinds of meeting ``user`` may schedule."""
    if is_secretariat(user):
        groups = list(WorkingGroup.objects.themes().active().order_by("order"))
        return {"groups": groups, "kinds": [Meeting.Kind.GENERAL, Meeting.Kind.GROUP, Meeting.Kind.SYMPOSIUM]}
    groups = list(WorkingGroup.objects.filter(pk__in=coordinated_group_ids(user)).active().themes())
    return {"groups": groups, "kinds": [Meeting.Kind.GROUP, Meeting.Kind.SYMPOSIUM] if groups else []}


def meeting_data(form) -> dict:
    """The meeting form's values as the services take them."""
    return {name: form.cleaned_data.get(name) for name in services.MEETING_FIELDS if name in form.cleaned_data}


def agenda_lines(formset) -> list[dict]:
    """The programme the agenda formset holds (lines marked for deletion and empty lines left out)."""
    return [{name: form.cleaned_data.get(name) or "" for name in services.AGENDA_FIELDS}
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("time")]


class MeetingFormMixin:
    template_name = "meetings/meeting_form.html"

    def render_form(self, request, form, agenda, meeting=None):
        return render(request, self.template_name, {"form": form, "agenda": agenda, "meeting": meeting})

    def allowed(self, request, form) -> bool:
        """The group chosen must be one the user may schedule for (checked on the object)."""
        group = form.cleaned_data.get("group")
        kind = form.cleaned_data.get("kind")
        if kind == Meeting.Kind.GROUP or (kind == Meeting.Kind.SYMPOSIUM and group is not None):
            return request.user.has_perm("meetings.schedule_meeting", group)
        return request.user.has_perm("meetings.schedule_meeting", None)


class MeetingCreateView(LoginRequiredMixin, MeetingFormMixin, View):
    """/meetings/new/ (?wg=<slug> to preselect the group)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.choices = schedulable(request.user)
        if not self.choices["kinds"]:
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        group = next((g for g in self.choices["groups"] if g.slug == request.GET.get("wg")), None)
        form = MeetingForm(**self.choices, initial={"group": group.pk if group else None, "kind": "group"})
        return self.render_form(request, form, AgendaFormSet(prefix="agenda"))

    def post(self, request):
        form = MeetingForm(request.POST, **self.choices)
        agenda = AgendaFormSet(request.POST, prefix="agenda")
        if not (form.is_valid() and agenda.is_valid()):
            return self.render_form(request, form, agenda)
        if not self.allowed(request, form):
            return refuse(request)
        try:
            meeting = services.meeting_schedule(by=request.user, data=meeting_data(form), agenda=agenda_lines(agenda))
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.render_form(request, form, agenda)
        messages.success(request, _("The meeting is scheduled and announced."))
        return redirect(meeting.get_absolute_url())


class MeetingEditView(MeetingMixin, MeetingFormMixin, View):
    permission = "meetings.manage_meeting"

    def choices(self, request):
        choices = schedulable(request.user)
        if self.meeting.group and self.meeting.group not in choices["groups"] and \
                not self.meeting.group.is_general_meeting:
            choices["groups"].append(self.meeting.group)
        if self.meeting.kind not in choices["kinds"]:
            choices["kinds"].append(self.meeting.kind)
        return choices

    def get(self, request, pk):
        form = MeetingForm(instance=self.meeting, **self.choices(request))
        return self.render_form(request, form, AgendaFormSet(instance=self.meeting, prefix="agenda"), self.meeting)

    def post(self, request, pk):
        form = MeetingForm(request.POST, instance=self.meeting, **self.choices(request))
        agenda = AgendaFormSet(request.POST, instance=self.meeting, prefix="agenda")
        if not (form.is_valid() and agenda.is_valid()):
            return self.render_form(request, form, agenda, self.meeting)
        if not self.allowed(request, form) and form.cleaned_data.get("group") != self.meeting.group:
            return refuse(request)
        try:
            change = services.meeting_update(meeting=self.meeting, by=request.user, data=meeting_data(form),
                                             agenda=agenda_lines(agenda))
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.render_form(request, form, agenda, self.meeting)
        if change.notified:
            messages.success(request, ngettext(
                "The meeting is saved; %(n)d registered participant was told of the change.",
                "The meeting is saved; %(n)d registered participants were told of the change.",
                change.notified) % {"n": change.notified})
        else:
            messages.success(request, _("The meeting is saved."))
        if change.visitors_cancelled:
            messages.info(request, ngettext(
                "The meeting no longer takes visitors: %(n)d visitor registration was cancelled (visitors "
                "holding a place are told by e-mail).",
                "The meeting no longer takes visitors: %(n)d visitor registrations were cancelled (visitors "
                "holding a place are told by e-mail).",
                change.visitors_cancelled) % {"n": change.visitors_cancelled})
        return redirect(change.meeting.get_absolute_url())


class MeetingCancelView(MeetingMixin, View):
    permission = "meetings.manage_meeting"
    template_name = "meetings/meeting_cancel.html"

    def get(self, request, pk):
        return render(request, self.template_name, {"meeting": self.meeting, "form": ReasonForm()})

    def post(self, request, pk):
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                services.meeting_cancel(meeting=self.meeting, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("The meeting is cancelled; the participants were told."))
                return redirect(self.meeting.get_absolute_url())
        return render(request, self.template_name, {"meeting": self.meeting, "form": form})


class RegistrationView(MeetingMixin, View):
    """POST: register (mode), decline, or cancel one's registration."""

    permission = "meetings.register"
    action = "register"

    def post(self, request, pk):
        meeting, user = self.meeting, request.user
        try:
            if self.action == "register":
                form = RegistrationForm(request.POST, meeting=meeting)
                if not form.is_valid():
                    raise ValidationError(_("Choose how you will attend this meeting."))
                registration = services.register(meeting=meeting, user=user, mode=form.cleaned_data["mode"])
                done = (_("You are registered. A confirmation with the calendar event is on its way.")
                        if registration.status == Registration.Status.CONFIRMED
                        else _("The meeting is full: you are on the waiting list."))
            else:
                services.decline(meeting=meeting, user=user)
                done = _("Noted: you will not attend.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done)
        return redirect(meeting.get_absolute_url())


class RegistrationCancelView(View):
    """POST: give up one's place (or leave the waiting list). The right to do so is holding the
    registration, not the right to register: someone who has since left the group, or whose
    institution was suspended, can still free the place they hold (their account page lists it)."""

    def post(self, request, pk):
        if not request.user.is_authenticated:
            return refuse(request)
        registration = (Registration.objects.select_related("meeting__group")
                        .filter(meeting_id=pk, user=request.user).first())
        if registration is None:
            raise Http404
        meeting = registration.meeting
        was_waiting = registration.status == Registration.Status.WAITING
        try:
            services.cancel_registration(registration=registration, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("You left the waiting list.") if was_waiting
                             else _("Your registration is cancelled."))
        if request.user.has_perm("meetings.view_meeting", meeting):
            return redirect(meeting.get_absolute_url())
        return redirect(reverse("members:account") + "#calendar")


class VisitorRegisterView(MeetingMixin, View):
    """A visitor registers for a meeting open to the public: name, address, affiliation. The
    answer is the same whatever the address: a confirmation link is on its way (double opt-in)."""

    template_name = "meetings/visitor_register.html"
    limit, period = 10, 3600  # registrations per network address per hour

    def render_form(self, request, form, status=200):
        return render(request, self.template_name, {"meeting": self.meeting, "form": form}, status=status)

    def closed(self, request):
        if not self.meeting.open_to_public:
            raise Http404
        if not self.meeting.registration_open:
            messages.error(request, _("Registration for this meeting is closed."))
            return redirect(self.meeting.get_absolute_url())
        return None

    def get(self, request, pk):
        return self.closed(request) or self.render_form(
            request, VisitorRegistrationForm(meeting=self.meeting, initial=_visitor_initial(request.user)))

    def post(self, request, pk):
        closed = self.closed(request)
        if closed:
            return closed
        form = VisitorRegistrationForm(request.POST, meeting=self.meeting)
        if rate_limited(request, "visitor-register", limit=self.limit, period=self.period):
            form.is_valid()
            form.add_error(None, _("Too many registrations from your address. Please try again in an hour."))
            return self.render_form(request, form, status=429)
        if not form.is_valid():
            return self.render_form(request, form, status=400)
        if not form.is_spam:
            data = form.cleaned_data
            try:
                services.visitor_register(meeting=self.meeting, name=data["name"], email=data["email"],
                                          affiliation=data["affiliation"], mode=data["mode"],
                                          language=data["language"])
            except ValidationError as exc:
                form_errors_to_form(form, exc)
                return self.render_form(request, form, status=400)
        messages.success(request, _("Thank you. We sent a link to %(email)s: open it within %(hours)s hours to "
                                    "confirm your registration.") % {"email": form.cleaned_data["email"],
                                                                     "hours": tokens.VISITOR_CONFIRM_HOURS})
        return redirect(self.meeting.get_absolute_url())


class VisitorLinkView(View):
    """The confirmation and the cancel link of a visitor's mail: a page with one button (mail
    scanners that open links change nothing), the change on POST."""

    action = "confirm"

    def registration(self, token):
        read = tokens.read_confirm_token if self.action == "confirm" else tokens.read_cancel_token
        payload = read(token)
        if payload is None:
            return None
        return (VisitorRegistration.objects.select_related("meeting")
                .filter(pk=payload["r"], email=payload["e"]).first())

    def page(self, request, registration, status=200):
        return render(request, f"meetings/visitor_{self.action}.html",
                      {"registration": registration, "meeting": getattr(registration, "meeting", None)},
                      status=status)

    def get(self, request, token):
        registration = self.registration(token)
        return self.page(request, registration, status=200 if registration else 400)

    def post(self, request, token):
        service = services.visitor_confirm if self.action == "confirm" else services.visitor_cancel
        try:
            registration = service(token=token)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.page(request, self.registration(token), status=400)
        if registration is None:
            return self.page(request, None, status=400)
        V = VisitorRegistration.Status
        if registration.status == V.CANCELLED and not registration.meeting.open_to_public:
            # turned away when the meeting stopped taking visitors: the page says so, not "cancelled"
            return self.page(request, registration)
        done = {
            V.CONFIRMED: _("Your registration is confirmed. The confirmation with the calendar event is on its way."),
            V.WAITING: _("The event is full: you are on the waiting list. You will be told by e-mail if a place "
                         "becomes free."),
            V.CANCELLED: _("Your registration is cancelled."),
        }.get(registration.status)
        if done:
            messages.success(request, done)
        return redirect(registration.meeting.get_absolute_url())


class ParticipantsView(MeetingMixin, View):
    """The participant list for coordinators; ?format=csv exports it; POST marks attendance."""

    permission = "meetings.manage_meeting"
    template_name = "meetings/participants.html"

    def visitors(self):
        """Visitors' registrations of a meeting open to the public (unconfirmed ones included:
        the organisers see who has not confirmed yet)."""
        return list(self.meeting.visitor_registrations.exclude(status=VisitorRegistration.Status.CANCELLED)
                    .order_by("status", "queued_at", "pk"))

    def rows(self):
        return list(self.meeting.registrations.exclude(status=Registration.Status.CANCELLED)
                    .select_related("user").prefetch_related("user__affiliations__institution")
                    .order_by("status", "queued_at", "pk"))

    def get(self, request, pk):
        rows = self.rows()
        if request.GET.get("format") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="meeting-{self.meeting.pk}-participants.csv"'
            response.write("\ufeff")
            writer = csv.writer(response)
            writer.writerow(spreadsheet_row([_("Name"), _("E-mail address"), _("Institution"), _("Attending"),
                                             _("Status"), _("Registered"), _("Attended"), _("Registered as")]))
            for r in rows:
                institutions = "; ".join(a.institution.name for a in r.user.affiliations.all()
                                         if a.status == "approved")
                writer.writerow(spreadsheet_row([
                    r.user.get_full_name(), r.user.email, institutions, r.get_mode_display(),
                    r.get_status_display(), r.created_at.isoformat(),
                    "" if r.attended is None else ("1" if r.attended else "0"), _("Member"),
                ]))
            for v in self.visitors():
                writer.writerow(spreadsheet_row([
                    _("(erased)") if v.erased else v.name, "" if v.erased else v.email, v.affiliation,
                    v.get_mode_display(), v.get_status_display(),
                    v.created_at.isoformat(), "", _("Visitor"),
                ]))
            return response
        return render(request, self.template_name, {"meeting": self.meeting, "rows": rows,
                                                    "visitors": self.visitors()})

    def post(self, request, pk):
        # Only this meeting's registrations: a value is never parsed (²'s isdigit() is true and
        # int() refuses it; a 30-digit id overflows the database's integer).
        ticked = set(request.POST.getlist("attended"))
        ids = {pk for pk in self.meeting.registrations.values_list("pk", flat=True) if str(pk) in ticked}
        came = services.attendance_set(meeting=self.meeting, by=request.user, attended_ids=ids)
        messages.success(request, _("Attendance is saved: %(n)s attended.") % {"n": came})
        return redirect("meetings:participants", pk=self.meeting.pk)


class MinutesView(MeetingMixin, View):
    """The minutes of a meeting, for those who run it: save a draft (seen only here and by them on
    the meeting's page) or publish; every saved version is listed."""

    permission = "meetings.manage_meeting"
    template_name = "meetings/minutes_form.html"

    def context(self, form):
        return {"meeting": self.meeting, "form": form,
                "revisions": list(self.meeting.minutes_revisions.all()[:50])}

    def get(self, request, pk):
        meeting = self.meeting
        drafting = meeting.minutes_draft_at is not None
        return render(request, self.template_name, self.context(MinutesForm(initial={
            "minutes": meeting.minutes_draft if drafting else meeting.minutes,
            "minutes_en": meeting.minutes_draft_en if drafting else meeting.minutes_en})))

    def post(self, request, pk):
        form = MinutesForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, self.context(form))
        try:
            saved = services.minutes_save(meeting=self.meeting, by=request.user, text=form.cleaned_data["minutes"],
                                          # an older form without the English field keeps the English
                                          text_en=form.cleaned_data["minutes_en"] if "minutes_en" in request.POST
                                          else None, publish=form.publish)
        except ValidationError as exc:
            form.add_error(None, exc)
            return render(request, self.template_name, self.context(form))
        if not saved.published:
            messages.success(request, _("The draft of the minutes is saved. Only those who run the meeting see it "
                                        "until it is published."))
            return redirect("meetings:minutes-edit", pk=self.meeting.pk)
        messages.success(request, _("The minutes are published."))
        return redirect(self.meeting.get_absolute_url() + "#minutes")


class DocumentView(MeetingMixin, View):
    """Attach a document to the meeting (the form is on the meeting's page)."""

    permission = "meetings.manage_meeting"

    def post(self, request, pk):
        form = DocumentForm(request.POST, request.FILES)
        try:
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            services.document_add(meeting=self.meeting, by=request.user, upload=form.cleaned_data["file"],
                                  title=form.cleaned_data["title"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The document is attached."))
        return redirect(self.meeting.get_absolute_url() + "#documents")


class MeetingDocumentMixin(MeetingMixin):
    """The document of the URL (the current version, of this meeting) for those who run the meeting."""

    permission = "meetings.manage_meeting"
    model, owner_field = MeetingDocument, "meeting"


class DocumentVersionView(MeetingDocumentMixin, documents.DocumentVersionBaseView):
    add_version = staticmethod(services.document_version_add)


class DocumentRemoveView(MeetingDocumentMixin, documents.DocumentRemoveBaseView):
    remove = staticmethod(services.document_remove)


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class MeetingIcalView(MeetingMixin, View):
    """One meeting as iCalendar (with the online link for a confirmed participant)."""

    def get(self, request, pk):
        registration = selectors.my_registration(request.user, self.meeting)
        online = {self.meeting.pk} if registration and registration.status == Registration.Status.CONFIRMED else set()
        body = calendar_of([self.meeting], language=current_language(), online_for=online)
        return _ics_response(body, f"meeting-{self.meeting.pk}.ics")


class _Feed:
    """A calendar feed as one request sees it: the meetings it lists (ids and last changes, two
    queries), then its ETag and Last-Modified without building it, and its body from the stored
    events (meetings/calendar.py) only when the client does not hold it already."""

    def __init__(self, rows, *, identity: str, language: str, name: str, online_for=frozenset()):
        self.language, self.name, self.online_for = language, name, online_for
        self.sources = [(pk, source_of(at)) for pk, at in rows]  # once: the ETag and the stored events use them
        state = repr((language, name, sorted(online_for), self.sources))
        self.etag = hashlib.sha256(state.encode()).hexdigest()[:32]
        # Last-Modified is when this content was first served: the newest change of a listed meeting
        # would miss a meeting that left the feed (cancelled long ago, made private, past the window).
        key = "ical-seen:" + hashlib.sha256(identity.encode()).hexdigest()[:32]
        seen = cache.get(key)
        if seen and seen[0] == self.etag:
            self.last_modified = seen[1]
        else:
            self.last_modified = timezone.now().replace(microsecond=0)
            cache.set(key, (self.etag, self.last_modified), FEED_SEEN_SECONDS)

    def body(self) -> bytes:
        return assemble(stored_events(self.sources, language=self.language, online_for=self.online_for),
                        name=self.name)


FEED_SEEN_SECONDS = 60 * 60 * 24 * 30


def _public(request) -> _Feed:
    if not hasattr(request, "calendar_feed"):
        qs = selectors.public_meetings()
        name = _("Coalition meetings")
        slug = request.GET.get("wg")
        if slug:
            group = get_object_or_404(WorkingGroup, slug=slug)
            qs = qs.filter(group=group)
            name = f"{name}: {group.name}"
        request.calendar_feed = _Feed(selectors.feed_window_rows(qs), identity=f"public|{current_language()}|{slug}",
                                      language=current_language(), name=str(name))
    return request.calendar_feed


def _personal(request, token) -> _Feed:
    if not hasattr(request, "calendar_feed"):
        feed = CalendarFeed.objects.filter(token=token).select_related("user").first()
        if feed is None or not feed.user.is_active:
            raise Http404
        user = feed.user
        rows = selectors.feed_window_rows(selectors.personal_meetings(user))
        listed = {pk for pk, _changed in rows}
        # The person's confirmed places in meetings not over before the feed's window, kept to those it
        # lists here: a few rows, where an IN list of the feed's 600 ids cost 3 ms of CPU to build.
        since = timezone.now() - datetime.timedelta(days=selectors.FEED_PAST_DAYS)
        confirmed = Registration.objects.filter(user=user, status=Registration.Status.CONFIRMED,
                                                meeting__ends_at__gte=since).order_by()
        online = {pk for pk in confirmed.values_list("meeting_id", flat=True) if pk in listed}
        request.calendar_feed = _Feed(rows, identity=f"personal|{current_language()}|{token}", language=user.language,
                                      name=str(_("My coalition meetings")), online_for=frozenset(online))
    return request.calendar_feed


@condition(etag_func=lambda request: _public(request).etag,
           last_modified_func=lambda request: _public(request).last_modified)
def public_feed(request):
    """/meetings/ical/ (?wg=<slug>): the public meetings, for any calendar to subscribe to."""
    return _ics_response(_public(request).body(), "meetings.ics")


@condition(etag_func=lambda request, token: _personal(request, token).etag,
           last_modified_func=lambda request, token: _personal(request, token).last_modified)
def personal_feed(request, token):
    """The secret, revocable feed of one person's meetings (no sign-in: the token is the key)."""
    return _ics_response(_personal(request, token).body(), "my-meetings.ics")


class CalendarRenewView(LoginRequiredMixin, View):
    """A new secret address; the old one stops working."""

    def post(self, request):
        services.calendar_feed_renew(user=request.user)
        messages.success(request, _("Your calendar has a new address; the old one no longer works."))
        return redirect(reverse("members:account") + "#calendar")


class DigestRunListView(SecretariatRequiredMixin, ListView):
    """/secretariat/digests/: every build of a periodic mailing (the weekly digest), newest first,
    with its state, its chunks, the digests written, waiting, sent and failed (the failed ones are
    a link to the outbox, where each can be sent again)."""

    template_name = "meetings/digestrun_list.html"
    paginate_by = 20

    def get_queryset(self):
        return DigestRun.objects.order_by("-starts_at", "-pk")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["object_list"] = ctx["runs"] = selectors.digest_runs_with_counts(ctx["object_list"])
        ctx["kinds"] = {k.key: k.label for k in registry.all_kinds()}
        ctx["stalled_after"] = timezone.now() - datetime.timedelta(seconds=settings.NOTIFY_QUEUED_GRACE)
        return ctx
