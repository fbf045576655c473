"""Which writes invalidate which cached pages (members/cache.py): the home page shows the news."""

from members.cache import invalidate_on_save

from .models import NewsItem


def connect():
    invalidate_on_save(NewsItem, "news", unseen=lambda item, created: created and not item.is_published)
