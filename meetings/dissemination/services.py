"""Writes of the dissemination app: news items, and the newsletter (subscriptions and issues)."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from meetings.selectors import public_meetings
from members.audit.services import audit
from members.i18n import fold
from members.markup import render_markdown
from members.models import User
from members.notifications.models import Delivery
from members.notifications.services import notify, opt_in
from members.notifications.services import unsubscribe as outbox_unsubscribe
from working_groups.models import Initiative

from . import tokens
from .models import NewsItem, NewsletterIssue, Subscriber

NEWS_FIELDS = ("kind", "language", "title_ja", "title_en", "summary_ja", "summary_en", "body_ja", "body_en",
               "group", "adopted_by", "adopted_on", "meeting")


def _slug_for(item: NewsItem) -> str:
    base = slugify(item.title_en)[:60].strip("-") or item.kind
    for _attempt in range(20):
        slug = f"{base}-{secrets.token_hex(3)}"
        if not NewsItem.objects.filter(slug=slug).exists():
            return slug
    raise RuntimeError("no free address name")  # pragma: no cover - 16 million names per base


def _refresh_derived(item: NewsItem) -> None:
    item.body_html_ja = render_markdown(item.body_ja)
    item.body_html_en = render_markdown(item.body_en)
    item.year = (item.published_at or item.created_at or timezone.now()).year
    item.search_text = fold(" ".join((item.title_ja, item.title_en, item.summary_ja, item.summary_en,
                                      item.body_ja, item.body_en)))


def _validate(item: NewsItem) -> None:
    errors = {}
    if not (item.title_ja or item.title_en):
        errors["title_ja"] = _("Give a title in at least one language.")
    if item.title_ja and not item.body_ja and not item.body_en:
        errors["body_ja"] = _("Write the text in at least one language.")
    if item.title_en and not item.body_en and not item.body_ja:
        errors["body_en"] = _("Write the text in at least one language.")
    if item.title_ja and item.body_en and not item.body_ja and not item.title_en:
        errors["title_en"] = _("Give the English title of the English text.")
    if item.kind == NewsItem.Kind.STATEMENT:
        if item.adopted_by_id is None:
            errors["adopted_by"] = _("A statement records the body that adopted it.")
        if item.adopted_on is None:
            errors["adopted_on"] = _("A statement records when it was adopted.")
    else:
        item.adopted_by = None
        item.adopted_on = None
    if item.meeting_id is not None and item.adopted_by_id is not None and item.meeting.group_id != item.adopted_by_id:
        errors["meeting"] = _("The meeting must be one of the body that adopted the statement.")
    if errors:
        raise ValidationError(errors)


def _apply(item: NewsItem, data: dict) -> None:
    for name in NEWS_FIELDS:
        if name in data:
            value = data[name]
            setattr(item, name, value.strip() if isinstance(value, str) else value)


@transaction.atomic
def news_create(*, by, data: dict) -> NewsItem:
    """Write a draft (``data``: NEWS_FIELDS). Side effects: none but the row."""
    item = NewsItem(author=by, status=NewsItem.Status.DRAFT)
    _apply(item, data)
    _validate(item)
    item.slug = _slug_for(item)
    _refresh_derived(item)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def news_update(*, item: NewsItem, by, data: dict) -> NewsItem:
    """Save an edit of both languages at once (``data``: NEWS_FIELDS). The address stays."""
    item = NewsItem.objects.select_for_update().get(pk=item.pk)
    _apply(item, data)
    _validate(item)
    _refresh_derived(item)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def news_publish(*, item: NewsItem, by) -> NewsItem:
    """Draft → published (dated the first time). Side effects: an audit entry."""
    item = NewsItem.objects.select_for_update().get(pk=item.pk)
    if item.status == NewsItem.Status.PUBLISHED:
        raise ValidationError(_("This item is already published."))
    item.status = NewsItem.Status.PUBLISHED
    item.published_at = item.published_at or timezone.now()
    _refresh_derived(item)
    item.save()
    audit(actor=by, action="news.publish", obj=item, detail={"kind": item.kind, "slug": item.slug})
    return item


@transaction.atomic
def news_unpublish(*, item: NewsItem, by) -> NewsItem:
    """Published → draft (its date kept for when it returns). Side effects: an audit entry."""
    item = NewsItem.objects.select_for_update().get(pk=item.pk)
    if item.status != NewsItem.Status.PUBLISHED:
        raise ValidationError(_("This item is not published."))
    item.status = NewsItem.Status.DRAFT
    item.save()
    audit(actor=by, action="news.unpublish", obj=item, detail={"kind": item.kind, "slug": item.slug})
    return item


# ---------------------------------------------------------------------------------------------
# The newsletter
# ---------------------------------------------------------------------------------------------

NEWSLETTER = "newsletter"  # the outbox kind of an issue
CONFIRM = "newsletter_confirm"  # the outbox kind of the confirmation link


@transaction.atomic
def subscriber_subscribe(*, email: str, language: str) -> Subscriber:
    """Someone asks for the newsletter: a pending subscription (or the existing one) and a
    confirmation link by e-mail, whatever the address's state, so that the answer tells nobody
    whether it was subscribed. A confirmed subscription stays confirmed (a stranger cannot stop
    someone's newsletter by subscribing them again); the link then only changes the language.
    Side effects: one outbox row (at most one per address every ten minutes)."""
    email = email.strip().lower()
    subscriber, _created = Subscriber.objects.select_for_update().get_or_create(
        email=email, defaults={"language": language})
    if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        subscriber.status = Subscriber.Status.PENDING
        subscriber.created_at = timezone.now()  # the 30 days of an unconfirmed subscription start again
        subscriber.save(update_fields=["status", "created_at"])
    period = f"{int(timezone.now().timestamp()) // 600}"
    notify(kind=CONFIRM, to=[email], obj=subscriber, period=period, language=language,
           context={"token": tokens.make_confirm_token(email=email, language=language)})
    return subscriber


@transaction.atomic
def subscriber_confirm(*, token: str) -> Subscriber | None:
    """The confirmation link was opened: the subscription is confirmed in the language chosen
    with it, and any earlier unsubscribe of the address is undone. None for a link that is forged,
    expired, or whose subscription was deleted meanwhile."""
    payload = tokens.read_confirm_token(token)
    if payload is None:
        return None
    subscriber = Subscriber.objects.select_for_update().filter(email=payload["e"]).first()
    if subscriber is None:
        return None
    subscriber.status = Subscriber.Status.CONFIRMED
    subscriber.language = payload["l"]
    subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
    subscriber.unsubscribed_at = None
    subscriber.save()
    opt_in(kind=NEWSLETTER, email=subscriber.email)
    return subscriber


@transaction.atomic
def subscriber_unsubscribe(*, token: str) -> Subscriber | None:
    """The unsubscribe link of an issue: no further issue, and none still queued is sent. None for
    a forged link. Side effects: the address's opt-out in the outbox."""
    payload = tokens.read_unsubscribe_token(token)
    if payload is None:
        return None
    subscriber = Subscriber.objects.select_for_update().filter(email=payload["e"]).first()
    if subscriber is not None and subscriber.status != Subscriber.Status.UNSUBSCRIBED:
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["status", "unsubscribed_at"])
    outbox_unsubscribe(kind=NEWSLETTER, email=payload["e"])
    return subscriber


def subscribers_purge_unconfirmed() -> int:
    """Delete subscriptions never confirmed within NEWSLETTER_UNCONFIRMED_DAYS; returns how many."""
    before = timezone.now() - datetime.timedelta(days=settings.NEWSLETTER_UNCONFIRMED_DAYS)
    deleted, _ = Subscriber.objects.filter(status=Subscriber.Status.PENDING, created_at__lt=before).delete()
    return deleted


ISSUE_FIELDS = ("subject_ja", "subject_en", "body_ja", "body_en")


@transaction.atomic
def issue_save(*, issue: NewsletterIssue | None = None, by, data: dict) -> NewsletterIssue:
    """Write or edit a draft issue (``data``: ISSUE_FIELDS). A sent issue is not edited."""
    if issue is None:
        issue = NewsletterIssue(created_by=by)
    else:
        issue = NewsletterIssue.objects.select_for_update().get(pk=issue.pk)
        if issue.status == NewsletterIssue.Status.SENT:
            raise ValidationError(_("This issue has been sent; it cannot be changed."))
    for name in ISSUE_FIELDS:
        if name in data:
            setattr(issue, name, (data[name] or "").strip())
    issue.full_clean()
    issue.save()
    return issue


def issue_draft_text(*, since: datetime.datetime) -> dict:
    """Subjects and texts (Markdown, both languages) assembled from what was published since
    ``since``: news and statements, public initiatives, and the public events to come."""
    news = list(NewsItem.objects.published().filter(published_at__gte=since).order_by("-published_at")[:20])
    initiatives = list(Initiative.objects.public().filter(published_at__gte=since).select_related("institution")
                       .order_by("-published_at")[:20])
    meetings = list(public_meetings().not_cancelled().upcoming().order_by("starts_at")[:10])
    out = {}
    for language in ("ja", "en"):
        with translation.override(language):
            lines = []
            sections = (
                (_("News and statements"), [(n.title, n.get_absolute_url()) for n in news]),
                (_("New initiatives"), [(f"{i.shown_title()} ({i.institution.name})", i.get_absolute_url())
                                        for i in initiatives]),
                (_("Upcoming public events"), [(f"{m.title} ({localtime(m.starts_at):%Y-%m-%d %H:%M} JST)",
                                                m.get_absolute_url()) for m in meetings]),
            )
            for heading, rows in sections:
                if rows:
                    lines += [f"## {heading}", ""] + [f"- [{t}]({settings.SITE_URL}{u})" for t, u in rows] + [""]
            month = f"{since:%Y-%m}"
            out[f"subject_{language}"] = _("Coalition newsletter, %(month)s") % {"month": month}
            out[f"body_{language}"] = "\n".join(lines) or _("Nothing new was published this month.")
    return out


@transaction.atomic
def issue_send(*, issue: NewsletterIssue, by) -> int:
    """Send an issue once: one outbox row per confirmed subscriber (in their language) and per
    member who chose the newsletter in their e-mail settings; the outbox delivers each exactly
    once (its deduplication key holds the issue and the recipient). Sending an issue twice is
    refused. Returns the number of recipients. Side effects: outbox rows; an audit entry."""
    issue = NewsletterIssue.objects.select_for_update().get(pk=issue.pk)
    if issue.status == NewsletterIssue.Status.SENT:
        raise ValidationError(_("This issue has already been sent."))
    rows = []
    for language in ("ja", "en"):
        emails = list(Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED, language=language)
                      .values_list("email", flat=True))
        rows += notify(kind=NEWSLETTER, to=emails, obj=issue, language=language)
    members = User.objects.filter(is_active=True, notification_preferences__kind=NEWSLETTER,
                                  notification_preferences__delivery=Delivery.IMMEDIATE)
    rows += notify(kind=NEWSLETTER, to=members, obj=issue)
    issue.status = NewsletterIssue.Status.SENT
    issue.sent_at = timezone.now()
    issue.recipients = len(rows)
    issue.save(update_fields=["status", "sent_at", "recipients"])
    audit(actor=by, action="newsletter.send", obj=issue, detail={"recipients": len(rows)})
    return len(rows)


# ---------------------------------------------------------------------------------------------
# Translations
# ---------------------------------------------------------------------------------------------

TRANSLATION_REQUESTED = "translation_requested"


@transaction.atomic
def translation_request(*, initiative: Initiative, by) -> bool:
    """The secretariat asks an initiative's author for a title and summary in the other language.
    At most one request per initiative and day. Returns whether a message was queued.
    Side effects: an outbox row; an audit entry."""
    if initiative.title_translated:
        raise ValidationError(_("This initiative already has a translation."))
    author = initiative.author
    if author is None or not author.is_active or not author.email:
        raise ValidationError(_("This initiative has no author who can be asked."))
    ids = notify(kind=TRANSLATION_REQUESTED, to=[author], obj=initiative, period=f"{timezone.localdate():%Y-%m-%d}",
                 context={"wanted": initiative.other_language})
    audit(actor=by, action="translation.request", obj=initiative, detail={"wanted": initiative.other_language})
    return bool(ids)
