"""Reads of news and statements that depend on who asks."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from members.models import Institution
from members.rules import is_secretariat
from working_groups.models import Initiative, WorkingGroup
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


def translation_status() -> list[dict]:
    """Per kind of content: how many there are and how many lack one language (a query per kind,
    whatever the data). Initiatives are written in one language with a translated title and
    summary; the other kinds keep both languages side by side."""
    rows = [
        (_("News and statements"), NewsItem.objects.published(),
         Q(title_en="") | Q(body_en=""), Q(title_ja="") | Q(body_ja="")),
        (_("Initiatives"), Initiative.objects.published(),
         Q(language="ja", title_translated=""), Q(language="en", title_translated="")),
        (_("Meetings"), Meeting.objects.all(), Q(title_en="") | Q(description_en=""), Q(title_ja="")),
        (_("Working groups"), WorkingGroup.objects.active(), Q(description_en=""), Q(description_ja="")),
        (_("Institution profiles"), Institution.objects.active().exclude(profile_ja="", profile_en=""),
         Q(profile_en=""), Q(profile_ja="")),
    ]
    out = []
    for label, qs, no_english, no_japanese in rows:
        counts = qs.aggregate(total=Count("pk"), missing_en=Count("pk", filter=no_english),
                              missing_ja=Count("pk", filter=no_japanese))
        out.append({"label": label, **counts})
    return out


def lacking_english(*, limit: int = 50) -> dict:
    """The published news items and initiatives a reader of English cannot read in English, newest
    first (at most ``limit`` of each, one query each), for the secretariat to complete or ask for."""
    return {
        "news": list(NewsItem.objects.published().filter(Q(title_en="") | Q(body_en=""))
                     .order_by("-published_at", "-id")[:limit]),
        "initiatives": list(Initiative.objects.published().filter(language="ja", title_translated="")
                            .select_related("institution").order_by("-published_at", "-id")[:limit]),
    }


def news_drafts_of(user):
    """News items ``user`` wrote that are not published yet."""
    return NewsItem.objects.filter(author_id=user.pk, status=NewsItem.Status.DRAFT).order_by("-pk")
