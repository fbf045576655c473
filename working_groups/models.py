"""The coalition's two tiers: the general meeting of all members, and theme working groups."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.i18n import translated
from members.models import Institution


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
    slug = models.SlugField(_("address name"), max_length=60, unique=True)
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


class Participation(models.Model):
    """An institution taking part in a theme group: chosen by its contact (or named in its
    membership application), accepted by a coordinator or the secretariat (at once where open)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Requested")
        ACTIVE = "active", _("Taking part")
        REFUSED = "refused", _("Refused")
        ENDED = "ended", _("Ended")

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="participations")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="group_participations")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(_("message"), blank=True, max_length=2000)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ParticipationQuerySet.as_manager()

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


class Membership(models.Model):
    """A person registered in a group for their institution; asked by the person, approved by a
    coordinator or the secretariat (at once where the group is open)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Requested")
        ACTIVE = "active", _("Member")
        REFUSED = "refused", _("Refused")
        LEFT = "left", _("Left")
        REMOVED = "removed", _("Removed")

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="group_memberships")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

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
