"""The member directory and institution profiles (public), with the directory as open data."""

import csv
import json

from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views import View

from .. import extensions, japan_map, selectors
from ..cache import cached_fragment
from ..filters import FACET_FILTERS, chosen_filters, directory, directory_facets
from ..i18n import current_language, pick
from ..models import Institution
from ..notifications.rendering import absolute
from ..pagination import page_of
from ..regions import PREFECTURES_BY_CODE, REGIONS_BY_SLUG, region_counts
from ..rules import is_secretariat
from ..spreadsheets import spreadsheet_cell

# The open data's columns, the same in CSV and JSON (docs/open-data.md): codes for programs, labels
# in the language of the address (/ja/ or /en/) for people.
EXPORT_FIELDS = ["slug", "name_ja", "name_en", "name_kana", "kind", "kind_label", "category", "category_label",
                 "prefecture", "prefecture_name", "region", "region_name", "website", "joined_on", "target_year",
                 "url"]


def _export_rows(queryset):
    language = current_language()
    kinds, categories = dict(Institution.Kind.choices), dict(Institution.Category.choices)
    for inst in queryset.iterator(chunk_size=2000):
        pref = PREFECTURES_BY_CODE.get(inst.prefecture)
        yield {
            "slug": inst.slug,
            "name_ja": inst.name_ja,
            "name_en": inst.name_en,
            "name_kana": inst.name_kana,
            "kind": inst.kind,
            "kind_label": str(kinds.get(inst.kind, "")),
            "category": inst.category,
            "category_label": str(categories.get(inst.category, "")),
            # ISO 3166-2:JP ("JP-05"): its last two digits are the JIS code of ?prefecture=, and a
            # spreadsheet keeps it as text ("05" alone opens as the number 5)
            "prefecture": f"JP-{inst.prefecture}" if pref else "",
            "prefecture_name": pick(pref.name_ja, pref.name_en, language) if pref else "",
            "region": pref.region_slug if pref else "",
            "region_name": pick(pref.region.name_ja, pref.region.name_en, language) if pref else "",
            "website": inst.website,
            "joined_on": inst.joined_on.isoformat() if inst.joined_on else "",
            "target_year": inst.target_year or "",
            "url": absolute(inst.get_absolute_url()),
        }


class _Echo:
    def write(self, value):
        return value


def export(queryset, fmt: str):
    """The filtered directory, all pages, as open data (CSV in UTF-8 with BOM, or JSON)."""
    derived = ("kind_label", "category_label", "prefecture_name", "region", "region_name", "url")
    queryset = queryset.only(*[f for f in EXPORT_FIELDS if f not in derived])
    if fmt == "csv":
        writer = csv.DictWriter(_Echo(), fieldnames=EXPORT_FIELDS)

        def lines():
            yield "\ufeff" + writer.writeheader()
            for row in _export_rows(queryset):
                yield writer.writerow({key: spreadsheet_cell(value) for key, value in row.items()})

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="coalition-members.csv"'
        return response
    rows = list(_export_rows(queryset))
    for row in rows:
        row["target_year"] = row["target_year"] or None
        row["joined_on"] = row["joined_on"] or None
    body = json.dumps({"count": len(rows), "results": rows}, ensure_ascii=False, indent=1)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


class InstitutionListView(View):
    """/members/: filters q, region, prefecture, kind, category, wg; ?page=N; ?format=csv|json."""

    template_name = "members/institution_list.html"
    paginate_by = 24

    def get(self, request):
        data = request.GET
        filterset = directory(data)
        queryset = filterset.qs
        fmt = data.get("format")
        if fmt in ("csv", "json"):
            if not filterset.is_valid():
                # The HTML list reports an invalid filter; the open data says so too rather than
                # exporting everything as if unfiltered.
                errors = {name: [str(e) for e in errs] for name, errs in filterset.form.errors.items()}
                if fmt == "json":
                    return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})
                text = "\n".join(f"{name}: {' '.join(errs)}" for name, errs in errors.items())
                return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
            return export(queryset, fmt)
        _chosen, params = chosen_filters(data, filterset.filters)
        # A search with no facet filter: its facets count the list's own rows, and their one query
        # says how many there are (the sidebar reads the same counts from the cache a moment later).
        known = None
        if data.get("q") and not any(data.get(k) for k in FACET_FILTERS) and filterset.is_valid():
            known = directory_facets(data).get("rows")
        # the count is the same for every page and visitor of these filters (a group's members
        # through its participations: 17 ms at the large scale): kept until a member or a group changes
        page, paginator = page_of(request, queryset, self.paginate_by, known_count=known,
                                  count_cache=("directory-count", ("members", "groups"), params))
        context = {
            "filter": filterset,
            "page_obj": page,
            "object_list": page.object_list,
            "paginator": paginator,
            "is_filtered": any(data.get(k) for k in filterset.filters),
            "sidebar": self.sidebar(filterset),
            "export_query": data.copy(),
        }
        context["export_query"].pop("page", None)
        context["export_query"].pop("format", None)
        return render(request, self.template_name, context)

    def sidebar(self, filterset) -> dict:
        """The facet selects and the map of Japan for these filters, rendered once per language and
        set of filters until a member or a group changes (the facet counts are cached the same
        way, members.filters.directory_facets): together they were most of the page's work."""
        data = filterset.data

        def render_sidebar():
            facets = directory_facets(data)
            prefecture_counts = facets["prefecture"]
            # The other filters are encoded once; each of the 47 tiles only adds its prefecture.
            rest = data.copy()
            for key in ("page", "region", "format", "prefecture"):
                rest.pop(key, None)
            rest = rest.urlencode()
            prefix = f"?{rest}&prefecture=" if rest else "?prefecture="
            return {
                "filters": render_to_string("members/includes/_directory_filters.html", {
                    "filter": filterset, "facets": {**facets, "region": region_counts(prefecture_counts),
                                                    "prefecture": in_chosen_region(data, prefecture_counts)}}),
                "map": render_to_string("members/includes/_directory_map.html", {
                    "map_tiles": japan_map.tiles(prefecture_counts, lambda code: prefix + code),
                    "map_legend": japan_map.legend(prefecture_counts),
                    "map_size": (japan_map.WIDTH, japan_map.HEIGHT, japan_map.SIZE),
                    "filter": filterset,
                }),
            }

        _chosen, params = chosen_filters(data, filterset.filters)
        html = cached_fragment("directory-sidebar", ("members", "groups"), (current_language(), *params),
                               render_sidebar)
        return {name: mark_safe(value) for name, value in html.items()}  # noqa: S308 - our own rendering


def in_chosen_region(data, prefecture_counts: dict[str, int]) -> dict[str, int]:
    """The prefecture select's counts: within the region already chosen (a prefecture elsewhere has
    none of these results). The map and the region select keep every prefecture's count."""
    region = REGIONS_BY_SLUG.get(data.get("region") or "")
    if region is None:
        return prefecture_counts
    return {code: n for code, n in prefecture_counts.items() if code in region.codes}


def institution_visible(request, slug) -> Institution:
    """Active members for everyone; others only for the secretariat and their own people."""
    institution = get_object_or_404(Institution, slug=slug)
    if institution.is_active:
        return institution
    user = request.user
    if is_secretariat(user) or (user.is_authenticated and institution.affiliations.approved().filter(user=user)
                                .exists()):
        return institution
    raise Http404


class InstitutionDetailView(View):
    template_name = "members/institution_detail.html"

    def get(self, request, slug):
        institution = institution_visible(request, slug)
        user = request.user
        context = {
            "institution": institution,
            "object": institution,
            "show_contacts": user.has_perm("members.see_contacts"),
            "can_edit": user.has_perm("members.edit_institution", institution),
            "sections": extensions.render_sections("institution_profile", request, institution=institution),
        }
        if context["show_contacts"]:
            context["contacts"] = selectors.contacts_for(institution)
        return render(request, self.template_name, context)
