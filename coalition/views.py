"""The top layer's views: the home page, the site's search, health, errors and uploaded files."""

import mimetypes
import posixpath
import sys
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import InterfaceError, OperationalError, connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, http_date
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.cache import cache_page, never_cache
from django.views.decorators.http import require_safe

from meetings.dissemination import sitemaps
from meetings.dissemination.selectors import latest_news, latest_statement
from meetings.dissemination.sitemaps import robots_txt
from meetings.governance.models import MotionDocument
from meetings.models import MeetingDocument
from meetings.selectors import meeting_rows, public_meetings
from members.access import refuse
from members.cache import cached_fragment
from members.models import Institution
from members.pagination import search_page_of
from members.search import search_words
from working_groups.cooperation.models import Need
from working_groups.cooperation.selectors import with_theme_names
from working_groups.models import Initiative, InitiativeDocument, WorkingGroup
from working_groups.progress.selectors import most_adopted
from working_groups.rules import sees_members_only
from working_groups.selectors import latest_initiatives

from . import waiting
from .search import COUNT_CAP, KINDS, KINDS_BY_KEY, PER_PAGE, SearchForm, find, hit_counts


@require_safe
def home(request):
    """The coalition at a glance: counts, the two tiers, what is coming and what is new. Signed in,
    the page is the person's own first (coalition/waiting.py): what waits for them to decide or
    answer, their drafts, their next meetings; visitors get the public page (and its cache)."""
    public = public_meetings().not_cancelled()
    context = {
        **_everyones_home(),
        **_audience_home(request.user),
        # what is coming changes with the clock, not only with writes: read each time (one query)
        "upcoming_meetings": list(meeting_rows(public.upcoming())[:4]),
    }
    if request.user.is_authenticated:
        context["desk"] = waiting.desk(request)
    return render(request, "coalition/home.html", context)


def _everyones_home() -> dict:
    """What the home page shows everyone alike and takes counting: the counts, this year's most adopted
    initiatives (a count of every adoption of the year: 0.3 s at the large scale), the latest open
    needs. Computed by one process when what they depend on changes; signed-in people's home pages
    (never page-cached) read it too."""
    year = timezone.localdate().year

    def compute():
        return {
            "member_count": Institution.objects.active().count(),
            "public_initiatives": Initiative.objects.public().count(),
            "most_adopted": most_adopted(year, limit=4),
            "latest_needs": with_theme_names(Need.objects.open().select_related("partner")
                                             .order_by("-published_at", "-id")[:4]),
        }

    shared = cached_fragment("home", ("members", "initiatives", "cooperation", "groups"), (year,), compute)
    return {**shared, "stats": [{"label": _("Public initiatives"), "value": shared["public_initiatives"]}]}


def _audience_home(user) -> dict:
    """The home page's groups, latest initiatives, news and statement, the same for every reader
    who sees the same initiatives (members-only ones or not): kept until a group, a member, an
    initiative or a news item changes. Five queries a view of a signed-in person's home (never
    page-cached) and of every visitor's first view after a change; the groups' coordinators were
    the slowest of them."""
    members = sees_members_only(user)

    def compute():
        groups = list(WorkingGroup.objects.active().prefetch_related("coordinators"))
        return {
            "general_meeting": next((g for g in groups if g.is_general_meeting), None),
            "groups": [g for g in groups if not g.is_general_meeting],
            "latest_initiatives": latest_initiatives(user, limit=6),
            "latest_news": latest_news(limit=3),
            "latest_statement": latest_statement(),
        }

    return cached_fragment("home-audience", ("members", "groups", "initiatives", "news"), (members,), compute)


@require_safe
def search(request):
    """/search/?q=&kind=&page=: every kind of content ``request.user`` may see that matches ``q``,
    a tab per kind with its count, the open tab's matches highlighted and paginated
    (coalition/search.py). No words: how to search. Bad input: the error, and no results."""
    form = SearchForm(request.GET)
    context = {"form": form, "site_query": request.GET.get("q", ""), "kinds": KINDS, "count_cap": COUNT_CAP}
    if not form.is_valid():
        return render(request, "coalition/search.html", context)
    q = form.cleaned_data["q"]
    words = search_words(q)
    if not words:
        return render(request, "coalition/search.html", context)
    found = find(request.user, q)
    counts = hit_counts(found)
    key = form.cleaned_data["kind"] or next((k.key for k in KINDS if counts[k.key]), KINDS[0].key)
    kind = KINDS_BY_KEY[key]
    page, paginator = search_page_of(request, kind.rows(found[kind.key].queryset), PER_PAGE)
    page.object_list = kind.shown(page.object_list)
    context.update({
        "q": q, "words": words, "kind": kind, "page_obj": page, "paginator": paginator,
        "tabs": [(k, counts[k.key]) for k in KINDS], "total": sum(counts.values()),
    })
    return render(request, "coalition/search.html", context)


@require_safe
@cache_page(600)
def sitemap_index(request):
    """/sitemap.xml: the index of the sitemap's sections and their pages (outside the language prefix)."""
    return _sitemap_response(sitemaps.index_xml(served_at=request.build_absolute_uri("/")))


@require_safe
@cache_page(600)
def sitemap_section(request, section):
    """/sitemap-<section>.xml?after=A&upto=B: one page of one section (the range the index names),
    every address in both languages; ``?p=N`` still answers the former numbered pages."""
    try:
        body, newest = sitemaps.section_page(section, request.GET)
    except sitemaps.NoPage:
        raise Http404("No such sitemap page") from None
    return _sitemap_response(body, newest)


def _sitemap_response(body: str, newest=None) -> HttpResponse:
    """XML not to be indexed itself (as Django's sitemap views answer), Last-Modified from the
    newest change of the page's objects where they have one."""
    response = HttpResponse(body, content_type="application/xml")
    response.headers["X-Robots-Tag"] = "noindex, noodp, noarchive"
    if newest is not None:
        response.headers["Last-Modified"] = http_date(newest.timestamp())
    return response


@require_safe
def robots(request):
    """/robots.txt: what robots may crawl, and where the sitemap is."""
    url = request.build_absolute_uri(reverse("sitemap"))  # where this server serves it (as the index names its files)
    return HttpResponse(robots_txt(url), content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def healthz(request):
    """200 when the database (and Redis, where configured) answer; 503 otherwise."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        checks["database"] = f"error: {type(exc).__name__}"
        connection.close_if_unusable_or_obsolete()
    if settings.REDIS_URL:
        try:
            cache.get("healthz")
            client = cache._cache.get_client(write=True)  # the Redis connection the cache uses
            client.ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", **checks}, status=200 if ok else 503)


def too_many_requests(request):
    """429 for a rate limit (sign-in, sign-up, password reset), in the page's language."""
    return render(request, "429.html", status=429)


def page_not_found(request, exception):
    """404: the site's page, or under /api/ the API's JSON answer (a client reads JSON there)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("Not found, or you may not see it."))}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """500, except when the database is out of reach: then a 503 that says so (and recovers)."""
    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)):
        response = HttpResponse(render_to_string("503.html", request=None), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(render_to_string("500.html", request=None), status=500)


def _media_owner(path: str) -> tuple[str | None, object] | None:
    """(permission, object) under which the uploaded file ``path`` is served: the right to see the
    page that links to it. None when no row names the file (left behind, or put there by hand)."""
    folder = path.split("/", 1)[0]  # the upload_to of the field that stored it
    if folder == "logos":  # on public profiles
        return (None, None) if Institution.objects.filter(logo=path).exists() else None
    if folder == "initiatives":
        initiative = Initiative.objects.filter(cover=path).first()
        return ("working_groups.view_initiative", initiative) if initiative else None
    if folder == "documents":
        document = InitiativeDocument.objects.filter(file=path).select_related("initiative").first()
        return ("working_groups.view_initiative", document.initiative) if document else None
    if folder == "meetings":
        document = MeetingDocument.objects.filter(file=path).select_related("meeting__group").first()
        return ("meetings.view_meeting", document.meeting) if document else None
    if folder == "motions":
        document = MotionDocument.objects.filter(file=path).select_related("motion__session").first()
        return ("governance.view_motion", document.motion) if document else None
    return None


def _clean_media_name(path: str) -> str:
    """``path`` as a storage name, or Http404 for anything that is not a plain relative path."""
    name = posixpath.normpath(path)
    if name != path or name.startswith(("/", "..")) or "\\" in name or "\x00" in name:
        raise Http404
    return name


def _media_headers(response, name: str, content_type: str | None, public: bool) -> None:
    if not (content_type or "").startswith("image/") or content_type == "image/svg+xml":
        response["Content-Disposition"] = content_disposition_header(True, posixpath.basename(name))
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    # A file for members only may stay in the browser that was let in, never in a shared cache.
    response["Cache-Control"] = "public, max-age=86400" if public else "private, max-age=3600"


def _accel_response(name: str, content_type: str) -> HttpResponse:
    """An empty answer that has nginx send the file (X-Accel-Redirect, deploy/nginx/): from the
    media directory on disk, or from the bucket through a signed URL valid for seconds, which only
    nginx sees (the browser never gets an address of the bucket)."""
    response = HttpResponse(content_type=content_type)
    prefix = settings.MEDIA_ACCEL_REDIRECT.rstrip("/")
    if isinstance(default_storage, FileSystemStorage):
        response["X-Accel-Redirect"] = f"{prefix}/disk/{quote(name)}"
    else:
        response["X-Accel-Redirect"] = f"{prefix}/bucket/{quote(name)}"
        response["X-Media-Source"] = default_storage.signed_url(name, content_type=content_type)
    return response


@require_safe
def media(request, path):
    """Uploaded files, each to those who may see the page it belongs to (a members-only meeting's
    documents to those who may see the meeting), refused the way pages are (members/access.py).
    Only checked types are ever stored (images re-encoded, documents checked by content); they are
    still served so that a browser cannot run them as a page. The file comes from the configured
    storage (a local directory, or a bucket every web node shares); with MEDIA_ACCEL_REDIRECT set
    nginx sends it once the portal said who may have it, otherwise this process streams it."""
    name = _clean_media_name(path)
    owner = _media_owner(name)
    if owner is None:
        raise Http404
    permission, obj = owner
    if permission is not None and not request.user.has_perm(permission, obj):
        return refuse(request)
    public = permission is None or AnonymousUser().has_perm(permission, obj)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if settings.MEDIA_ACCEL_REDIRECT:
        response = _accel_response(name, content_type)
    else:
        if not default_storage.exists(name):  # a stat on disk, a HEAD request to a bucket
            raise Http404
        try:
            response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
        except (FileNotFoundError, SuspiciousFileOperation) as exc:
            raise Http404 from exc
    _media_headers(response, name, content_type, public)
    return response
