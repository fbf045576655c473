"""Writes of the dissemination app: news items, and the newsletter (subscriptions and issues)."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from members.audit.services import audit
from members.i18n import fold
from members.markup import render_markdown

from .models import NewsItem

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
