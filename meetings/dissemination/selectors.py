"""Reads of news and statements that depend on who asks."""

from django.db.models import Q, QuerySet

from members.rules import is_secretariat
from working_groups.rules import coordinated_group_ids

from .models import NewsItem, Subscriber


def news_listed_for(user) -> QuerySet:
    """The items ``user`` sees listed: everything published, plus the drafts they may edit."""
    qs = NewsItem.objects.all()
    if is_secretariat(user):
        return qs
    groups = coordinated_group_ids(user) if user.is_authenticated else set()
    if groups:
        return qs.filter(Q(status=NewsItem.Status.PUBLISHED) | Q(group_id__in=groups))
    return qs.published()


def news_rows(qs: QuerySet) -> QuerySet:
    """A list's items with what their rows show (group and adopting body), in one query."""
    return qs.select_related("group", "adopted_by")


def latest_news(*, limit: int = 4) -> list[NewsItem]:
    """The newest published items that are not statements (the home page)."""
    return list(news_rows(NewsItem.objects.published().exclude(kind=NewsItem.Kind.STATEMENT))[:limit])


def latest_statement() -> NewsItem | None:
    return news_rows(NewsItem.objects.published().statements()).first()


def confirmed_subscriber_count() -> int:
    return Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED).count()


def news_translation_status() -> dict:
    """How many published items lack a language: {"missing_en": n, "missing_ja": n, "total": n}."""
    published = NewsItem.objects.published()
    return {
        "total": published.count(),
        "missing_en": published.filter(Q(title_en="") | Q(body_en="")).count(),
        "missing_ja": published.filter(Q(title_ja="") | Q(body_ja="")).count(),
    }
