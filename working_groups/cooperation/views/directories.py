"""The public lists: partners, the needs board (with its Atom feed) and expertise, each filterable
with the site's parameter names, paginated, and as open data (?format=csv|json)."""

import numpy as np
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View

from members import japan_map
from members.cache import cached_fragment
from members.feeds import SiteFeed
from members.filters import chosen_filters
from members.i18n import current_language, pick
from members.markup import truncate
from members.models import Institution
from members.pagination import page_of, search_page_of
from members.regions import region_counts
from working_groups.rules import sees_members_only

from .. import board, exports, selectors
from ..filters import STATUS_ALL, ExpertiseFilter, NeedFilter, PartnerFilter, facets, look_up_once
from ..models import Need, Partner

PER_PAGE = 20


def _export_query(data):
    query = data.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query


def _searching(filterset) -> bool:
    return bool(filterset.is_valid() and filterset.form.cleaned_data.get("q"))


def _page(request, filterset, qs, name: str, namespaces: tuple, audience=()):
    """Text searches are not counted (members.pagination); browsing is, up to 10,000, and the count
    is kept per list, ``audience`` (what decides the rows one sees) and filters until ``namespaces``
    change: the same for every page and visitor of those filters."""
    if _searching(filterset):
        return search_page_of(request, qs, PER_PAGE)
    _chosen, params = _chosen_filters(request.GET, filterset)
    return page_of(request, qs, PER_PAGE, cap=10_000, count_cache=(name, namespaces, (*audience, params)))


class PartnerListView(View):
    """/partners/: q, kind, region, prefecture; ?page=N; ?format=csv|json."""

    def get(self, request):
        data = request.GET
        base = selectors.partner_list()
        lookups = {}
        filterset = look_up_once(PartnerFilter(data, queryset=base), lookups)
        qs = filterset.qs.order_by("name_ja", "id")
        fmt = data.get("format")
        if fmt in ("csv", "json"):
            return exports.export((exports.partner_row(p) for p in qs.iterator(chunk_size=2000)), fmt, "partners")
        page, paginator = _page(request, filterset, qs, "partner-count", ("cooperation",))
        counts = facets(PartnerFilter, data, Partner.objects.all(), {"kind": "kind", "prefecture": "prefecture"},
                        lookups=lookups)
        counts["region"] = region_counts(counts["prefecture"])
        return render(request, "cooperation/partner_list.html", {
            "filter": filterset, "page_obj": page, "paginator": paginator, "object_list": page.object_list,
            "facets": counts, "export_query": _export_query(data),
            "is_filtered": any(data.get(k) for k in filterset.filters),
        })


class PartnerDetailView(View):
    """/partners/<slug>/: the profile, initiatives done with it (by institution), its needs."""

    def get(self, request, slug):
        partner = get_object_or_404(Partner.objects.select_related("institution"), slug=slug)
        needs = selectors.with_theme_names(partner.needs.listed().order_by("-published_at", "-id"))
        return render(request, "cooperation/partner_detail.html", {
            "partner": partner,
            "initiative_groups": selectors.initiatives_with_partner(partner, request.user),
            "open_needs": [n for n in needs if n.is_open],
            "past_needs": [n for n in needs if not n.is_open],
        })


class NeedListView(View):
    """/needs/: q, wg, region, prefecture, kind, status (open by default), year; ?page=N;
    ?format=csv|json."""

    def get(self, request):
        data = request.GET
        base = Need.objects.listed()
        lookups = {}
        filterset = look_up_once(NeedFilter(data, queryset=base), lookups)
        qs = filterset.qs.select_related("partner").order_by("-published_at", "-id")
        fmt = data.get("format")
        if fmt in ("csv", "json"):
            return exports.export((exports.need_row(n) for n in qs.prefetch_related("themes")[:10_000]), fmt, "needs")
        page, paginator = _page(request, filterset, selectors.need_cards(qs), "need-count", ("cooperation", "groups"))
        page.object_list = selectors.with_theme_names(page.object_list)
        sidebar = board_facets(data, filterset, base, lookups)
        return render(request, "cooperation/need_list.html", {
            "map_html": sidebar["map_html"], "filters_html": sidebar["filters_html"],
            "filter": filterset, "page_obj": page, "paginator": paginator, "object_list": page.object_list,
            "facets": sidebar["facets"], "export_query": _export_query(data),
            "is_filtered": any(data.get(k) for k in filterset.filters),
            "status_value": status_value(filterset),
            "can_review": request.user.has_perm("cooperation.review_queue"),
        })


def _chosen_filters(data, filterset):
    """The list's own filters among ``data``, and as a cache key (members.filters.chosen_filters)."""
    return chosen_filters(data, filterset.filters)


def board_facets(data, filterset, base, lookups: dict) -> dict:
    """The board's facet counts and its rendered map, cached per language and filters (members/
    cache.py) until a need or a working group changes: six grouped counts and a map of 47 tiles
    are the same for every visitor who chooses the same filters, and were most of the board's
    time. Only the board's own filters make the key (not the page, the format or a parameter the
    board does not know), and the map's links keep only those filters. ``lookups``: the page's
    memo of chosen objects (cooperation/filters.py ``look_up_once``)."""
    chosen, params = _chosen_filters(data, filterset)

    def compute():
        counts = columnar_counts(filterset, base, lookups)
        if counts is None:  # more theme groups than the columns hold: counted by PostgreSQL
            counts = facets(NeedFilter, chosen, base, {"wg": "themes__slug", "kind": "help_kind",
                                                       "prefecture": "prefecture", "year": "year"}, lookups=lookups)
            counts.update(facets(NeedFilter, chosen, base, {"status": "status"}, fixed={"status": STATUS_ALL},
                                 lookups=lookups))
        counts["region"] = region_counts(counts["prefecture"])
        map_html = render_to_string("cooperation/includes/_need_map.html",
                                    {"map": need_map(chosen, counts["prefecture"])})
        # the selects of the filters with their counts: they depend on the chosen filters alone (their
        # values and errors), and rendering 6 selects of up to 48 options was a fifth of the board's time
        filters_html = render_to_string("cooperation/includes/_need_filters.html", {
            "filter": filterset, "facets": counts, "status_value": status_value(filterset)})
        return {"facets": counts, "map_html": map_html, "filters_html": filters_html}

    found = cached_fragment("need-board-facets", ("cooperation", "groups"), (current_language(), params), compute)
    return {"facets": found["facets"], "map_html": mark_safe(found["map_html"]),  # noqa: S308 - our rendering
            "filters_html": mark_safe(found["filters_html"])}  # noqa: S308


def columnar_counts(filterset, base, lookups: dict) -> dict | None:
    """The board's facets from its columns (cooperation/board.py) for the filters of ``filterset``
    (validated: a filter with an error counts as not chosen), a search masked with the ids of its
    matches (the same search as the list's, its probe shared through ``lookups``). None when the
    board has more theme groups than the columns hold."""
    cols = board.columns()
    if cols is None:
        return None
    filterset.is_valid()
    cleaned = filterset.form.cleaned_data
    matches = None
    if cleaned.get("q"):
        found = base.search(cleaned["q"], memo=lookups, listing=False).order_by().values_list("pk", flat=True)
        matches = np.fromiter(found, dtype=np.int64)
    return board.facet_counts(cols, cleaned, matches)


def status_value(filterset) -> str:
    """The status the board shows: the one chosen (a valid status stays chosen beside another
    filter's error), else open needs."""
    filterset.is_valid()
    return filterset.form.cleaned_data.get("status") or "open"


def need_map(data, prefecture_counts: dict[str, int]) -> dict:
    """The map of Japan of the board: the needs of each prefecture among those the other filters
    choose (the prefecture facet's counts: no query of its own). Each tile keeps the other filters
    and sets ``prefecture`` (a region chosen gives way to it, as on the members' map). Needs for
    anywhere in Japan are on no tile: they are counted beside the map."""
    counts = {code: n for code, n in prefecture_counts.items() if code}
    rest = data.copy()
    for key in ("page", "region", "format", "prefecture"):
        rest.pop(key, None)
    rest = rest.urlencode()
    prefix = f"?{rest}&prefecture=" if rest else "?prefecture="
    return {
        "tiles": japan_map.tiles(counts, lambda code: prefix + code),
        "legend": japan_map.legend(counts),
        "size": (japan_map.WIDTH, japan_map.HEIGHT, japan_map.SIZE),
        "selected": data.get("prefecture"),
        "anywhere": prefecture_counts.get("", 0),
    }


class NeedFeed(SiteFeed):
    """/needs/feed/: published needs, newest first, as Atom."""

    list_url_name, feed_url_name = "cooperation:need-list", "cooperation:need-feed"
    feed_name, item_name = "needs-feed", "need"

    def title(self):
        return _("University Coalition for Carbon Neutrality: needs of local governments and companies")

    def subtitle(self):
        return _("What local governments, companies and others ask universities to help with.")

    def items(self):
        return Need.objects.listed().select_related("partner").order_by("-published_at", "-id")[:50]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return escape(truncate(item.description, 300))

    def item_author_name(self, item):
        return item.partner.name if item.partner else ""


class ExpertiseListView(View):
    """/expertise/: q, wg, region, prefecture, institution, year; ?page=N; ?format=csv|json."""

    def get(self, request):
        data = request.GET
        base = selectors.expertise_listed_for(request.user)
        lookups = {}
        filterset = look_up_once(ExpertiseFilter(data, queryset=base), lookups)
        qs = selectors.expertise_cards(filterset.qs.order_by("-created_at", "-id"))
        fmt = data.get("format")
        if fmt in ("csv", "json"):
            return exports.export((exports.expertise_row(e) for e in qs[:10_000]), fmt, "expertise")
        members = sees_members_only(request.user)
        page, paginator = _page(request, filterset, qs, "expertise-count", ("cooperation", "groups", "members"),
                                audience=(members,))
        sidebar = expertise_facets(data, filterset, base, lookups, members=members)
        return render(request, "cooperation/expertise_list.html", {
            "filter": filterset, "page_obj": page, "paginator": paginator, "object_list": page.object_list,
            "facets": sidebar["facets"], "top_institutions": sidebar["institutions"],
            "selected_institution": filterset.form.cleaned_data.get("institution") if filterset.is_valid() else None,
            "export_query": _export_query(data),
            "is_filtered": any(data.get(k) for k in filterset.filters),
            "can_create": request.user.has_perm("cooperation.create_expertise"),
        })


# How many institutions the expertise directory's institution filter offers (those with the most
# entries among the other filters' results, and the one chosen): a select of all 15,000 members at
# the large scale took 0.7 s to render and is no way to find one.
TOP_INSTITUTIONS = 25


def expertise_facets(data, filterset, base, lookups: dict, *, members: bool) -> dict:
    """The expertise directory's counts per theme and year and its top institutions, cached per
    language, audience (members-only entries counted or not) and filters until an entry, a group or
    a member changes (as the board's, ``board_facets``)."""
    chosen, params = _chosen_filters(data, filterset)

    def compute():
        counts = facets(ExpertiseFilter, chosen, base, {"wg": "themes__slug", "year": "year",
                                                        "institution": ("institution_id", TOP_INSTITUTIONS)},
                        lookups=lookups)
        top = counts.pop("institution")
        names = {pk: (slug, pick(name_ja, name_en)) for pk, slug, name_ja, name_en in Institution.objects.filter(
            pk__in=[int(pk) for pk in top]).values_list("pk", "slug", "name_ja", "name_en")}
        institutions = [(*names[int(pk)], n) for pk, n in top.items() if int(pk) in names]
        return {"facets": counts, "institutions": institutions}

    return cached_fragment("expertise-facets", ("cooperation", "groups", "members"),
                           (current_language(), members, params), compute)
