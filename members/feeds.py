"""The portal's Atom feeds (RFC 4287): one shape for initiatives, news and needs.

Every address is absolute from settings.SITE_URL (Django would otherwise prefix the request's
host); ids are URNs that name the thing and the language, not where the feed was fetched from, so
a reader that follows the site under two host names sees one entry once. A feed may be narrowed to
one working group with ``?wg=<slug>`` (``groups``); its id and links then name the group."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from .i18n import current_language
from .notifications.rendering import absolute, feed_id


class SiteFeed(Feed):
    feed_type = Atom1Feed
    item_guid_is_permalink = False
    list_url_name = ""  # the HTML list the feed follows
    feed_url_name = ""  # the feed itself
    feed_name = ""  # names the feed in its id (never change: readers know the feed by it)
    item_name = ""  # names each entry in its id (never change: readers know entries by it)

    def groups(self):
        """The working groups ``?wg=`` may name (a queryset), or None when the feed has no such
        parameter (it is then ignored)."""
        return None

    def get_object(self, request):
        self.request = request
        slug = request.GET.get("wg")
        groups = self.groups()
        if slug and groups is not None:
            return get_object_or_404(groups, slug=slug)
        return None

    def _address(self, url_name, group) -> str:
        base = reverse(url_name)
        return absolute(f"{base}?wg={group.slug}" if group else base)

    def link(self, group=None):
        return self._address(self.list_url_name, group)

    def feed_url(self, group=None):
        return self._address(self.feed_url_name, group)

    def feed_guid(self, group=None):
        return feed_id(self.feed_name, group.slug if group else "", current_language())

    def item_link(self, item):
        return absolute(item.get_absolute_url())

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_guid(self, item):
        # stable across edits and host names; one per language, as the two entries differ
        return feed_id(self.item_name, item.pk, current_language())
