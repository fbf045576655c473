"""The pages of a page's documents (an initiative's, a meeting's, a motion's): upload a new version
of a document, keeping the earlier ones listed and downloadable, and remove a document with all its
versions after a confirmation, with an optional reason kept in the audit log.

The two base views hold the flow; each app's subclass says whose documents they are (its owner
mixin loads the owner of the URL and checks the permission on it first, in ``dispatch``), where
the documents are listed, and which of its services write the change (each with its own side
effects: a revision, an audit entry). A document of another owner, or an earlier version named
as if it were a document, is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from ..forms import DocumentForm, DocumentRemoveForm


def earlier_versions(model) -> Prefetch:
    """The prefetch of a document's earlier versions, newest first, with who uploaded each."""
    return Prefetch(
        "earlier_versions", queryset=model.objects.select_related("uploaded_by").order_by("-created_at", "-pk")
    )


class DocumentPageMixin:
    """The document of the URL: the current version of a document of ``owner()``.

    Subclasses set ``model`` (a members.models.Document subclass), ``owner_field`` (its field naming
    the owner, and the attribute the owner mixin before this one in the bases loads the owner into,
    after checking the permission on it) and ``document_kwarg`` (the URL's keyword for the
    document); ``documents_url()`` is where the owner's documents are listed (its page by default)."""

    model = None
    owner_field = ""
    document_kwarg = "doc"
    section = ""  # the top navigation's section the owner's pages are in

    def owner(self):
        """The owner the owner mixin loaded (and checked the permission on): ``self.<owner_field>``."""
        return getattr(self, self.owner_field)

    def documents_url(self) -> str:
        return self.owner().get_absolute_url() + "#documents"

    def document(self):
        return get_object_or_404(
            self.model.objects.select_related("uploaded_by").prefetch_related(earlier_versions(self.model)),
            pk=self.kwargs[self.document_kwarg],
            version_of__isnull=True,
            **{self.owner_field: self.owner()},
        )

    def render_page(self, request, document, form):
        return render(
            request,
            self.template_name,
            {
                "owner": self.owner(),
                "document": document,
                "form": form,
                "documents_url": self.documents_url(),
                "section": self.section,
            },
        )


class DocumentVersionBaseView(DocumentPageMixin, View):
    """Upload a new version of a document: the earlier file stays, listed and downloadable.
    ``add_version``: the app's service (a refused file changes nothing)."""

    template_name = "documents/version.html"

    add_version = None  # the app's service: staticmethod(f), f(*, document, by, upload, title)

    def get(self, request, *args, **kwargs):
        return self.render_page(request, self.document(), DocumentForm())

    def post(self, request, *args, **kwargs):
        document = self.document()
        form = DocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                self.add_version(
                    document=document,
                    by=request.user,
                    upload=form.cleaned_data["file"],
                    title=form.cleaned_data["title"],
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                messages.success(request, _("The new version is uploaded; the earlier ones are kept."))
                return redirect(self.documents_url())
        return self.render_page(request, document, form)


class DocumentRemoveBaseView(DocumentPageMixin, View):
    """Remove a document (with its earlier versions) after a confirmation, with an optional reason.
    ``remove``: the app's service (it writes the audit entry)."""

    template_name = "documents/remove.html"

    remove = None  # the app's service: staticmethod(f), f(*, document, by, reason)

    def get(self, request, *args, **kwargs):
        return self.render_page(request, self.document(), DocumentRemoveForm())

    def post(self, request, *args, **kwargs):
        document = self.document()
        form = DocumentRemoveForm(request.POST)
        if not form.is_valid():
            return self.render_page(request, document, form)
        self.remove(document=document, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The document is removed."))
        return redirect(self.documents_url())
