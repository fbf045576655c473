"""Meetings of the general meeting and the working groups, symposia, and who registered."""

import datetime
import secrets
import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.fields import URLField
from members.i18n import fold, pick, picked_language, translated
from members.models import Document
from members.search import text_search
from working_groups.models import WorkingGroup

MAX_LENGTH = datetime.timedelta(days=7)  # the longest meeting (a multi-day conference); the forms hold to it


class MeetingQuerySet(models.QuerySet):
    """``upcoming`` and ``past`` also bound ``starts_at`` (a meeting lasts at most MAX_LENGTH), so
    that PostgreSQL reads only the range it lists from the starts_at index instead of filtering
    every past meeting out of it (EXPLAIN at 20,000 meetings: 6.9 ms to 0.1 ms)."""

    def upcoming(self):
        now = timezone.now()
        return self.filter(ends_at__gte=now, starts_at__gt=now - MAX_LENGTH).order_by("starts_at", "pk")

    def past(self):
        now = timezone.now()
        return self.filter(ends_at__lt=now, starts_at__lt=now).order_by("-starts_at", "-pk")

    def not_cancelled(self):
        return self.exclude(status=Meeting.Status.CANCELLED)

    def search(self, q: str):
        """Every word (folded) appears in the title or description, in either language (the site's
        search, members/search.py)."""
        return text_search(self, q)


class Meeting(models.Model):
    """A session of the general meeting or of a working group, or a symposium.

    Times are stored in UTC and shown in Japan time. ``sequence`` rises with every change of time,
    place or status, so calendars update the event they already have (RFC 5545, same UID).
    """

    class Kind(models.TextChoices):
        GENERAL = "general", _("General meeting")
        GROUP = "group", _("Working group meeting")
        SYMPOSIUM = "symposium", _("Symposium")

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("Hybrid (in person and online)")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        MEMBERS = "members", _("Members only")
        GROUP = "group", _("Group members only")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CHANGED = "changed", _("Changed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.GROUP)
    group = models.ForeignKey(
        WorkingGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="meetings",
        verbose_name=_("working group"),
    )
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.ONLINE)
    venue = models.CharField(_("venue (Japanese)"), max_length=300, blank=True,
                             help_text=_("Building, room and address."))
    venue_en = models.CharField(_("venue (English)"), max_length=300, blank=True, default="", db_default="",
                                help_text=_("The same place for readers of English pages, calendars and mail."))
    online_url = URLField(
        _("online link"), blank=True, help_text=_("Shown only to registered participants.")
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Seats in the room (online places for an online meeting); empty for no limit."),
    )
    registration_deadline = models.DateTimeField(_("registration deadline"), null=True, blank=True)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.MEMBERS)
    # A public symposium: visitors without an account register with a name and a confirmed address
    # (VisitorRegistration), sharing the capacity and the waiting list with members.
    open_to_public = models.BooleanField(
        _("open to the public"), default=False, db_default=False,
        help_text=_("Visitors without an account may register (name, e-mail address, affiliation). "
                    "Only for a meeting everyone can see."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    minutes = models.TextField(_("minutes (Japanese)"), blank=True)
    minutes_html = models.TextField(editable=False, default="")
    minutes_en = models.TextField(_("minutes (English)"), blank=True, default="", db_default="")
    minutes_html_en = models.TextField(editable=False, default="", db_default="")
    minutes_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The draft of the minutes in both languages, seen only by those who run the meeting until they
    # publish it (services.minutes_save); ``minutes_draft_at`` is None when no draft waits.
    # ``minutes``/``minutes_en`` are always what was published.
    minutes_draft = models.TextField(_("draft of the minutes"), blank=True, default="", db_default="",
                                     editable=False)
    minutes_draft_en = models.TextField(_("draft of the minutes (English)"), blank=True, default="", db_default="",
                                        editable=False)
    minutes_draft_at = models.DateTimeField(null=True, blank=True, editable=False)
    # the start time for which each reminder was sent out; a moved meeting gets new reminders
    reminded_week_for = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_day_for = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Folded titles and descriptions (members.i18n.fold), kept in step by save(); what `q` searches.
    search_text = models.TextField(editable=False, default="", db_default="")

    objects = MeetingQuerySet.as_manager()

    title = translated("title")
    description = translated("description")

    # Venue and minutes: the Japanese columns keep their first names (``venue``, ``minutes``), which the
    # API and the calendars have always served; the English ones are beside them. Pages show the
    # visitor's language and fall back to the other, marking the block with its ``lang``.
    @property
    def venue_shown(self) -> str:
        return pick(self.venue, self.venue_en)

    def venue_in(self, language: str) -> str:
        return pick(self.venue, self.venue_en, language)

    @property
    def venue_language(self) -> str:
        return picked_language(self.venue, self.venue_en)

    @property
    def title_language(self) -> str:
        return picked_language(self.title_ja, self.title_en)

    @property
    def description_language(self) -> str:
        return picked_language(self.description_ja, self.description_en)

    @property
    def minutes_shown_html(self) -> str:
        return pick(self.minutes_html, self.minutes_html_en)

    @property
    def minutes_language(self) -> str:
        return picked_language(self.minutes_html, self.minutes_html_en)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"),
            models.CheckConstraint(condition=~Q(kind="group") | Q(group__isnull=False), name="meeting_group_has_group"),
            models.CheckConstraint(condition=Q(open_to_public=False) | Q(visibility="public"),
                                   name="meeting_open_to_public_is_public"),
        ]
        indexes = [
            # The lists and calendar feeds walk meetings in (starts_at, pk) order from a moment on and
            # filter them by the rule of who sees what: read from this index alone (an index-only scan
            # that stops at the feed's cap), not from 1,200 heap pages of the 3,400 meetings not yet
            # over at the large scale, then sorted (a personal feed's window 6.5 -> 1.8 ms)
            models.Index(fields=["starts_at", "id"], include=["ends_at", "visibility", "group", "status",
                                                             "updated_at"], name="meeting_calendar"),
            models.Index(fields=["ends_at", "visibility"]),
            models.Index(fields=["group", "starts_at"]),
            # the sitemap's index probes each range of keys for its newest change (index-only scans)
            models.Index(fields=["id"], include=["updated_at"], name="meeting_sitemap",
                         condition=Q(visibility="public") & ~Q(status="cancelled")),
            # the general meeting's sessions newest first, and their count (a few among all meetings)
            models.Index(fields=["-starts_at", "-id"], name="meeting_general_newest", condition=Q(kind="general")),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.search_text = fold(" ".join([self.title_ja, self.title_en, self.description_ja, self.description_en]))
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("meetings:meeting-detail", kwargs={"pk": self.pk})

    def ical_url(self):
        return reverse("meetings:meeting-ical", kwargs={"pk": self.pk})

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()

    @property
    def has_room(self) -> bool:
        return self.format in (self.Format.IN_PERSON, self.Format.HYBRID)

    @property
    def has_online(self) -> bool:
        return self.format in (self.Format.ONLINE, self.Format.HYBRID)

    @property
    def registration_open(self) -> bool:
        now = timezone.now()
        return (
            not self.is_cancelled
            and self.starts_at > now
            and (self.registration_deadline is None or self.registration_deadline > now)
        )

    def limited(self, mode: str) -> bool:
        """Does ``mode`` count against the capacity? The room's seats for in-person and hybrid
        meetings (joining online is then unlimited); every place for an online meeting."""
        if self.capacity is None:
            return False
        if self.format == self.Format.HYBRID:
            return mode == Registration.Mode.IN_PERSON
        return True


class AgendaItem(models.Model):
    """One line of the programme: time, item, speaker."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    time = models.TimeField(_("time"), help_text=_("Japan time"))
    item_ja = models.CharField(_("item (Japanese)"), max_length=300)
    item_en = models.CharField(_("item (English)"), max_length=300, blank=True)
    speaker = models.CharField(_("speaker"), max_length=300, blank=True)
    # in English, where the speaker or their role reads differently ("幹事機関": "Coordinating institution")
    speaker_en = models.CharField(_("speaker (English)"), max_length=300, blank=True, default="", db_default="")

    item = translated("item")

    @property
    def speaker_shown(self) -> str:
        """The speaker in the active language, falling back to the other."""
        return pick(self.speaker, self.speaker_en)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda")
        ordering = ["meeting", "time", "pk"]

    def __str__(self):
        return f"{self.time:%H:%M} {self.item}"


class MeetingDocument(Document):
    """Programme, presentation materials, rules: checked by content, size-limited."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to="meetings/")

    class Meta(Document.Meta):
        verbose_name = _("meeting document")
        verbose_name_plural = _("meeting documents")
        indexes = [models.Index(fields=["version_of"], name="meetingdoc_version_of",
                                condition=models.Q(version_of__isnull=False))]


class MinutesRevision(models.Model):
    """Every saved version of the minutes: who, when, the text, and whether it was published or
    saved as a draft."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes_revisions")
    # rows written before drafts existed were all published
    state = models.CharField(max_length=10, choices=State.choices, default=State.PUBLISHED,
                             db_default=State.PUBLISHED)
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    editor_label = models.CharField(max_length=254, blank=True)
    text = models.TextField()  # Japanese
    text_en = models.TextField(blank=True, default="", db_default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.meeting} {self.created_at:%Y-%m-%d %H:%M}"


class RegistrationQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=Registration.Status.CONFIRMED)

    def waiting(self):
        return self.filter(status=Registration.Status.WAITING)


class Registration(models.Model):
    """A person's answer to a meeting: attending (in person or online), on the waiting list, or
    declined. A cancelled place goes to the first on the waiting list."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Attending")
        WAITING = "waiting", _("On the waiting list")
        DECLINED = "declined", _("Not attending")
        CANCELLED = "cancelled", _("Cancelled")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")
    # PROTECT: registrations and attendance are the meeting's record; a person is anonymised instead.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations")
    mode = models.CharField(_("attending"), max_length=10, choices=Mode.choices, default=Mode.ONLINE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    # order on the waiting list: when the person last asked for a place
    queued_at = models.DateTimeField(default=timezone.now)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["queued_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="registration_one_per_person")]
        indexes = [models.Index(fields=["meeting", "status", "queued_at"]), models.Index(fields=["user", "status"])]

    def __str__(self):
        return f"{self.user} → {self.meeting} ({self.status})"


# An erased visitor's address (visitor-<pk>@…): .invalid (RFC 2606) reaches nobody, the pk keeps it unique.
ERASED_SUFFIX = "@anonymised.invalid"


class VisitorRegistration(models.Model):
    """A visitor's registration for a meeting open to the public (no account): name, address,
    affiliation. It holds no place until its address is confirmed through the link sent to it
    (double opt-in); then it takes a place or goes on the waiting list, counted together with the
    members' registrations (meetings.services). The visitor cancels through the link in the mail."""

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Waiting for the e-mail confirmation")
        CONFIRMED = "confirmed", _("Attending")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="visitor_registrations")
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail address"), max_length=254)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True,
                                   help_text=_("University, company, municipality or other organisation."))
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="ja")
    mode = models.CharField(_("attending"), max_length=10, choices=Registration.Mode.choices,
                            default=Registration.Mode.ONLINE)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.UNCONFIRMED)
    # order on the waiting list, shared with the members' registrations
    queued_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visitor registration")
        verbose_name_plural = _("visitor registrations")
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "email"], name="visitor_registration_one_per_address"),
        ]
        indexes = [models.Index(fields=["meeting", "status", "queued_at"], name="visitor_registration_queue")]

    def __str__(self):
        return f"{self.name} <{self.email}> → {self.meeting} ({self.status})"

    @property
    def holds_place(self) -> bool:
        return self.status in (self.Status.CONFIRMED, self.Status.WAITING)

    @property
    def erased(self) -> bool:
        """Name, address and affiliation erased after the event (meetings.services.visitors_erase)."""
        return self.email.endswith(ERASED_SUFFIX)


def _token():
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """The secret address of a person's calendar feed; a new token revokes the old address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"calendar of {self.user}"

    def renew(self):
        self.token = _token()
        self.created_at = timezone.now()
        self.save(update_fields=["token", "created_at"])


class MeetingEvent(models.Model):
    """A meeting's VEVENT as calendar feeds serve it, in one language, with or without the online
    link: rendered when the meeting changes (or when a feed finds it missing or out of date), so a
    feed of 500 events is a concatenation (meetings/calendar.py)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="events")
    language = models.CharField(max_length=2, choices=settings.LANGUAGES)
    online = models.BooleanField()  # with the online link (for a confirmed participant)
    # what it was rendered from (calendar.source_of): the meeting's last change, the renderer's
    # version and the site's address; a feed renders the event again when it differs
    source = models.CharField(max_length=200)
    vevent = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "language", "online"], name="meeting_event_one")]

    def __str__(self):
        return f"{self.meeting_id} {self.language}{' online' if self.online else ''}"


class DigestRun(models.Model):
    """The build of one periodic mailing (the weekly digest) for one period, as durable state: it
    is planned into chunks of recipients in one transaction, and each chunk is built in one
    transaction with the outbox rows it writes. Whatever kills a worker or empties Redis, the
    sweeper finds the chunks still pending and builds them (meetings/digest.py)."""

    class Status(models.TextChoices):
        PLANNING = "planning", pgettext_lazy("digest build", "Planning")
        BUILDING = "building", pgettext_lazy("digest build", "Building")
        COMPLETE = "complete", pgettext_lazy("digest build", "Complete")

    kind = models.CharField(max_length=64)
    period = models.CharField(max_length=16)  # e.g. the ISO week 2030-W51
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNING)
    chunks_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "period"], name="digest_run_once_per_period")]
        indexes = [models.Index(fields=["created_at"], condition=~Q(status="complete"), name="digest_run_open")]

    def __str__(self):
        return f"{self.kind} {self.period} ({self.status})"


class DigestChunk(models.Model):
    """The recipients with ids from ``first_user_id`` to ``last_user_id`` of a run: built once."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("digest build", "Pending")
        DONE = "done", pgettext_lazy("digest build", "Done")

    run = models.ForeignKey(DigestRun, on_delete=models.CASCADE, related_name="chunks")
    first_user_id = models.BigIntegerField()
    last_user_id = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    written = models.PositiveIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "first_user_id"], name="digest_chunk_unique")]
        indexes = [models.Index(fields=["enqueued_at"], condition=Q(status="pending"), name="digest_chunk_pending")]

    def __str__(self):
        return f"{self.run} users {self.first_user_id}–{self.last_user_id} ({self.status})"
