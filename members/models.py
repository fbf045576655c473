"""The coalition's register: people, institutions and who belongs where.

The outbox and the audit log are apps of their own (``members.notifications``, ``members.audit``).
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import ReservedSlugValidator, URLField
from .i18n import fold, translated
from .regions import PREFECTURE_CHOICES, PREFECTURES_BY_CODE, REGIONS_BY_SLUG, Region
from .search import text_search

# /members/<slug>/ shares its prefix with these pages
validate_member_slug = ReservedSlugValidator("apply")


class UserQuerySet(models.QuerySet):
    """Who the secretariat is, written once: in its group, and acting only with two-factor sign-in
    (members.rules asks the same two questions of one person; notices go to the whole group)."""

    @staticmethod
    def in_secretariat_group_condition(person=None):
        person = person or OuterRef("pk")
        return Exists(User.groups.through.objects.filter(user_id=person, group__name=settings.SECRETARIAT_GROUP))

    @staticmethod
    def two_factor_condition(person=None):
        person = person or OuterRef("pk")
        return Exists(Authenticator.objects.filter(user_id=person, type=Authenticator.Type.TOTP))

    @classmethod
    def secretariat_condition(cls, person=None):
        return cls.in_secretariat_group_condition(person) & cls.two_factor_condition(person)

    def in_secretariat_group(self):
        return self.filter(self.in_secretariat_group_condition())

    def secretariat(self):
        """People who act as the secretariat (in its group, with two-factor sign-in)."""
        return self.filter(self.secretariat_condition())


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The e-mail address is the identifier; there is no user name."""

    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="ja",
        help_text=_("The language of the e-mails the portal sends you."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name or self.email.split("@")[0]


class InstitutionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Institution.Status.ACTIVE)

    def in_region(self, region: Region):
        return self.filter(prefecture__in=region.codes)

    def search(self, q: str):
        """Width-, case- and kana-insensitive match on the names and the reading."""
        return text_search(self, q)


class Institution(models.Model):
    """A member of the coalition, or an institution on its way in or out."""

    class Kind(models.TextChoices):
        NATIONAL_UNIVERSITY = "national", _("National university")
        PUBLIC_UNIVERSITY = "public", _("Public university")
        PRIVATE_UNIVERSITY = "private", _("Private university")
        COLLEGE_OF_TECHNOLOGY = "kosen", _("College of technology")
        INTER_UNIVERSITY = "inter-university", _("Inter-university research institute")
        RESEARCH_INSTITUTE = "research", _("Research institute")
        COMPANY = "company", _("Company")
        LOCAL_GOVERNMENT = "local-government", _("Local government")
        OTHER = "other", _("Other")

    class Category(models.TextChoices):
        PARTICIPATING = "participating", _("Participating institution")
        COOPERATING = "cooperating", _("Cooperating institution")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_kana = models.CharField(
        _("reading (kana)"),
        max_length=200,
        validators=[RegexValidator(r"^[\u3040-\u309f\u30a0-\u30ff\u30fc\s・ー]+$", _("Write the reading in kana."))],
        help_text=_("How the Japanese name is read, in hiragana or katakana; the directory is sorted by it."),
    )
    slug = models.SlugField(_("address name"), max_length=80, unique=True, validators=[validate_member_slug])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    prefecture = models.CharField(_("prefecture"), max_length=2, choices=PREFECTURE_CHOICES)
    website = URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    profile_ja = models.TextField(_("profile (Japanese)"), blank=True)
    profile_en = models.TextField(_("profile (English)"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    joined_on = models.DateField(_("joined"), null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(
        _("carbon-neutrality target year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2021), MaxValueValidator(2100)],
    )
    # Folded names and reading (members.i18n.fold), kept in step by save(); what `q` searches.
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InstitutionQuerySet.as_manager()

    name = translated("name")
    profile = translated("profile")

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name_kana", "name_ja"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(prefecture__in=list(PREFECTURES_BY_CODE)), name="institution_prefecture_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(target_year__isnull=True) | models.Q(target_year__gte=2021, target_year__lte=2100),
                name="institution_target_year_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "name_kana"]),
            models.Index(fields=["status", "name_en"]),
            models.Index(fields=["prefecture"]),
            models.Index(fields=["logo"], name="institution_logo"),  # /media/ looks a logo up by its file
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = fold(" ".join([self.name_ja, self.name_en, self.name_kana]))
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("members:institution-detail", kwargs={"slug": self.slug})

    @property
    def prefecture_info(self):
        return PREFECTURES_BY_CODE.get(self.prefecture)

    @property
    def region(self) -> Region | None:
        p = PREFECTURES_BY_CODE.get(self.prefecture)
        return REGIONS_BY_SLUG[p.region_slug] if p else None

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


# Domains shared by many organisations: never one institution's own.
PUBLIC_DOMAINS = frozenset({
    "ac.jp", "go.jp", "lg.jp", "co.jp", "or.jp", "ne.jp", "ed.jp", "gr.jp", "ad.jp", "jp", "gmail.com",
    "googlemail.com", "yahoo.co.jp", "yahoo.com", "outlook.com", "outlook.jp", "hotmail.com", "icloud.com",
    "me.com", "docomo.ne.jp", "ezweb.ne.jp", "softbank.ne.jp", "i.softbank.jp", "nifty.com", "biglobe.ne.jp",
})


def validate_own_domain(value: str) -> None:
    if value in PUBLIC_DOMAINS:
        raise ValidationError(
            _("%(domain)s is shared by many organisations; give your institution's own domain."),
            params={"domain": value},
            code="public_domain",
        )


class EmailDomain(models.Model):
    """An e-mail domain an institution's people use; a signed-in user with an address there is
    offered that institution first when asking to be affiliated."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="email_domains")
    domain = models.CharField(
        _("e-mail domain"),
        max_length=190,
        unique=True,
        validators=[
            RegexValidator(r"^(?=.{3,190}$)([a-z0-9-]+\.)+[a-z]{2,}$", _("Enter a domain such as example.ac.jp.")),
            validate_own_domain,
        ],
    )

    class Meta:
        verbose_name = _("e-mail domain")
        verbose_name_plural = _("e-mail domains")
        ordering = ["domain"]

    def __str__(self):
        return self.domain


class DecidedRequest(models.Model):
    """A request someone decides: an affiliation, a group membership, an institution's part in a
    group, a membership application. Each keeps the same record of its decision; the one service
    helper that decides them all is ``members.services.requests.request_decide``.

    ``OPEN`` names the statuses in which the request still waits for a decision."""

    OPEN: tuple[str, ...] = ()

    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class Document(models.Model):
    """A file attached to a page (an initiative, a meeting): its title and what the checks found
    (members.uploads.clean_document). The subclass adds its owner and the ``file`` field with its
    folder; ``members.uploads.attach`` stores one."""

    title = models.CharField(_("title"), max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # An earlier version names the document it was replaced in (members.uploads.attach_version):
    # the row without ``version_of`` is the document (its pk never changes, its file is the newest),
    # the rows naming it are its earlier versions, served to whoever may see the document. Indexed
    # by each subclass (built concurrently: the tables may be large).
    version_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="earlier_versions", db_index=False, editable=False)

    class Meta:
        abstract = True
        ordering = ["created_at"]

    def __str__(self):
        return self.title


class AffiliationQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Affiliation.Status.APPROVED)

    def pending(self):
        return self.filter(status=Affiliation.Status.PENDING)

    def current(self):
        """Approved, with an institution that is an active member."""
        return self.approved().filter(institution__status=Institution.Status.ACTIVE)


class Affiliation(DecidedRequest):
    """A person belongs to an institution with a role; asked for by the person, decided by the
    institution's contact or representative, or by the secretariat."""

    class Role(models.TextChoices):
        REPRESENTATIVE = "representative", _("Representative")
        CONTACT = "contact", _("Contact")
        STAFF = "staff", _("Staff")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        ENDED = "ended", _("Ended")

    # PROTECT: an affiliation is part of the institution's history; a person is anonymised
    # (members.services.user_anonymise) and an institution withdrawn, never deleted with it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="affiliations")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="affiliations")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STAFF)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    title = models.CharField(_("position"), max_length=150, blank=True)
    message = models.TextField(_("message"), blank=True, max_length=2000, validators=[MaxLengthValidator(2000)])

    objects = AffiliationQuerySet.as_manager()

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["-created_at"]
        constraints = [
            # One open (pending or approved) affiliation per person and institution.
            models.UniqueConstraint(
                fields=["user", "institution"],
                condition=models.Q(status__in=["pending", "approved"]),
                name="affiliation_one_open_per_user_institution",
            ),
            # At most one representative per institution.
            models.UniqueConstraint(
                fields=["institution"],
                condition=models.Q(role="representative", status="approved"),
                name="affiliation_one_representative",
            ),
        ]
        indexes = [models.Index(fields=["institution", "status"]), models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.user} @ {self.institution} ({self.get_role_display()})"

    OPEN = (Status.PENDING,)

    @property
    def is_contact(self) -> bool:
        return self.role in (self.Role.CONTACT, self.Role.REPRESENTATIVE)



class MembershipApplicationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=MembershipApplication.OPEN)


class MembershipApplication(DecidedRequest):
    """An institution's request to join, from the public form; decided by the secretariat.

    submitted → approved (creates the institution) / rejected (with a reason) / returned (for
    changes; the applicant edits it through a signed link and submits it again).
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    OPEN = (Status.SUBMITTED, Status.RETURNED)

    # the institution
    name_ja = models.CharField(_("name of the institution (Japanese)"), max_length=200)
    name_en = models.CharField(_("name of the institution (English)"), max_length=200)
    name_kana = Institution._meta.get_field("name_kana").clone()
    kind = models.CharField(_("kind"), max_length=20, choices=Institution.Kind.choices)
    category = models.CharField(_("category"), max_length=20, choices=Institution.Category.choices)
    prefecture = models.CharField(_("prefecture"), max_length=2, choices=PREFECTURE_CHOICES)
    website = URLField(_("website"))
    email_domain = models.CharField(
        _("e-mail domain of its staff"),
        max_length=190,
        blank=True,
        validators=EmailDomain._meta.get_field("domain").validators,
        help_text=_("For example shinshu-u.ac.jp. Staff who sign up with it are offered your institution."),
    )
    target_year = Institution._meta.get_field("target_year").clone()
    # the people
    applicant_name = models.CharField(_("your name"), max_length=150)
    applicant_title = models.CharField(_("your position"), max_length=150)
    applicant_email = models.EmailField(_("your e-mail address"))
    representative_name = models.CharField(
        _("name of the representative"), max_length=150, help_text=_("Usually the president.")
    )
    representative_title = models.CharField(_("position of the representative"), max_length=150)
    # what they intend
    intended_groups = models.JSONField(_("working groups it intends to join"), default=list, blank=True)
    message = models.TextField(_("message to the secretariat"), blank=True, max_length=4000)
    language = models.CharField(max_length=8, default="ja")
    # the decision (reason, decided_by, decided_at: DecidedRequest)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    reason = models.TextField(_("reason"), blank=True, db_column="decision_reason")
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    # the applicant became the institution's contact (at approval, or when they signed up later)
    contact_granted = models.BooleanField(default=False)
    # folded Japanese name: two open applications for one institution are refused by the database
    name_key = models.CharField(max_length=200, editable=False, default="")
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipApplicationQuerySet.as_manager()

    institution_name = translated("name")

    class Meta:
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["name_key"],
                condition=models.Q(status__in=["submitted", "returned"]),
                name="application_one_open_per_institution",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.reference} {self.name_ja}"

    def save(self, *args, **kwargs):
        self.name_key = self.key_of(self.name_ja)
        super().save(*args, **kwargs)

    @classmethod
    def key_of(cls, name: str) -> str:
        """The folded name, cut to the column: NFKC can make a name longer (㍿ is 株式会社, and
        one Arabic ligature eighteen letters), and a 200-letter name must still fit."""
        return fold(name)[: cls._meta.get_field("name_key").max_length]

    @property
    def reference(self) -> str:
        return f"APP-{self.created_at:%Y}-{self.pk or 0:05d}"


class AccessTokenQuerySet(models.QuerySet):
    def usable(self):
        """Neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class AccessToken(models.Model):
    """A personal access token for the REST API: acts as its person, sees what they see.

    Only the SHA-256 of the token is kept (a stolen database gives no usable token); ``prefix``,
    the token's first characters, finds the row without comparing every digest. The whole token
    is shown once, when it is created (members.services.tokens)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("name"), max_length=100,
                            help_text=_("What the token is for, e.g. the name of the script that uses it."))
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
