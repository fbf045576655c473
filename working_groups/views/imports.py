"""The secretariat's CSV import of people, their affiliations and their working groups:
upload, check (a dry run shows what each row would do), then import the checked file."""

import csv
import io

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from members.access import SecretariatRequiredMixin, form_errors_to_form
from members.services.imports import decode_csv_upload

from ..forms import PeopleImportForm
from ..imports import IMPORT_MAX_ROWS, PEOPLE_COLUMNS, people_import


class PeopleImportView(SecretariatRequiredMixin, View):
    """/secretariat/people/import/: POST a file → the preview (nothing written); POST "import"
    with the checked file → written if every row is still valid, else the errors again."""

    template_name = "working_groups/people_import.html"

    def render_page(self, request, form, report=None, checked="", status=200):
        return render(request, self.template_name, {
            "form": form, "report": report, "checked": checked, "columns": PEOPLE_COLUMNS,
            "max_rows": IMPORT_MAX_ROWS}, status=status)

    def get(self, request):
        return self.render_page(request, PeopleImportForm())

    def post(self, request):
        form = PeopleImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(request, form, status=400)
        data = form.cleaned_data["data"]
        commit = "import" in request.POST and not form.cleaned_data.get("file")
        try:
            report = people_import(data=data, by=request.user, dry_run=not commit)
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.render_page(request, form, status=400)
        if not report.ok:
            return self.render_page(request, PeopleImportForm(), report=report, status=400)
        if commit:
            counts = report.counts
            if report.written:
                messages.success(request, _("Imported: %(changed)s rows changed, %(unchanged)s unchanged.") % counts)
            else:
                messages.info(request, _("Nothing to import: every row is already as the file says."))
            return redirect("working_groups:people-import")
        # the preview: the text the secretariat saw, signed, is what "import" writes
        checked = signing.dumps(decode_csv_upload(data), salt=PeopleImportForm.SALT, compress=True)
        return self.render_page(request, PeopleImportForm(initial={"checked": checked}), report=report,
                                checked=checked)


class PeopleImportTemplateView(SecretariatRequiredMixin, View):
    """The template to fill in: the header and two example rows, UTF-8 with a BOM so that Excel
    (in Japan too) opens it with the right characters."""

    def get(self, request):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(PEOPLE_COLUMNS)
        writer.writerow(["yamada@example.ac.jp", "山田 太郎", "ja", "shinshu", "contact", "研究推進課長",
                         "regional campus"])
        writer.writerow(["suzuki@example.ac.jp", "Suzuki Hanako", "en", "shinshu", "staff", "Researcher", ""])
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="people-import-template.csv"'
        return response
