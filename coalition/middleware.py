"""The page cache for visitors: public pages rendered once and served from Redis until the content
they show changes.

Only requests that are certainly anonymous are served or stored: no session cookie, or a session
without a signed-in user, and no pending messages. So a signed-in person never gets a page rendered
for a visitor, and a visitor never gets one rendered for a member (members-only content is only
ever rendered for signed-in people, and those responses are never stored). A search is cached
like any page (the same words give every visitor the same results), but only a query string made
of parameters the pages understand, with values of reasonable length, is: junk parameters would
otherwise let anyone fill Redis with copies of one page. A cached page's key holds the versions of
the content namespaces it shows (members/cache.py), which every write bumps; PAGE_CACHE_SECONDS
bounds how long a page can be served at all (time alone changes some pages: a meeting that started
leaves "upcoming").
"""

import hashlib
import time
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe
from django.utils.translation import gettext

from members.cache import (
    NAMESPACES,
    POLL_SECONDS,
    STALE_SECONDS,
    WAIT_SECONDS,
    lock_acquire,
    lock_release,
    versions,
    versions_per_request,
)

ALL = NAMESPACES
CACHEABLE = {
    "home": ALL,
    # the site's search shows every kind of content (coalition/search.py)
    "search": ALL,
    "members:directory": ("members", "groups"),
    "members:institution-detail": ("members", "groups", "initiatives", "cooperation"),
    "working_groups:group-list": ("groups", "members", "meetings"),
    "working_groups:group-detail": ALL,
    "working_groups:initiative-list": ("initiatives", "groups", "members"),
    "working_groups:initiative-detail": ("initiatives", "groups", "members"),
    "working_groups:initiative-feed": ("initiatives", "groups", "members"),
    "meetings:meeting-list": ("meetings", "groups"),
    "meetings:meeting-detail": ("meetings", "groups"),
    "meetings:meeting-ical": ("meetings", "groups"),
    "meetings:public-feed": ("meetings", "groups"),
    # figures change when a report is published or a commitment changes (working_groups/progress/cache.py)
    "progress:progress": ("progress", "members", "groups"),
    "progress:institution-progress": ("progress", "members", "groups"),
    # a need, partner, expertise entry or offer of help saved bumps "cooperation"
    # (working_groups/cooperation/cache.py); a need's suggestions show initiatives and institutions
    "cooperation:need-list": ("cooperation", "groups"),
    "cooperation:need-detail": ("cooperation", "initiatives", "members", "groups"),
    "cooperation:need-feed": ("cooperation",),
    "cooperation:partner-list": ("cooperation",),
    "cooperation:partner-detail": ("cooperation", "initiatives", "members"),
    "cooperation:expertise-list": ("cooperation", "members", "groups"),
}
# ETag and Last-Modified: a calendar client polling a cached feed gets its 304 from the cache too
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language", "ETag", "Last-Modified")
# The query parameters of the cacheable pages (their filters, pagination, the directory's open
# data and the meeting list's past/upcoming switch). A request with any other is computed.
PARAMETERS = {"q", "region", "prefecture", "kind", "category", "wg", "year", "institution", "format", "page", "when",
              "sort", "lang", "status"}
LONGEST_VALUE = 100
API_PREFIX = "/api/"  # the REST API answers its errors in JSON


class ClientAddressFromProxy:
    """Behind TRUSTED_PROXY_COUNT proxies the connection comes from the nearest proxy, so every
    visitor would share one address (and one rate limit). Each trusted proxy appends the address it
    was reached from to X-Forwarded-For; the entry TRUSTED_PROXY_COUNT from the end is the visitor,
    whatever a visitor wrote into the header before it. Without proxies the header is ignored."""

    def __init__(self, get_response):
        if not settings.TRUSTED_PROXY_COUNT:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.count = settings.TRUSTED_PROXY_COUNT

    def __call__(self, request):
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= self.count:
            request.META["REMOTE_ADDR"] = forwarded[-self.count]
        return self.get_response(request)


class RejectNullCharacters:
    """A NUL character in the address is refused before any view sees it: PostgreSQL text cannot
    hold NUL, so a lookup with one would otherwise be a 500, and no real link contains one. In the
    path it names a page that cannot exist (404); in the query it is a bad request (400). Forms
    refuse NUL in posted fields themselves, with a field error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            if request.path.startswith(API_PREFIX):
                return JsonResponse({"detail": gettext("Not found, or you may not see it.")}, status=404)
            return HttpResponse(render_to_string("404.html", request=request), status=404)
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            if request.path.startswith(API_PREFIX):
                return JsonResponse({"detail": gettext("The address contains a NUL character.")}, status=400)
            return HttpResponse(render_to_string("400.html", request=request), status=400)
        return self.get_response(request)


def _is_utf8(raw: bytes) -> bool:
    """True when the percent-decoded bytes are UTF-8 (Python's decoder refuses overlong forms,
    encoded surrogates and stray bytes, as the standard requires)."""
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class RejectMalformedText:
    """Text that is not UTF-8 in the query string or in a posted form is refused with a translated
    400 before any view sees it. Django would decode it into U+FFFD replacement characters, and a
    form would save them as if someone had typed them (minutes were "saved and published" that
    way). A form posted as multipart/form-data is decoded by Django itself; its fields are refused
    when they hold U+FFFD, which no one types: it only ever marks text broken on the way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        try:
            raw_query = query.encode("latin-1")  # WSGI hands the bytes over as latin-1 text
        except UnicodeEncodeError:
            raw_query = query.encode("utf-8", "surrogateescape")
        if not _is_utf8(raw_query) or (request.method not in ("GET", "HEAD", "OPTIONS") and self._malformed(request)):
            reason = gettext("The request contains text that is not valid UTF-8 (a damaged link or form). "
                             "Nothing was saved. Go back, check what you entered and send it again.")
            if request.path.startswith(API_PREFIX):
                return JsonResponse({"detail": reason}, status=400)
            return HttpResponse(render_to_string("400.html", {"reason": reason}, request=request), status=400)
        return self.get_response(request)

    @staticmethod
    def _malformed(request) -> bool:
        charset = (request.content_params.get("charset") or "utf-8").lower().replace("_", "-")
        if charset not in ("utf-8", "utf8"):
            return False  # declared in another encoding: Django decodes it as declared
        if request.content_type == "application/x-www-form-urlencoded":
            return not _is_utf8(request.body)
        if request.content_type == "multipart/form-data":
            return any("\ufffd" in key or any("\ufffd" in v for v in values) for key, values in request.POST.lists())
        return False


class CacheVersionsPerRequest:
    """The cache namespaces' versions read once a request (members.cache.versions_per_request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with versions_per_request():
            return self.get_response(request)


class AnonymousPageCache:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
            key = getattr(request, "_page_cache_key", None)
            if key and self._storable(request, response):
                page = {
                    "status": response.status_code,
                    "content": response.content,
                    "headers": {h: response[h] for h in KEPT_HEADERS if h in response},
                }
                cache.set(key, page, settings.PAGE_CACHE_SECONDS)
                # what visitors get while the next version of this page is computed (below)
                cache.set(request._page_stale_key, page, STALE_SECONDS)
                response["X-Page-Cache"] = "miss"
        finally:
            if getattr(request, "_page_cache_lock", None):
                lock_release(*request._page_cache_lock)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        namespaces = self._namespaces(request)
        if namespaces is None or not self._anonymous(request):
            return None
        page = f"{request.path}?{sorted(request.GET.lists())}"
        key = "page:" + hashlib.sha256(f"{page}|{versions(*namespaces)}".encode()).hexdigest()
        hit, served = cache.get(key), "hit"
        if hit is None:
            # One request computes a missing page; the others get its previous version at once
            # (served for the second or so the computation takes), or when there is none wait for
            # it (members.cache.single_flight: the same for cached fragments).
            stale_key = "page-stale:" + hashlib.sha256(f"{settings.RELEASE}|{page}".encode()).hexdigest()
            lock = f"lock:{key}"
            token = lock_acquire(lock)
            if token is not None:
                hit = self._stored_meanwhile(key, lock, token)
                if hit is None:
                    return self._compute(request, key, stale_key, (lock, token))
            else:
                # the one computing may have stored the page since our first read: it beats the
                # previous version (one round trip for both)
                found = cache.get_many([key, stale_key])
                hit, served = (found[key], "hit") if key in found else (found.get(stale_key), "stale")
            deadline = time.monotonic() + WAIT_SECONDS
            while hit is None and time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
                hit, served = cache.get(key), "hit"
                if hit is None and (token := lock_acquire(lock)) is not None:
                    hit = self._stored_meanwhile(key, lock, token)
                    if hit is None:
                        return self._compute(request, key, stale_key, (lock, token))  # the one computing gave up
            if hit is None:
                return self._compute(request, key, stale_key, None)  # waited long enough: beside it
        response = HttpResponse(hit["content"], status=hit["status"])
        for header, value in hit["headers"].items():
            response[header] = value
        if "ETag" in response or "Last-Modified" in response:
            last_modified = response.get("Last-Modified")
            response = get_conditional_response(
                request, etag=response.get("ETag"), response=response,
                last_modified=parse_http_date_safe(last_modified) if last_modified else None)
        response["X-Page-Cache"] = served
        return response

    @staticmethod
    def _stored_meanwhile(key, lock, token):
        """The page, when the one computing stored it (and freed the lock) between our read and our
        taking the lock; then the lock is given back and the page served, not computed again."""
        page = cache.get(key)
        if page is not None:
            lock_release(lock, token)
        return page

    @staticmethod
    def _compute(request, key, stale_key, lock):
        """Let the view compute the page; __call__ stores it (and frees ``lock``: its name and token)."""
        request._page_cache_key, request._page_stale_key, request._page_cache_lock = key, stale_key, lock
        return None

    @staticmethod
    def _namespaces(request):
        if not settings.PAGE_CACHE_SECONDS or request.method not in ("GET", "HEAD"):
            return None
        match = request.resolver_match
        if match is None:
            return None
        name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        if name not in CACHEABLE:
            return None
        for key, values in request.GET.lists():
            if key not in PARAMETERS or len(values) > 1 or len(values[0]) > LONGEST_VALUE:
                return None
        return CACHEABLE[name]

    @staticmethod
    def _anonymous(request) -> bool:
        if request.COOKIES.get(CookieStorage.cookie_name):
            return False  # a message waits to be shown on this page
        if request.COOKIES.get(settings.SESSION_COOKIE_NAME):
            return not request.user.is_authenticated
        return True

    @staticmethod
    def _storable(request, response) -> bool:
        messages = getattr(request, "_messages", None)
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies  # nothing personal was set
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # the page holds no CSRF token
            and not (messages and (messages.used or messages._queued_messages))  # nor a message
        )
