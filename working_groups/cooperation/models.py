"""Partners (local governments, companies, NPOs), what they need, what members offer, and the
interest members express in a need."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.fields import ReservedSlugValidator, URLField
from members.i18n import current_language, fold, translated
from members.models import Institution
from members.regions import PREFECTURE_CHOICES, PREFECTURES_BY_CODE, region_of
from members.search import text_search
from working_groups.models import Initiative, WorkingGroup

MUNICIPALITY_CODE = re.compile(r"^\d{5,6}$")


def search(queryset, q: str, memo: dict | None = None, listing: bool = False):
    """Every word (folded like the stored text) appears in the search text: a substring, so
    Japanese needs no spaces (gram-indexed on PostgreSQL, like the initiatives). ``memo``: the
    page's dict when its list and facet counts search the same words (members.search
    ``shared_gram_search``: one probe of the gram index for all of them); ``listing``: for the
    list itself, which walks its order testing each row, not for a count."""
    return text_search(queryset, q, memo=memo, listing=listing)


class TextInTwoLanguages(models.Model):
    """A text written by one person in one language (``language``), with an optional version in the
    other (``title_translated``, ``description_translated``), as initiatives have: pages show the
    reader's language when it exists, else the original with the translated fallback note and its
    ``lang``."""

    title_translated = models.CharField(_("title in the other language"), max_length=200, blank=True,
                                        default="", db_default="")
    description_translated = models.TextField(
        _("description in the other language"), max_length=8000, blank=True, default="", db_default="",
        help_text=_("Optional: the same text for readers of the other language (Markdown)."))
    description_translated_html = models.TextField(editable=False, default="", db_default="")

    class Meta:
        abstract = True

    @property
    def other_language(self) -> str:
        return "en" if self.language == "ja" else "ja"

    def _reads_translation(self, field: str) -> bool:
        return current_language() != self.language and bool(getattr(self, f"{field}_translated"))

    @property
    def shown_title(self) -> str:
        return self.title_translated if self._reads_translation("title") else self.title

    @property
    def title_language(self) -> str:
        return self.other_language if self._reads_translation("title") else self.language

    @property
    def shown_description_html(self) -> str:
        return self.description_translated_html if self._reads_translation("description") else self.description_html

    @property
    def description_language(self) -> str:
        return self.other_language if self._reads_translation("description") else self.language

    @property
    def has_english(self) -> bool:
        return self.language == "en" or bool(self.title_translated and self.description_translated)


class PartnerQuerySet(models.QuerySet):
    def search(self, q: str, memo: dict | None = None, listing: bool = False):
        return search(self, q, memo, listing)


class Partner(models.Model):
    """An organisation the members work with that is not (necessarily) a member. When it is a
    cooperating member institution, the two are linked (``institution``), not duplicated."""

    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", _("Prefecture")
        MUNICIPALITY = "municipality", _("Municipality")
        COMPANY = "company", _("Company")
        NPO = "npo", _("NPO or association")
        NATIONAL_AGENCY = "national-agency", _("National agency")
        OTHER = "other", _("Other")

    slug = models.SlugField(_("address name"), max_length=80, unique=True,
                            validators=[ReservedSlugValidator("new")])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    prefecture = models.CharField(_("prefecture"), max_length=2, choices=PREFECTURE_CHOICES, blank=True)
    municipality_code = models.CharField(
        _("municipality code"), max_length=6, blank=True,
        help_text=_("The JIS X 0402 code of a local government (5 digits, or 6 with the check digit)."),
    )
    website = URLField(_("website"), blank=True)
    profile_ja = models.TextField(_("profile (Japanese)"), blank=True, max_length=2000)
    profile_en = models.TextField(_("profile (English)"), blank=True, max_length=2000)
    institution = models.OneToOneField(
        Institution, null=True, blank=True, on_delete=models.SET_NULL, related_name="partner_record",
        verbose_name=_("member institution"),
    )
    initiatives = models.ManyToManyField(Initiative, blank=True, related_name="partner_records",
                                         verbose_name=_("initiatives"))
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(default=timezone.now)
    # the API's Last-Modified and ETag (rows from before the column took their creation time)
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    objects = PartnerQuerySet.as_manager()

    name = translated("name")
    profile = translated("profile")

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name_ja", "id"]
        indexes = [models.Index(fields=["kind", "name_ja"]), models.Index(fields=["prefecture", "name_ja"]),
                   # the directory's order, read in order (it sorted all 20,000 partners for 20)
                   models.Index(fields=["name_ja", "id"], name="partner_by_name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cooperation:partner-detail", kwargs={"slug": self.slug})

    def clean(self):
        code = self.municipality_code
        if code:
            if not MUNICIPALITY_CODE.match(code):
                raise ValidationError({"municipality_code": _("A municipality code has 5 or 6 digits.")})
            if self.prefecture and code[:2] != self.prefecture:
                raise ValidationError({"municipality_code": _(
                    "A municipality code starts with its prefecture's code.")})

    def save(self, *args, **kwargs):
        self.search_text = fold(" ".join([self.name_ja, self.name_en, self.profile_ja, self.profile_en]))
        super().save(*args, **kwargs)

    @property
    def prefecture_info(self):
        return PREFECTURES_BY_CODE.get(self.prefecture)

    @property
    def region(self):
        return region_of(self.prefecture)


class NeedQuerySet(models.QuerySet):
    def search(self, q: str, memo: dict | None = None, listing: bool = False):
        return search(self, q, memo, listing)

    def listed(self):
        """What the board shows anyone: published, and what came after publication."""
        return self.filter(status__in=Need.LISTED)

    def open(self):
        return self.filter(status__in=Need.OPEN_STATUSES)


class Need(TextInTwoLanguages):
    """What a local government, company or other organisation wants help with (課題・ニーズ).

    unconfirmed (the submitter has not yet followed the e-mail link) → submitted (waits for review;
    returned with a question, the submitter answers through a signed link and it waits again)
    → published → in discussion → matched → closed; or declined, with a reason."""

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Waiting for e-mail confirmation")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned with a question")
        PUBLISHED = "published", _("Published")
        DISCUSSION = "in-discussion", _("In discussion")
        MATCHED = "matched", _("Matched")
        CLOSED = "closed", _("Closed")
        DECLINED = "declined", _("Declined")

    class Help(models.TextChoices):
        JOINT_RESEARCH = "joint-research", _("Joint research")
        ADVICE = "advice", _("Advice")
        STUDENT_PROJECT = "student-project", _("Student project")
        DATA = "data-analysis", _("Data and analysis")
        SPEAKER = "speaker", _("Speaker")
        PILOT_SITE = "pilot-site", _("Pilot site")
        OTHER = "other", _("Other")

    LISTED = (Status.PUBLISHED, Status.DISCUSSION, Status.MATCHED, Status.CLOSED)
    OPEN_STATUSES = (Status.PUBLISHED, Status.DISCUSSION)

    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="needs",
                                verbose_name=_("partner"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=8000,
                                   help_text=_("What you want to achieve, what you have, what help you seek. "
                                               "Markdown: lists and links."))
    description_html = models.TextField(editable=False, default="")
    themes = models.ManyToManyField(WorkingGroup, related_name="needs", verbose_name=_("themes"))
    prefecture = models.CharField(_("place"), max_length=2, choices=PREFECTURE_CHOICES, blank=True,
                                  help_text=_("Leave empty when the place does not matter."))
    help_kind = models.CharField(_("kind of help sought"), max_length=20, choices=Help.choices)
    period = models.CharField(_("desired period"), max_length=200, blank=True,
                              help_text=_("e.g. from April 2027, for one year"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.UNCONFIRMED)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    # who submitted it: never shown publicly
    organisation = models.CharField(_("organisation"), max_length=200)
    organisation_kind = models.CharField(_("kind of organisation"), max_length=20, choices=Partner.Kind.choices)
    contact_name = models.CharField(_("your name"), max_length=120)
    contact_role = models.CharField(_("your role"), max_length=120, blank=True)
    contact_email = models.EmailField(_("e-mail address"))
    language = models.CharField(_("language of the text"), max_length=2, choices=settings.LANGUAGES, default="ja")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(editable=False, db_index=True, default=2026)
    initiative = models.ForeignKey(Initiative, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="needs", verbose_name=_("initiative"))
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["published", "in-discussion", "matched", "closed"])
                | models.Q(published_at__isnull=False),
                name="need_listed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="need_board"),
            # the board's default, open needs (two statuses), newest first: need_board gives one
            # status in order, not two, and the board sorted all 40,000 open needs for its 20
            models.Index(fields=["-published_at", "-id"], name="need_newest"),
            models.Index(fields=["prefecture", "status"]),
            models.Index(fields=["help_kind", "status"]),
            # the year facet, read from the index alone like the prefecture's and the kind's
            models.Index(fields=["year", "status"], name="need_year_status"),
            # a year chosen, newest first: a year's needs are published in it, so the board walked
            # every newer year's needs to reach them (47 ms for 2021 at the large scale)
            models.Index(fields=["year", "-published_at", "-id"], name="need_year_newest"),
            models.Index(fields=["partner", "status"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("cooperation:need-detail", kwargs={"pk": self.pk})

    @property
    def is_listed(self) -> bool:
        return self.status in self.LISTED

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def prefecture_info(self):
        return PREFECTURES_BY_CODE.get(self.prefecture)

    @property
    def region(self):
        return region_of(self.prefecture)


class ExpertiseQuerySet(models.QuerySet):
    def search(self, q: str, memo: dict | None = None, listing: bool = False):
        return search(self, q, memo, listing)

    def public(self):
        return self.filter(visibility=Expertise.Visibility.PUBLIC)

    def serving(self, codes):
        """Entries that serve one of the prefectures ``codes`` (or the whole country)."""
        q = models.Q(nationwide=True)
        for code in codes:
            q |= models.Q(prefectures__contains=f",{code},")
        return self.filter(q)


class Expertise(TextInTwoLanguages):
    """What a member's lab or office offers (研究シーズ), written by its staff."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        MEMBERS = "members", _("Members only")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="expertise",
                                    verbose_name=_("institution"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="expertise_contact", verbose_name=_("contact person"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=8000,
                                   help_text=_("What the lab or office offers and has done. Markdown."))
    description_html = models.TextField(editable=False, default="")
    keywords = models.CharField(_("keywords"), max_length=300, blank=True,
                                help_text=_("Separated by commas, e.g. 地熱, heat pumps, LCA"))
    themes = models.ManyToManyField(WorkingGroup, related_name="expertise", verbose_name=_("themes"))
    nationwide = models.BooleanField(_("serves the whole country"), default=False)
    # ",20,15,": the prefectures served, each between commas so that a substring finds one exactly
    prefectures = models.CharField(max_length=200, blank=True, default="")
    languages = models.CharField(_("languages"), max_length=10, default="ja")  # spoken by the contact
    language = models.CharField(_("language of the text"), max_length=2, choices=settings.LANGUAGES, default="ja",
                                db_default="ja")
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    year = models.PositiveSmallIntegerField(editable=False, db_index=True, default=2026)
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExpertiseQuerySet.as_manager()

    class Meta:
        verbose_name = _("expertise")
        verbose_name_plural = _("expertise")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["visibility", "-created_at", "-id"], name="expertise_listing"),
            models.Index(fields=["institution", "-created_at"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("cooperation:expertise-detail", kwargs={"pk": self.pk})

    @property
    def prefecture_codes(self) -> list[str]:
        return [c for c in self.prefectures.split(",") if c]

    @property
    def prefecture_list(self):
        return [PREFECTURES_BY_CODE[c] for c in self.prefecture_codes if c in PREFECTURES_BY_CODE]

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in re.split(r"[,、，]", self.keywords) if k.strip()]

    @property
    def language_list(self) -> list[str]:
        return [c for c in self.languages.split(",") if c]


class Interest(models.Model):
    """Staff of a member say, for their institution, that they could help with a need; the
    secretariat (or the need's reviewer) then introduces them to the submitter."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="interests")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="need_interests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="need_interests")
    message = models.TextField(_("message"), max_length=2000)
    introduced_at = models.DateTimeField(null=True, blank=True)
    introduced_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["need", "institution"], name="interest_one_per_institution")]

    def __str__(self):
        return f"{self.institution} → {self.need}"
