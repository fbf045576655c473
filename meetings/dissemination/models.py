"""News, announcements and statements, and the public newsletter with its subscribers."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from members.fields import ReservedSlugValidator
from members.i18n import current_language, translated
from members.search import text_search
from working_groups.models import WorkingGroup


class NewsItemQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=NewsItem.Status.PUBLISHED)

    def statements(self):
        return self.filter(kind=NewsItem.Kind.STATEMENT)

    def search(self, q: str):
        """Every word (folded) appears in the title or text, in either language."""
        return text_search(self, q)

    def has_english(self):
        return self.exclude(title_en="").exclude(body_en="")


class NewsItem(models.Model):
    """A piece of news (お知らせ), an announcement, or a statement or proposal (声明・提言).

    Title, summary and text exist in Japanese and English on the same row; the page shows the
    visitor's language and falls back to the other, saying so. A statement records the body that
    adopted it (the general meeting or a working group), when, and at which meeting. ``group`` is the
    working group an item is written for (its coordinators may edit it); none: the secretariat's.
    """

    class Kind(models.TextChoices):
        NEWS = "news", _("News")
        ANNOUNCEMENT = "announcement", _("Announcement")
        STATEMENT = "statement", _("Statement")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.NEWS)
    slug = models.SlugField(_("address name"), max_length=90, unique=True,
                            validators=[ReservedSlugValidator("new", "feed")])  # /news/new/, /news/feed/
    language = models.CharField(_("language written first"), max_length=2, choices=settings.LANGUAGES, default="ja")
    title_ja = models.CharField(_("title (Japanese)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_ja = models.TextField(_("summary (Japanese)"), max_length=600, blank=True)
    summary_en = models.TextField(_("summary (English)"), max_length=600, blank=True)
    body_ja = models.TextField(_("text (Japanese)"), blank=True, help_text=_("Markdown: headings, lists, links."))
    body_en = models.TextField(_("text (English)"), blank=True, help_text=_("Markdown: headings, lists, links."))
    body_html_ja = models.TextField(editable=False, default="")
    body_html_en = models.TextField(editable=False, default="")
    group = models.ForeignKey(
        WorkingGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="news_items",
        verbose_name=_("working group"), help_text=_("The group this item is written for; none for the coalition."),
    )
    adopted_by = models.ForeignKey(
        WorkingGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="statements",
        verbose_name=_("adopted by"),
        help_text=_("Statements: the general meeting or the working group that adopted it."),
    )
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="news_items",
        verbose_name=_("meeting"), help_text=_("The meeting it reports on, or where the statement was adopted."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(editable=False, db_index=True, default=2021)
    search_text = models.TextField(editable=False, default="")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NewsItemQuerySet.as_manager()

    title = translated("title")
    summary = translated("summary")
    body_html = translated("body_html")

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="newsitem_published_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(title_ja="", title_en=""), name="newsitem_has_a_title",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="statement") | models.Q(adopted_by__isnull=True),
                name="newsitem_only_statements_adopted",
            ),
        ]
        indexes = [models.Index(fields=["status", "-published_at", "-id"], name="newsitem_listing")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("dissemination:news-detail", kwargs={"slug": self.slug})

    def shown_language(self, field: str = "title") -> str:
        """The language ``field`` is shown in on a page of the active language (its fallback)."""
        wanted = current_language()
        if getattr(self, f"{field}_{wanted}"):
            return wanted
        return "ja" if wanted == "en" else "en"

    @property
    def body_language(self) -> str:
        return self.shown_language("body")

    @property
    def is_fallback(self) -> bool:
        """The text is not in the page's language (shown in the other, with a note)."""
        return self.shown_language("body") != current_language() or self.shown_language("title") != current_language()

    @property
    def has_english(self) -> bool:
        return bool(self.title_en and self.body_en)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Subscriber(models.Model):
    """An address that asked for the newsletter: pending until its confirmation link is opened
    (double opt-in), then confirmed; unsubscribed when it asks to stop (kept so that a later
    subscription starts again from the confirmation). Pending rows are deleted after
    NEWSLETTER_UNCONFIRMED_DAYS."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Subscribed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="ja")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("newsletter subscriber")
        verbose_name_plural = _("newsletter subscribers")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="subscriber_status")]

    def __str__(self):
        return f"{self.email} ({self.status})"


class NewsletterIssue(models.Model):
    """One issue of the newsletter, written in both languages, sent once to every confirmed
    subscriber (and every member who chose it) through the outbox."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")

    subject_ja = models.CharField(_("subject (Japanese)"), max_length=200)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_ja = models.TextField(_("text (Japanese)"))
    body_en = models.TextField(_("text (English)"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    subject = translated("subject")
    body = translated("body")

    class Meta:
        verbose_name = _("newsletter issue")
        verbose_name_plural = _("newsletter issues")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                                   name="newsletter_sent_has_date"),
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("dissemination:issue-detail", kwargs={"pk": self.pk})
