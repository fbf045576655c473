"""The coalition's two tiers: the general meeting of all members, and theme working groups."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.fields import ReservedSlugValidator
from members.i18n import current_language, translated
from members.models import DecidedRequest, Document, Institution
from members.regions import PREFECTURE_CHOICES, PREFECTURES_BY_CODE, region_of
from members.search import text_search


class WorkingGroupQuerySet(models.QuerySet):
    def themes(self):
        return self.filter(tier=WorkingGroup.Tier.THEME)

    def active(self):
        return self.filter(status=WorkingGroup.Status.ACTIVE)

    def general_meeting(self):
        return self.filter(tier=WorkingGroup.Tier.GENERAL).first()


class WorkingGroup(models.Model):
    """A tier of the coalition. Exactly one group is the general meeting (upper tier), whose members
    are all active institutions; the others are theme working groups that institutions join."""

    class Tier(models.TextChoices):
        GENERAL = "general", _("General meeting")
        THEME = "theme", _("Theme working group")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.THEME)
    slug = models.SlugField(_("address name"), max_length=60, unique=True,
                            validators=[ReservedSlugValidator("new")])  # /working-groups/new/
    name_ja = models.CharField(_("name (Japanese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    coordinators = models.ManyToManyField(
        Institution,
        blank=True,
        related_name="coordinated_groups",
        verbose_name=_("coordinating institutions"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    is_open = models.BooleanField(
        _("open to join"), default=False, help_text=_("Join requests are accepted at once, without a coordinator.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    closed_reason = models.TextField(
        _("reason for closing"), blank=True, help_text=_("The general meeting's resolution that closed the group.")
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkingGroupQuerySet.as_manager()

    name = translated("name")
    description = translated("description")

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["order", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier"], condition=models.Q(tier="general"), name="working_group_one_general_meeting"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("working_groups:group-detail", kwargs={"slug": self.slug})

    @property
    def is_general_meeting(self) -> bool:
        return self.tier == self.Tier.GENERAL


class ParticipationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Participation.Status.ACTIVE)

    def pending(self):
        return self.filter(status=Participation.Status.PENDING)


class Participation(DecidedRequest):
    """An institution taking part in a theme group: chosen by its contact (or named in its
    membership application), accepted by a coordinator or the secretariat (at once where open)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Requested")
        ACTIVE = "active", _("Taking part")
        REFUSED = "refused", _("Refused")
        ENDED = "ended", _("Ended")

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="participations")
    # PROTECT: an institution with a history is withdrawn, not deleted (members.services).
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="group_participations")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(_("message"), blank=True, max_length=2000)

    objects = ParticipationQuerySet.as_manager()

    OPEN = (Status.PENDING,)

    class Meta:
        verbose_name = _("participating institution")
        verbose_name_plural = _("participating institutions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "institution"],
                condition=models.Q(status__in=["pending", "active"]),
                name="participation_one_open",
            )
        ]
        indexes = [models.Index(fields=["institution", "status"]), models.Index(fields=["group", "status"])]

    def __str__(self):
        return f"{self.institution} in {self.group}"


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Membership.Status.ACTIVE)

    def pending(self):
        return self.filter(status=Membership.Status.PENDING)


class Membership(DecidedRequest):
    """A person registered in a group for their institution; asked by the person, approved by a
    coordinator or the secretariat (at once where the group is open)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Requested")
        ACTIVE = "active", _("Member")
        REFUSED = "refused", _("Refused")
        LEFT = "left", _("Left")
        REMOVED = "removed", _("Removed")

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="memberships")
    # PROTECT both: people are anonymised and institutions withdrawn; the group's record stays.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="group_memberships")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="group_memberships")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    # A coordinator is a named person: an active member registered for one of the group's
    # coordinating institutions, named by a contact of that institution or by the secretariat
    # (services.coordinator_name). The flag counts only while those conditions hold (rules.py).
    coordinator = models.BooleanField(_("coordinator"), default=False, db_default=False)

    objects = MembershipQuerySet.as_manager()

    OPEN = (Status.PENDING,)

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=models.Q(status__in=["pending", "active"]),
                name="membership_one_open",
            )
        ]
        indexes = [models.Index(fields=["group", "status"]), models.Index(fields=["user", "status"])]

    def __str__(self):
        return f"{self.user} in {self.group}"


class InitiativeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Initiative.Status.PUBLISHED)

    def public(self):
        """What a visitor may see listed: published and public."""
        return self.published().filter(visibility=Initiative.Visibility.PUBLIC)

    def search(self, q: str):
        """Every word (folded like the stored text) appears somewhere in the text, in either
        language; Japanese needs no spaces: 陽光発 finds 太陽光発電, 水 finds 水素 (a substring,
        through the gram index on PostgreSQL, probed first to choose the plan: members/search.py)."""
        return text_search(self, q, probe=True)


class Initiative(models.Model):
    """A case study an institution shares with the coalition (and, if public, the world)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        MEMBERS = "members", _("Members only")

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="initiatives", verbose_name=_("institution")
    )
    # PROTECT: who wrote it stays known; a person who leaves is anonymised, not deleted.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="initiatives"
    )
    slug = models.SlugField(max_length=90, unique=True, editable=False)
    language = models.CharField(
        _("language of the text"), max_length=2, choices=settings.LANGUAGES, default="ja"
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(
        _("summary"), max_length=1000, help_text=_("Two or three sentences for lists and feeds.")
    )
    body = models.TextField(_("text"), help_text=_("Markdown: headings, lists, links, tables and images."))
    title_translated = models.CharField(_("title in the other language"), max_length=200, blank=True)
    summary_translated = models.TextField(_("summary in the other language"), max_length=1000, blank=True)
    body_translated = models.TextField(
        _("text in the other language"), blank=True, default="", db_default="",
        help_text=_("Optional: the whole text for readers of the other language (Markdown)."),
    )
    themes = models.ManyToManyField(WorkingGroup, related_name="initiatives", verbose_name=_("themes"))
    partners = models.TextField(
        _("partners"), blank=True, max_length=2000,
        help_text=_("Local governments, companies and others, one per line."),
    )
    partner_institutions = models.ManyToManyField(
        Institution, blank=True, related_name="partner_in", verbose_name=_("partner members")
    )
    prefecture = models.CharField(_("prefecture"), max_length=2, choices=PREFECTURE_CHOICES)
    started_on = models.DateField(_("started"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True, max_length=4000)
    co2_reduction = models.DecimalField(
        _("CO₂ reduced (t-CO₂ per year)"), max_digits=12, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    capacity_kw = models.DecimalField(
        _("capacity installed (kW)"), max_digits=12, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    cover = models.ImageField(_("cover image"), upload_to="initiatives/", blank=True)
    cover_alt = models.CharField(
        _("description of the image"), max_length=250, blank=True,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    links = models.JSONField(_("links"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    unpublished_reason = models.TextField(blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(editable=False, db_index=True, default=2021)
    body_html = models.TextField(editable=False, default="")
    body_translated_html = models.TextField(editable=False, default="", db_default="")
    search_text = models.TextField(editable=False, default="")
    # How many institutions recorded that they adopted it: kept by working_groups.progress (its
    # Adoption's saves and deletions), so that "most adopted first" is a walk of an index, not a count
    # of every adoption of every initiative (0.6 s at the large scale).
    adoption_count = models.PositiveIntegerField(editable=False, default=0, db_default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="initiative_period_in_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="initiative_published_has_date",
            ),
        ]
        indexes = [
            # the list, newest first: visitors (public only) and members (everything published)
            models.Index(fields=["status", "visibility", "-published_at", "-id"], name="initiative_listing"),
            models.Index(fields=["status", "-published_at", "-id"], name="initiative_listing_members"),
            # ?sort=adopted: the most adopted first, then the newest (visibility is tested on the walk)
            models.Index(fields=["-adoption_count", "-published_at", "-id"], name="initiative_most_adopted",
                         condition=models.Q(status="published")),
            models.Index(fields=["institution", "status"]),
            models.Index(fields=["prefecture", "status"]),
            # /media/ finds the initiative of a cover image to check who may see it
            models.Index(fields=["cover"], name="initiative_cover"),
            # the sitemap's index probes each range of keys for its newest change (index-only scans)
            models.Index(fields=["id"], include=["updated_at"], name="initiative_sitemap",
                         condition=models.Q(status="published", visibility="public")),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("working_groups:initiative-detail", kwargs={"slug": self.slug})

    @property
    def other_language(self) -> str:
        return "en" if self.language == "ja" else "ja"

    def shown_title(self) -> str:
        """The title in the page's language where a translation exists."""
        if current_language() != self.language and self.title_translated:
            return self.title_translated
        return self.title

    def shown_summary(self) -> str:
        if current_language() != self.language and self.summary_translated:
            return self.summary_translated
        return self.summary

    @property
    def region(self):
        return region_of(self.prefecture)

    @property
    def prefecture_info(self):
        return PREFECTURES_BY_CODE.get(self.prefecture)

    @property
    def is_public(self) -> bool:
        return self.status != self.Status.DRAFT and self.visibility == self.Visibility.PUBLIC


class InitiativeDocument(Document):
    """A file attached to an initiative (PDF, image or Office document, checked by content)."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to="documents/")

    class Meta(Document.Meta):
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["version_of"], name="initiativedoc_version_of",
                                condition=models.Q(version_of__isnull=False))]


class InitiativeRevision(models.Model):
    """Who changed what, when: one row per edit, shown to the initiative's editors."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    editor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=20, default="edit")
    changes = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.initiative} {self.action} {self.created_at:%Y-%m-%d %H:%M}"
