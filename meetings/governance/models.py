"""Motions (議案) on a general-meeting session's agenda, the one vote each voting institution casts
on them, the proxies (委任状) representatives designate, and the resolutions (議決) adopted."""

from fractions import Fraction

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from meetings.models import Meeting
from members.i18n import translated
from members.models import Document, Institution

from . import procedure


class MotionQuerySet(models.QuerySet):
    def published(self):
        """What members and visitors of the session see: everything but drafts (and proposals the
        secretariat returned)."""
        return self.exclude(status__in=Motion.UNPUBLISHED)


class Motion(models.Model):
    """An item the general meeting decides. Its quorum and majority are copied from its kind's rule
    (meetings.governance.procedure) when it is created; closing the vote writes the counts."""

    class Kind(models.TextChoices):
        RULES_CHANGE = "rules_change", _("Change of the rules")
        GROUP_CREATE = "group_create", _("Creation of a working group")
        GROUP_ABOLISH = "group_abolish", _("Abolition of a working group")
        STATEMENT = "statement", _("Adoption of a statement")
        APPROVAL = "approval", _("Approval of a budget or report")
        OTHER = "other", pgettext_lazy("motion kind", "Other")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("motion status", "Draft")
        AGENDA = "agenda", pgettext_lazy("motion status", "On the agenda")
        VOTING = "voting", pgettext_lazy("motion status", "Voting open")
        ADOPTED = "adopted", pgettext_lazy("motion status", "Adopted")
        REJECTED = "rejected", pgettext_lazy("motion status", "Rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("motion status", "Withdrawn")
        RETURNED = "returned", pgettext_lazy("motion status", "Returned to the proposer")

    class Proposer(models.TextChoices):
        SECRETARIAT = "secretariat", _("The secretariat")
        STEERING = "steering", _("The steering committee")
        MEMBER = "member", _("A member institution")

    class Majority(models.TextChoices):
        SIMPLE = procedure.SIMPLE, _("Simple majority")
        TWO_THIRDS = procedure.TWO_THIRDS, _("Two thirds")

    session = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="motions",
                                limit_choices_to={"kind": Meeting.Kind.GENERAL},
                                verbose_name=pgettext_lazy("general meeting", "session"))
    number = models.PositiveSmallIntegerField(pgettext_lazy("motion", "number"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    text_ja = models.TextField(_("text (Japanese)"))
    text_en = models.TextField(_("text (English)"), blank=True)
    proposer = models.CharField(_("proposed by"), max_length=12, choices=Proposer.choices,
                                default=Proposer.SECRETARIAT)
    proposer_institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("proposing institution"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # the rule, copied from the kind's when created
    quorum_numerator = models.PositiveSmallIntegerField(default=1)
    quorum_denominator = models.PositiveSmallIntegerField(default=2)
    majority = models.CharField(_("majority"), max_length=12, choices=Majority.choices, default=procedure.SIMPLE)
    # the written-vote window (書面表決): open from voting_opened_at until voting_closes_at
    voting_opened_at = models.DateTimeField(_("voting opened"), null=True, blank=True)
    voting_closes_at = models.DateTimeField(_("voting closes"), null=True, blank=True)
    # the result, written when the vote is closed
    eligible = models.PositiveIntegerField(_("voting institutions"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(pgettext_lazy("vote", "for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(pgettext_lazy("vote", "against"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(pgettext_lazy("vote", "abstain"), null=True, blank=True)
    quorum_reached = models.BooleanField(_("quorum reached"), null=True, blank=True)
    decided_at = models.DateTimeField(pgettext_lazy("motion", "decided"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    withdrawn_reason = models.TextField(_("reason for withdrawing"), blank=True)
    returned_reason = models.TextField(_("reason for returning"), blank=True)
    # for a motion to create a working group: the group it proposes (created in draft when adopted)
    group_slug = models.SlugField(_("address name of the proposed group"), max_length=60, blank=True)
    group_name_ja = models.CharField(_("name of the proposed group (Japanese)"), max_length=120, blank=True)
    group_name_en = models.CharField(_("name of the proposed group (English)"), max_length=120, blank=True)
    # for a motion to abolish a working group: that group
    group = models.ForeignKey("working_groups.WorkingGroup", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="motions", verbose_name=_("working group"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MotionQuerySet.as_manager()

    UNPUBLISHED = (Status.DRAFT, Status.RETURNED)

    title = translated("title")
    text = translated("text")

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="motion_number_per_session"),
            models.CheckConstraint(condition=Q(quorum_denominator__gt=0)
                                   & Q(quorum_numerator__lte=models.F("quorum_denominator")),
                                   name="motion_quorum_fraction"),
            models.CheckConstraint(condition=~Q(proposer="member") | Q(proposer_institution__isnull=False),
                                   name="motion_member_proposal_names_institution"),
            models.CheckConstraint(
                condition=~Q(status__in=["adopted", "rejected"])
                | Q(votes_for__isnull=False, votes_against__isnull=False, votes_abstain__isnull=False,
                    eligible__isnull=False, quorum_reached__isnull=False, decided_at__isnull=False),
                name="motion_decided_has_result"),
        ]
        indexes = [models.Index(fields=["status", "voting_closes_at"])]

    def __str__(self):
        return f"{self.session} #{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("governance:motion-detail", kwargs={"pk": self.pk})

    def apply_rule(self) -> None:
        rule = procedure.rule_for(self.kind)
        self.quorum_numerator, self.quorum_denominator = rule.quorum.numerator, rule.quorum.denominator
        self.majority = rule.majority

    @property
    def quorum(self) -> Fraction:
        return Fraction(self.quorum_numerator, self.quorum_denominator)

    @property
    def majority_label(self):
        return procedure.MAJORITY_LABELS.get(self.majority, self.majority)

    @property
    def is_decided(self) -> bool:
        return self.status in (self.Status.ADOPTED, self.Status.REJECTED)

    @property
    def voting_is_open(self) -> bool:
        return self.status == self.Status.VOTING and (
            self.voting_closes_at is None or self.voting_closes_at > timezone.now())

    @property
    def votes_cast(self) -> int:
        return (self.votes_for or 0) + (self.votes_against or 0) + (self.votes_abstain or 0)

    @property
    def quorum_count(self) -> int | None:
        return None if self.eligible is None else procedure.quorum_needed(self.eligible, self.quorum)


class Vote(models.Model):
    """An institution's vote on a motion: one per institution (a database constraint), changed in
    place while the window is open. ``cast_by`` is the representative or the proxy who voted."""

    class Choice(models.TextChoices):
        FOR = "for", pgettext_lazy("vote", "For")
        AGAINST = "against", pgettext_lazy("vote", "Against")
        ABSTAIN = "abstain", pgettext_lazy("vote", "Abstain")

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="votes")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(pgettext_lazy("ballot", "vote"), max_length=8, choices=Choice.choices)
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    cast_by_label = models.CharField(max_length=254, blank=True)
    by_proxy = models.BooleanField(_("by proxy"), default=False)
    # rises with every change: a receipt names the version it confirms
    version = models.PositiveIntegerField(default=1)
    cast_at = models.DateTimeField(pgettext_lazy("vote", "cast"), default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("ballot", "vote")
        verbose_name_plural = _("votes")
        ordering = ["motion", "institution__name_kana"]
        constraints = [
            models.UniqueConstraint(fields=["motion", "institution"], name="vote_one_per_institution"),
            models.CheckConstraint(condition=Q(choice__in=["for", "against", "abstain"]), name="vote_choice_valid"),
        ]

    def __str__(self):
        return f"{self.institution}: {self.get_choice_display()}"


class Proxy(models.Model):
    """A written proxy (委任状): the representative lets another person of the institution, or the
    chair, vote for it at one session. One per institution and session."""

    session = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="proxies")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proxies_held",
                               verbose_name=pgettext_lazy("vote", "proxy"))
    designated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                      related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("vote", "proxy")
        verbose_name_plural = _("proxies")
        constraints = [models.UniqueConstraint(fields=["session", "institution"], name="proxy_one_per_institution")]

    def __str__(self):
        return f"{self.institution} → {self.holder}"


class Resolution(models.Model):
    """The adopted text, numbered per year (e.g. 2026-3), with the counts kept on its motion."""

    motion = models.OneToOneField(Motion, on_delete=models.PROTECT, related_name="resolution")
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveSmallIntegerField()
    text_ja = models.TextField(_("text (Japanese)"))
    text_en = models.TextField(_("text (English)"), blank=True)
    adopted_at = models.DateTimeField(pgettext_lazy("resolution", "adopted"))
    # an adopted statement becomes a news item of kind statement (drafted once, when it is adopted;
    # the secretariat reviews and publishes it)
    news_item = models.OneToOneField("dissemination.NewsItem", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="resolution", verbose_name=_("news item"))

    text = translated("text")

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["-year", "-sequence"]
        constraints = [models.UniqueConstraint(fields=["year", "sequence"], name="resolution_number_unique")]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"{self.year}-{self.sequence}"


class MotionDocument(Document):
    """The motion's papers: the draft text, explanations, the proposed rules."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to="motions/")

    class Meta(Document.Meta):
        verbose_name = _("motion document")
        verbose_name_plural = _("motion documents")
        indexes = [models.Index(fields=["version_of"], name="motiondoc_version_of",
                                condition=models.Q(version_of__isnull=False))]


class Message(models.Model):
    """A message of the secretariat to the people of the coalition (all staff of member
    institutions, all representatives, all contacts) or to one working group's members, which
    that group's coordinators may also write. Written in both languages (each recipient reads
    theirs, or the Japanese), previewed with the number of recipients, then sent once through the
    outbox (one row per recipient under the message's deduplication key). A sent message to a
    group stays on the group's page for its members."""

    class Audience(models.TextChoices):
        GROUP = "group", _("The members of a working group")
        MEMBERS = "members", _("All staff of member institutions")
        REPRESENTATIVES = "representatives", _("All representatives of member institutions")
        CONTACTS = "contacts", _("All contacts of member institutions")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("message status", "Draft")
        SENT = "sent", pgettext_lazy("message status", "Sent")

    audience = models.CharField(_("to"), max_length=16, choices=Audience.choices, default=Audience.GROUP)
    group = models.ForeignKey("working_groups.WorkingGroup", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="messages", verbose_name=_("working group"))
    subject_ja = models.CharField(_("subject (Japanese)"), max_length=200)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_ja = models.TextField(_("text (Japanese)"), max_length=20000)
    body_en = models.TextField(_("text (English)"), max_length=20000, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    subject = translated("subject")
    body = translated("body")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(audience="group", group__isnull=False)
                                   | (~Q(audience="group") & Q(group__isnull=True)),
                                   name="message_group_only_for_a_group"),
            models.CheckConstraint(condition=~Q(status="sent") | Q(sent_at__isnull=False),
                                   name="message_sent_has_date"),
        ]
        indexes = [models.Index(fields=["group", "status", "-sent_at"], name="message_group_archive")]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("governance:message-detail", kwargs={"pk": self.pk})

    @property
    def is_sent(self) -> bool:
        return self.status == self.Status.SENT


class ProposedCoordinator(models.Model):
    """An institution a member's proposal to create a working group names as a coordinating
    institution (幹事機関). It must confirm, through its contact or representative, before the
    secretariat puts the proposal on the agenda; the group the adopted motion creates is
    coordinated by the institutions that confirmed."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("coordinator", "Asked")
        CONFIRMED = "confirmed", pgettext_lazy("coordinator", "Confirmed")
        DECLINED = "declined", pgettext_lazy("coordinator", "Declined")

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="proposed_coordinators")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("proposed coordinating institution")
        verbose_name_plural = _("proposed coordinating institutions")
        ordering = ["motion", "institution__name_kana"]
        constraints = [
            models.UniqueConstraint(fields=["motion", "institution"], name="proposed_coordinator_once_per_motion"),
            models.CheckConstraint(condition=Q(status="pending") | Q(answered_at__isnull=False),
                                   name="proposed_coordinator_answer_has_date"),
        ]

    def __str__(self):
        return f"{self.institution} ({self.get_status_display()})"
