"""The API's endpoints: read-only lists and details of institutions, working groups, initiatives
and meetings, and initiative drafts for a token's person.

Every list and detail reads through the same selectors and rules as the HTML pages, so a caller
sees exactly what the person behind the token (or a visitor, without one) sees there."""

import datetime
import hashlib
import uuid
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.db.models.fields.files import FieldFile
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from meetings import selectors as meeting_selectors
from meetings.dissemination import selectors as news_selectors
from meetings.dissemination.models import NewsItem
from meetings.models import Meeting
from members.models import Institution
from members.notifications.rendering import absolute
from members.selectors import active_member_count
from members.views.directory import institution_visible
from working_groups import selectors as group_selectors
from working_groups.cooperation import selectors as cooperation_selectors
from working_groups.cooperation.models import Expertise, Need
from working_groups.models import Initiative, Participation, WorkingGroup
from working_groups.progress import views as progress_views
from working_groups.progress.forms import ProgressFilterForm

from . import filters, serializers, writes
from .filters import (
    ExpertiseApiFilter,
    FilterBackend,
    InitiativeApiFilter,
    MeetingApiFilter,
    NeedApiFilter,
    NewsApiFilter,
    PartnerApiFilter,
)
from .pagination import Cursor
from .throttling import throttled

LANGUAGES = ("ja", "en")
LANG_PARAMETER = OpenApiParameter(
    "lang", OpenApiTypes.STR, enum=list(LANGUAGES), required=False,
    description="Language of the texts (`name`, `title`...); default: Accept-Language, else Japanese.")


SIMPLE = (str, int, float, bool, type(None), Decimal, datetime.date, datetime.time, datetime.timedelta, uuid.UUID,
          dict, list)


_SHOWN_TYPES: dict[type, bool] = {}


def _shown_type(kind: type) -> bool:
    """Whether a value of ``kind`` is one a serializer may show (``SIMPLE``, a file), decided once
    per type: an ETag walks every attribute of every row of the page (800 of them for 20 initiatives)."""
    found = _SHOWN_TYPES.get(kind)
    if found is None:
        found = _SHOWN_TYPES[kind] = issubclass(kind, (*SIMPLE, FieldFile))
    return found


def loaded_version(obj, depth: int = 2):
    """What ``obj`` holds that a serializer can show, without serializing it: its loaded fields and
    annotations (every attribute of a plain type: ``updated_at``, names, counts such as
    ``open_needs``), and, ``depth`` levels down, the related rows loaded with it by select_related
    and prefetch_related (an initiative's institution and themes, a meeting's agenda). Deferred
    fields are not loaded, so not read, and not shown either."""
    values = sorted((k, v.name if isinstance(v, FieldFile) else v) for k, v in vars(obj).items()
                    if k[0] != "_" and _shown_type(type(v)))
    if depth:
        state = getattr(obj, "_state", None)
        related = dict(getattr(state, "fields_cache", {}) or {})
        related.update(getattr(obj, "_prefetched_objects_cache", {}) or {})
        for name in sorted(related):
            value = related[name]
            if hasattr(value, "_result_cache") and value._result_cache is not None:  # a prefetched queryset
                value = [loaded_version(v, depth - 1) for v in value._result_cache]
            elif value is not None and hasattr(value, "_state"):
                value = loaded_version(value, depth - 1)
            values.append((name, value))
    return type(obj).__name__, values


# Every answer names a row's themes by slug (serializers: ``SlugRelatedField``): the prefetch reads
# only that, not each group's descriptions in two languages, once per row of the page.
THEME_SLUGS = Prefetch("themes", queryset=WorkingGroup.objects.only("slug"))


class ApiMixin:
    """Language, conditional GET and the headers every answer of the API carries.

    The ETag of a list or detail is computed before anything is serialized (``not_modified``): a
    hash of what the rows of the answer hold as loaded (``loaded_version``), what the view adds to
    them (a group's counts), the caller, the language, the format and the address. A client whose
    ETag or Last-Modified still holds gets its 304 for the cost of the queries alone. Answers that
    are computed figures rather than rows (the root, the progress figures) hash their body."""

    last_modified = None  # set by a view that knows when its objects last changed
    etag = None  # set by not_modified, before serializing

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        chosen = request.query_params.get("lang")
        if chosen in LANGUAGES:
            translation.activate(chosen)
        self.language = "en" if translation.get_language() == "en" else "ja"
        translation.activate(self.language)

    def throttled(self, request, wait):
        raise throttled(wait)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "language": getattr(self, "language", "ja")}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ("Accept", "Accept-Language", "Authorization"))
        if hasattr(self, "language"):
            response["Content-Language"] = self.language
        # a token's answers are that person's: never kept by a shared cache
        response["Cache-Control"] = "private, no-cache" if request.auth is not None else "public, no-cache"
        return response

    def not_modified(self, rows, *extra):
        """Set the answer's ETag from ``rows`` (and ``extra``, what the view adds to them) and
        return the 304 (or 412) when the request's conditions still hold, else None."""
        request = self.request
        renderer = getattr(request, "accepted_renderer", None)
        # the release too: a deploy may change what the serializers write from the same rows
        version = repr((settings.RELEASE, request.user.pk, self.language, getattr(renderer, "format", ""),
                        request.get_full_path(), [loaded_version(row) for row in rows], extra))
        self.etag = f'"{hashlib.sha256(version.encode()).hexdigest()[:32]}"'
        if request.method not in ("GET", "HEAD"):
            return None
        return get_conditional_response(request, etag=self.etag, last_modified=self._last_modified_stamp())

    def _last_modified_stamp(self):
        return int(self.last_modified.timestamp()) if self.last_modified is not None else None

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.not_modified([obj]) or Response(self.get_serializer(obj).data)

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code in (200, 304, 412):
            if self.last_modified is not None:
                response["Last-Modified"] = http_date(self.last_modified.timestamp())
            if self.etag is not None:
                response["ETag"] = self.etag
            elif response.status_code == 200:
                response.render()
                # no rows to version: the body names the caller's view of the figures
                etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
                response["ETag"] = etag
                conditional = get_conditional_response(request, etag=etag, last_modified=self._last_modified_stamp(),
                                                       response=response)
                if conditional is not response:
                    for header in ("Vary", "Content-Language", "Cache-Control"):
                        if header in response:
                            conditional[header] = response[header]
                    return conditional
        return response

    def note_changed(self, objects, field="updated_at"):
        stamps = [getattr(o, field) for o in objects if getattr(o, field, None) is not None]
        self.last_modified = max(stamps) if stamps else None

    def paginated(self, page, *extra, serializer=None):
        """A list page's answer: its 304 if the caller has it, else its rows serialized."""
        return self.not_modified(page, *extra) or self.get_paginated_response(
            (serializer or self.get_serializer)(page, many=True).data)


class ApiRootView(ApiMixin, APIView):
    """The API's endpoints, its schema and its documentation."""

    @extend_schema(parameters=[LANG_PARAMETER], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        def link(name):
            return absolute(reverse(f"api:{name}"))

        return Response({
            "institutions": link("institution-list"),
            "working_groups": link("workinggroup-list"),
            "initiatives": link("initiative-list"),
            "meetings": link("meeting-list"),
            "partners": link("partner-list"),
            "needs": link("need-list"),
            "expertise": link("expertise-list"),
            "news": link("news-list"),
            "progress": link("progress"),
            "schema": link("schema"),
            "docs": link("docs"),
        })


@extend_schema_view(list=extend_schema(parameters=[LANG_PARAMETER]),
                    retrieve=extend_schema(parameters=[LANG_PARAMETER]))
class InstitutionViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    """Member institutions: the directory's active members, with its filters (`q`, `region`,
    `prefecture`, `kind`, `category`, `wg`), in the order of their Japanese reading."""

    lookup_field = "slug"
    filter_backends = [FilterBackend]
    pagination_class = Cursor
    cursor_ordering = ("name_kana", "slug")
    serializer_class = serializers.InstitutionSerializer

    @property
    def filterset_class(self):
        return filters.directory_filterset()

    def get_queryset(self):
        return Institution.objects.active().defer("profile_ja", "profile_en", "search_text")

    def get_serializer_class(self):
        return serializers.InstitutionDetailSerializer if self.action == "retrieve" else self.serializer_class

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self.note_changed(page)
        return self.paginated(page)

    def retrieve(self, request, *args, **kwargs):
        institution = institution_visible(request, kwargs["slug"])
        self.note_changed([institution])
        groups = list(Participation.objects.active().filter(institution=institution)
                      .order_by("group__order", "group__slug").values_list("group__slug", flat=True))
        context = {**self.get_serializer_context(), "groups": groups}
        return self.not_modified([institution], groups) or Response(
            serializers.InstitutionDetailSerializer(institution, context=context).data)

    @extend_schema(parameters=[LANG_PARAMETER], responses={200: serializers.InstitutionProgressSerializer})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def progress(self, request, *args, **kwargs):
        """The institution's published figures against its target path, as /members/<slug>/progress/
        shows them to the caller: none (`figures_shown: false`) when its commitment is members-only
        and the caller is not a member."""
        institution = institution_visible(request, kwargs["slug"])
        return Response(serializers.InstitutionProgressSerializer(
            progress_views.institution_figures(institution, request.user)).data)


@extend_schema_view(list=extend_schema(parameters=[LANG_PARAMETER]),
                    retrieve=extend_schema(parameters=[LANG_PARAMETER]))
class WorkingGroupViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    """The general meeting (upper tier) and the theme working groups, active and closed."""

    lookup_field = "slug"
    pagination_class = Cursor
    cursor_ordering = ("order", "slug")
    serializer_class = serializers.WorkingGroupSerializer
    queryset = WorkingGroup.objects.prefetch_related("coordinators")

    def _context(self, groups) -> dict:
        context = {**self.get_serializer_context(), "counts": group_selectors.group_counts(groups)}
        if any(g.is_general_meeting for g in groups):
            context["members"] = active_member_count()
        return context

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = self._context(page)
        return self.not_modified(page, context["counts"], context.get("members")) or self.get_paginated_response(
            serializers.WorkingGroupSerializer(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        group = self.get_object()
        context = self._context([group])
        return self.not_modified([group], context["counts"], context.get("members")) or Response(
            serializers.WorkingGroupSerializer(group, context=context).data)


@extend_schema_view(
    list=extend_schema(parameters=[LANG_PARAMETER]),
    retrieve=extend_schema(parameters=[LANG_PARAMETER]),
    create=extend_schema(request=writes.InitiativeWriteSerializer,
                         responses={201: serializers.InitiativeDetailSerializer},
                         description="Write a draft for one of your institutions (a token of its staff)."),
    partial_update=extend_schema(request=writes.InitiativeWriteSerializer,
                                 responses={200: serializers.InitiativeDetailSerializer},
                                 description="Change fields of a draft you may edit (its author, a contact of its "
                                             "institution, the secretariat)."),
)
class InitiativeViewSet(ApiMixin, viewsets.mixins.CreateModelMixin, viewsets.mixins.UpdateModelMixin,
                        viewsets.ReadOnlyModelViewSet):
    """Published initiatives, newest first: public ones for everyone, members-only ones too for a
    token of staff of a member (or of the secretariat). Filters as on /initiatives/: `q`, `wg`,
    `region`, `prefecture`, `institution`, `year`. A detail also shows a draft to its editors, who
    may write drafts with a token (POST, PATCH)."""

    http_method_names = ["get", "head", "options", "post", "patch"]
    lookup_field = "slug"
    filter_backends = [FilterBackend]
    filterset_class = InitiativeApiFilter
    pagination_class = Cursor
    cursor_ordering = ("-published_at", "-id")
    serializer_class = serializers.InitiativeSerializer

    def get_queryset(self):
        return (group_selectors.initiatives_listed_for(self.request.user)
                .select_related("institution").prefetch_related(THEME_SLUGS)
                .defer("body", "body_translated", "body_html", "body_translated_html", "search_text",
                       "institution__profile_ja", "institution__profile_en", "institution__search_text"))

    # What a list row shows (serializers.InitiativeSerializer) and its ETag and Last-Modified read:
    # the rest of a row (its links' JSON, the cover, the outcomes, the institution's profile fields)
    # was loaded, converted and hashed for nothing, a third of a search's CPU.
    LIST_FIELDS = ("slug", "institution", "language", "title", "summary", "title_translated", "summary_translated",
                   "prefecture", "year", "started_on", "ended_on", "status", "visibility", "co2_reduction",
                   "capacity_kw", "published_at", "updated_at", "institution__slug", "institution__name_ja",
                   "institution__name_en")

    def list(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset().only(*self.LIST_FIELDS).prefetch_related(None))
        page = group_selectors.with_theme_slugs(self.paginate_queryset(rows))
        self.note_changed(page)
        return self.paginated(page)

    def get_serializer_class(self):
        if self.action in ("retrieve", "create", "partial_update"):
            return serializers.InitiativeDetailSerializer
        return self.serializer_class

    def get_permissions(self):
        if self.action in ("create", "partial_update"):
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    def _shown(self, initiative, status_code):
        fresh = self.get_object_by_slug(initiative.slug)
        return Response(serializers.InitiativeDetailSerializer(fresh, context=self.get_serializer_context()).data,
                        status=status_code)

    def create(self, request, *args, **kwargs):
        initiative = writes.draft_create(user=request.user, body=request.data)
        return self._shown(initiative, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        initiative = writes.draft_update(user=request.user, initiative=self.get_object(), body=request.data)
        return self._shown(initiative, status.HTTP_200_OK)

    def get_object_by_slug(self, slug):
        return get_object_or_404(
            Initiative.objects.select_related("institution").prefetch_related("themes", "partner_institutions"),
            slug=slug)

    def get_object(self):
        initiative = get_object_or_404(
            Initiative.objects.select_related("institution").prefetch_related("themes", "partner_institutions"),
            slug=self.kwargs["slug"])
        if not self.request.user.has_perm("working_groups.view_initiative", initiative):
            raise NotFound  # what the caller may not see does not exist for them (as on the pages)
        self.note_changed([initiative])
        return initiative


@extend_schema_view(list=extend_schema(parameters=[LANG_PARAMETER]),
                    retrieve=extend_schema(parameters=[LANG_PARAMETER]))
class MeetingViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    """Meetings the caller may see, with their programme: upcoming (soonest first) or, with
    `when=past`, past ones (latest first); filters `wg`, `format` as on /meetings/."""

    filter_backends = [FilterBackend]
    filterset_class = MeetingApiFilter
    lookup_value_regex = "[0-9]{1,9}"
    pagination_class = Cursor
    serializer_class = serializers.MeetingSerializer

    @property
    def cursor_ordering(self):
        return ("-starts_at", "-pk") if self._past() else ("starts_at", "pk")

    def _past(self) -> bool:
        return self.request.query_params.get("when") == "past"

    def get_queryset(self):
        base = meeting_selectors.meetings_visible_to(self.request.user)
        if self.action == "list":
            base = base.past() if self._past() else base.upcoming()
        return base.select_related("group").prefetch_related("agenda")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self.note_changed(page)
        return self.paginated(page)

    def get_object(self):
        meeting = get_object_or_404(Meeting.objects.select_related("group").prefetch_related("agenda"),
                                    pk=self.kwargs["pk"])
        if not self.request.user.has_perm("meetings.view_meeting", meeting):
            raise NotFound
        self.note_changed([meeting])
        return meeting


class ListMixin:
    """A filtered, cursor-paginated list whose Last-Modified is its newest row's change."""

    filter_backends = [FilterBackend]
    pagination_class = Cursor
    changed_field = "updated_at"

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self.note_changed(page, self.changed_field)
        return self.paginated(page)

    def get_serializer_class(self):
        return self.detail_serializer_class if self.action == "retrieve" else self.serializer_class


@extend_schema_view(list=extend_schema(parameters=[LANG_PARAMETER]),
                    retrieve=extend_schema(parameters=[LANG_PARAMETER]))
class PartnerViewSet(ListMixin, ApiMixin, viewsets.ReadOnlyModelViewSet):
    """Partners (local governments, companies, others), by Japanese name, with their open needs;
    filters as on /partners/: `q`, `kind`, `region`, `prefecture`."""

    lookup_field = "slug"
    filterset_class = PartnerApiFilter
    cursor_ordering = ("name_ja", "id")
    serializer_class = serializers.PartnerSerializer
    detail_serializer_class = serializers.PartnerDetailSerializer

    def get_queryset(self):
        return cooperation_selectors.partner_list().select_related("institution")

    def get_object(self):
        partner = get_object_or_404(self.get_queryset().defer(None), slug=self.kwargs["slug"])
        self.note_changed([partner], self.changed_field)
        return partner


@extend_schema_view(list=extend_schema(parameters=[LANG_PARAMETER]),
                    retrieve=extend_schema(parameters=[LANG_PARAMETER]))
class NeedViewSet(ListMixin, ApiMixin, viewsets.ReadOnlyModelViewSet):
    """The needs board: published needs and what came after, newest first, never who submitted
    them; filters as on /needs/: `q`, `wg`, `region`, `prefecture`, `kind`, `status` (open by
    default; `all` for every listed status), `year`."""

    filterset_class = NeedApiFilter
    lookup_value_regex = "[0-9]{1,9}"  # an id; anything else is no need (a 404, not a failed query)
    cursor_ordering = ("-published_at", "-id")
    serializer_class = serializers.NeedSerializer
    detail_serializer_class = serializers.NeedDetailSerializer

    def get_queryset(self):
        return (cooperation_selectors.needs_listed().defer("description", "search_text", "reason")
                .prefetch_related(None).prefetch_related(THEME_SLUGS))

    def get_object(self):
        need = get_object_or_404(Need.objects.select_related("partner").prefetch_related("themes"),
                                 pk=self.kwargs["pk"])
        # listed needs for everyone; one waiting for review is the reviewers' (as its page)
        if not self.request.user.has_perm("cooperation.view_need", need):
            raise NotFound
        self.note_changed([need])
        return need


@extend_schema_view(list=extend_schema(parameters=[LANG_PARAMETER]),
                    retrieve=extend_schema(parameters=[LANG_PARAMETER]))
class ExpertiseViewSet(ListMixin, ApiMixin, viewsets.ReadOnlyModelViewSet):
    """Expertise of members' labs and offices, newest first: public entries for everyone,
    members-only ones too for a token of staff of a member (or of the secretariat); filters as on
    /expertise/: `q`, `wg`, `region`, `prefecture`, `institution`, `year`."""

    filterset_class = ExpertiseApiFilter
    lookup_value_regex = "[0-9]{1,9}"
    cursor_ordering = ("-created_at", "-id")
    serializer_class = serializers.ExpertiseSerializer
    detail_serializer_class = serializers.ExpertiseDetailSerializer

    def get_queryset(self):
        return (cooperation_selectors.expertise_cards(cooperation_selectors.expertise_listed_for(self.request.user))
                .prefetch_related(None).prefetch_related(THEME_SLUGS))

    def get_object(self):
        entry = get_object_or_404(Expertise.objects.select_related("institution").prefetch_related("themes"),
                                  pk=self.kwargs["pk"])
        if not self.request.user.has_perm("cooperation.view_expertise", entry):
            raise NotFound
        self.note_changed([entry])
        return entry


@extend_schema_view(list=extend_schema(parameters=[LANG_PARAMETER]),
                    retrieve=extend_schema(parameters=[LANG_PARAMETER]))
class NewsViewSet(ListMixin, ApiMixin, viewsets.ReadOnlyModelViewSet):
    """Published news, announcements and statements, newest first; filters as on /news/: `q`,
    `kind`, `wg`, `year` (on the API `lang` is the response's language). A detail also shows a
    draft to those who may edit it."""

    lookup_field = "slug"
    filterset_class = NewsApiFilter
    cursor_ordering = ("-published_at", "-id")
    serializer_class = serializers.NewsItemSerializer
    detail_serializer_class = serializers.NewsItemDetailSerializer

    def get_queryset(self):
        # drafts have no publication date to page by: the list is the published items (the HTML
        # list adds its editors' drafts on top, which a client gets by slug)
        return news_selectors.news_rows(NewsItem.objects.published()).defer(
            "body_ja", "body_en", "body_html_ja", "body_html_en", "search_text")

    def get_object(self):
        item = get_object_or_404(news_selectors.news_rows(NewsItem.objects.all()), slug=self.kwargs["slug"])
        if not self.request.user.has_perm("dissemination.view_news", item):
            raise NotFound
        self.note_changed([item])
        return item


PROGRESS_FILTERS = [
    OpenApiParameter("region", OpenApiTypes.STR, required=False, description="A region's slug, as on /progress/."),
    OpenApiParameter("prefecture", OpenApiTypes.STR, required=False, description="A prefecture's code (01–47)."),
    OpenApiParameter("kind", OpenApiTypes.STR, required=False, description="A kind of institution."),
    OpenApiParameter("wg", OpenApiTypes.STR, required=False, description="A theme working group's slug."),
]


class ProgressView(ApiMixin, APIView):
    """The coalition's published emissions by fiscal year, the year's breakdowns and the targets
    summary: what /progress/ shows the caller (its `?format=json`). Figures of institutions whose
    commitment is members-only count only for members; a group too small to hide them is
    suppressed (`"suppressed": true`). Filters `region`, `prefecture`, `kind`, `wg`."""

    @extend_schema(parameters=[LANG_PARAMETER, *PROGRESS_FILTERS], responses={200: serializers.ProgressSerializer})
    def get(self, request):
        form = ProgressFilterForm(request.query_params)
        if not form.is_valid():  # the page reports and ignores a bad value; the API says so with a 400
            raise exceptions.ValidationError({name: [e["message"] for e in errors]
                                              for name, errors in form.errors.get_json_data().items()})
        return Response(serializers.ProgressSerializer(progress_views.coalition_figures(form.filters(),
                                                                                     request.user)).data)
