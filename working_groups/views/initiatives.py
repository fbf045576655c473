"""The case-study library: list and search, the page, writing and editing, and the Atom feed."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from members import extensions
from members.access import form_errors_to_form, refuse
from members.cache import cached_fragment
from members.feeds import SiteFeed
from members.filters import chosen_filters
from members.i18n import current_language
from members.models import Institution
from members.pagination import page_of, search_page_of
from members.regions import region_counts
from members.rules import current_affiliations
from members.views import documents

from .. import selectors, services
from ..filters import EXTRA_FACETS, SORTS, InitiativeFilter, initiative_facets
from ..forms import DocumentForm, InitiativeForm, ReasonForm
from ..models import Initiative, InitiativeDocument, WorkingGroup


def _without(data: QueryDict, *keys) -> str:
    """The query string of ``data`` without ``keys`` (URL-encoded)."""
    rest = data.copy()
    for key in keys:
        rest.pop(key, None)
    return rest.urlencode()


class InitiativeListView(View):
    """/initiatives/: q, wg, region, prefecture, institution, year; newest first; ?page=N."""

    template_name = "working_groups/initiative_list.html"
    paginate_by = 20
    count_cap = 10_000

    def get(self, request):
        data = request.GET
        base = selectors.initiatives_listed_for(request.user)
        filterset = InitiativeFilter(data, queryset=base)
        # An invalid filter (a search over 100 characters, an unknown group) lists nothing beside its
        # error; dropping the field would list everything as if unfiltered.
        matching = filterset.qs if filterset.is_valid() else base.none()
        sort = data.get("sort") if data.get("sort") in SORTS else ""
        ordered = SORTS[sort][1](matching) if sort else matching.order_by("-published_at", "-id")
        qs = selectors.card_rows(ordered)
        members = selectors.sees_members_only(request.user)
        searching = bool(filterset.is_valid() and filterset.form.cleaned_data.get("q"))
        if searching:
            page, paginator = search_page_of(request, qs, self.paginate_by, self.count_cap // self.paginate_by)
        else:
            _chosen, params = chosen_filters(data, filterset.filters)
            page, paginator = page_of(request, qs, self.paginate_by, cap=self.count_cap, counted=matching,
                                      count_cache=("initiative-count", ("initiatives", "groups", "members"),
                                                   (members, params)))
        page.object_list = selectors.as_cards(page.object_list)
        context = {
            "filter": filterset,
            "page_obj": page,
            "paginator": paginator,
            "object_list": page.object_list,
            "filters_html": self.filters_html(filterset, base, members=members, searching=searching),
            "is_filtered": any(data.get(k) for k in filterset.filters),
            "can_create": request.user.has_perm("working_groups.create_initiative"),
            "feed_query": data.get("wg", ""),
            "searching": searching,
            "sorts": [(name, label) for name, (label, _order) in SORTS.items()],
            "sort": sort,
            "sort_query": _without(data, "sort", "page"),
        }
        return render(request, self.template_name, context)

    FILTERS = ("wg", "region", "prefecture", "year", "institution", "lang")

    def filters_html(self, filterset, base, *, members: bool, searching: bool):
        """The filter selects (all but ``q``), rendered once per language, audience and choice of
        filters until initiatives, groups or members change: a search for any word shows the same
        ones, and they are a third of the page's work."""
        data = filterset.data

        def render_filters():
            # Counts per facet for browsing; a text search shows its matches without them
            # (counting every match of a common word in every facet is what makes search slow).
            facets = initiative_facets(data, base, members=members) if not searching else None
            options = facets or initiative_facets(QueryDict(), base, members=members)
            names = dict(Institution.objects.filter(slug__in=list(options["institution"])).values_list(
                "slug", "name_ja" if _lang() == "ja" else "name_en"))
            return render_to_string("working_groups/includes/_initiative_filters.html", {
                "filter": filterset,
                "facets": {
                    "wg": facets["wg"],
                    "prefecture": facets["prefecture"],
                    "region": region_counts(facets["prefecture"]),
                    "year": facets["year"],
                } if facets else dict.fromkeys(("wg", "prefecture", "region", "year")),
                "years": sorted(options["year"], reverse=True),
                "top_institutions": [(slug, names.get(slug, slug), n if facets else None)
                                     for slug, n in options["institution"].items()],
                "selected_institution": filterset.form.cleaned_data.get("institution")
                if filterset.is_valid() else None,
                "extra": [(filterset.form[name], facets[name] if facets else None) for name in EXTRA_FACETS],
            })

        parts = (_lang(), members, searching, *(data.get(k, "") for k in (*self.FILTERS, *EXTRA_FACETS)))
        return mark_safe(cached_fragment("initiative-filters", ("initiatives", "groups", "members"), parts,
                                         render_filters))


def _lang():
    return current_language()


def initiative_data(form) -> dict:
    """The initiative form's values as the services take them (its links are parsed by the form)."""
    data = {name: form.cleaned_data[name] for name in services.INITIATIVE_FIELDS if name in form.cleaned_data}
    data["links"] = form.cleaned_data.get("links_text", [])
    return data


class InitiativeMixin:
    """Loads the initiative of the URL and checks ``permission`` on it (refuse() when denied)."""

    permission = "working_groups.view_initiative"

    def dispatch(self, request, *args, **kwargs):
        self.initiative = get_object_or_404(
            Initiative.objects.select_related("institution", "author"), slug=kwargs["slug"]
        )
        if not request.user.has_perm(self.permission, self.initiative):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["initiative"] = self.initiative
        return ctx


class InitiativeDetailView(InitiativeMixin, View):
    template_name = "working_groups/initiative_detail.html"

    def get(self, request, slug):
        initiative = self.initiative
        user = request.user
        can_edit = user.has_perm("working_groups.edit_initiative", initiative)
        # names and addresses: the groups' descriptions and the partners' profiles are not shown here
        themes = list(initiative.themes.only("slug", "name_ja", "name_en"))
        context = {
            "initiative": initiative,
            "object": initiative,
            "themes": themes,
            "partners": list(initiative.partner_institutions.only("slug", "name_ja", "name_en")),
            "documents": current_documents(initiative),
            "related": selectors.related_initiatives(initiative, themes, user),
            "can_edit": can_edit,
            "can_unpublish": user.has_perm("working_groups.unpublish_initiative", initiative),
            "sections": extensions.render_sections("initiative_detail", request, initiative=initiative),
        }
        return render(request, self.template_name, context)


class InitiativeCreateView(LoginRequiredMixin, FormView):
    """/initiatives/new/: staff of an active member write a draft for their institution."""

    template_name = "working_groups/initiative_form.html"
    form_class = InitiativeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("working_groups.create_initiative"):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["institutions"] = [a.institution for a in current_affiliations(self.request.user)]
        kwargs["user"] = self.request.user
        kwargs.setdefault("initial", {})["language"] = _lang()
        return kwargs

    def form_valid(self, form):
        try:
            initiative = services.initiative_create(
                by=self.request.user, institution=form.cleaned_data["institution"], data=initiative_data(form),
                themes=form.cleaned_data["themes"], partner_institutions=form.cleaned_data["partner_institutions"],
                cover=form.cleaned_data.get("cover_upload"),
                documents=[(upload, form.cleaned_data["document_title"])]
                if (upload := form.cleaned_data.get("document_upload")) else [])
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your draft is saved. Publish it when it is ready."))
        return redirect(initiative.get_absolute_url())


class InitiativeEditView(InitiativeMixin, FormView):
    template_name = "working_groups/initiative_form.html"
    form_class = InitiativeForm
    permission = "working_groups.edit_initiative"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.initiative
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # Ids of their own: the initiative form on the same page has a "title" too, and a label's
        # for="id_title" would reach only the first of the two.
        ctx["document_form"] = DocumentForm(auto_id="id_document_%s")
        ctx["documents"] = current_documents(self.initiative)
        return ctx

    def form_valid(self, form):
        try:
            initiative = services.initiative_update(
                initiative=self.initiative, by=self.request.user, data=initiative_data(form),
                themes=form.cleaned_data["themes"], partner_institutions=form.cleaned_data["partner_institutions"],
                cover=form.cleaned_data.get("cover_upload"), remove_cover=form.cleaned_data.get("remove_cover", False))
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The initiative is saved."))
        return redirect(initiative.get_absolute_url())


class InitiativeStatusView(InitiativeMixin, View):
    """POST: publish or archive (editors)."""

    action = "publish"
    permission = "working_groups.edit_initiative"

    def post(self, request, slug):
        initiative = self.initiative
        service = services.initiative_publish if self.action == "publish" else services.initiative_archive
        try:
            service(initiative=initiative, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The initiative is published.") if self.action == "publish"
                             else _("The initiative is archived: it stays at its address but is no longer listed."))
        return redirect(initiative.get_absolute_url())


class InitiativeUnpublishView(InitiativeMixin, FormView):
    """The secretariat takes an initiative back to draft, with a reason."""

    template_name = "working_groups/initiative_unpublish.html"
    form_class = ReasonForm
    permission = "working_groups.unpublish_initiative"

    def form_valid(self, form):
        try:
            services.initiative_unpublish(initiative=self.initiative, by=self.request.user,
                                          reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The initiative is back to draft; its authors were told why."))
        return redirect(self.initiative.get_absolute_url())


class InitiativeRevisionsView(InitiativeMixin, View):
    template_name = "working_groups/initiative_revisions.html"
    permission = "working_groups.edit_initiative"

    def get(self, request, slug):
        initiative = self.initiative
        return render(request, self.template_name, {"initiative": initiative,
                                                    "revisions": list(initiative.revisions.all()[:200])})


class DocumentAddView(InitiativeMixin, View):
    permission = "working_groups.edit_initiative"

    def post(self, request, slug):
        initiative = self.initiative
        form = DocumentForm(request.POST, request.FILES)
        try:
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            services.document_add(initiative=initiative, by=request.user, upload=form.cleaned_data["file"],
                                  title=form.cleaned_data["title"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The document is attached."))
        return redirect(reverse("working_groups:initiative-edit", kwargs={"slug": slug}) + "#documents")


def earlier_versions() -> Prefetch:
    return documents.earlier_versions(InitiativeDocument)


def current_documents(initiative):
    """The initiative's documents (their newest versions), each with its earlier versions: two queries."""
    return list(initiative.documents.filter(version_of__isnull=True).select_related("uploaded_by")
                .prefetch_related(earlier_versions()))


class InitiativeDocumentMixin(InitiativeMixin):
    """The document of the URL (the current version, of this initiative) for the initiative's editors."""

    permission = "working_groups.edit_initiative"
    model, owner_field, document_kwarg = InitiativeDocument, "initiative", "pk"

    def documents_url(self):
        return reverse("working_groups:initiative-edit", kwargs={"slug": self.initiative.slug}) + "#documents"


class DocumentVersionView(InitiativeDocumentMixin, documents.DocumentVersionBaseView):
    add_version = staticmethod(services.document_version_add)


class DocumentRemoveView(InitiativeDocumentMixin, documents.DocumentRemoveBaseView):
    remove = staticmethod(services.document_remove)


class InitiativeFeed(SiteFeed):
    """/initiatives/feed/ (and ?wg=<slug>): public initiatives, newest first, as Atom (RFC 4287)."""

    list_url_name, feed_url_name = "working_groups:initiative-list", "working_groups:initiative-feed"
    feed_name, item_name = "initiatives", "initiative"

    def groups(self):
        return WorkingGroup.objects.themes()

    def title(self, group):
        name, initiatives = _("University Coalition for Carbon Neutrality"), _("Initiatives")
        return f"{name}: {group.name if group else initiatives}"

    def subtitle(self, group):
        return _("Initiatives members share toward carbon neutrality.")

    def items(self, group):
        qs = Initiative.objects.public().select_related("institution").order_by("-published_at", "-id")
        if group is not None:
            qs = qs.filter(themes=group)
        return qs[:50]

    def item_title(self, item):
        return item.shown_title()

    def item_description(self, item):
        # Atom's summary is marked type="html": plain text must be escaped, or a reader runs it.
        return escape(item.shown_summary())

    def item_author_name(self, item):
        return item.institution.name
