"""Forms of the progress app: the pages' filters, the yearly report, the secretariat's review,
adoptions, questions and answers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Institution
from members.regions import PREFECTURE_CHOICES, REGION_CHOICES

from ..models import Initiative, WorkingGroup
from .models import Adoption, Commitment, Question, YearlyReport, fiscal_year_label


class ProgressFilterForm(forms.Form):
    """/progress/'s filters: the same names and values as the directory's (docs/urls.md)."""

    region = forms.ChoiceField(label=_("Region"), required=False, choices=[("", "---------"), *REGION_CHOICES])
    prefecture = forms.ChoiceField(label=_("Prefecture"), required=False,
                                   choices=[("", "---------"), *PREFECTURE_CHOICES])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", "---------"), *Institution.Kind.choices])
    wg = forms.ModelChoiceField(label=_("Working group"), required=False, to_field_name="slug",
                                queryset=WorkingGroup.objects.themes().active().order_by("order", "slug"))

    def filters(self) -> dict:
        """The valid filters only: a bad value is reported and ignored, never a server error."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}


class YearlyReportForm(forms.ModelForm):
    class Meta:
        model = YearlyReport
        fields = ["fiscal_year", "scope1", "scope2", "scope3", "energy_gj", "renewable_share", "floor_area",
                  "headcount", "narrative_ja", "narrative_en", "data_notes"]
        widgets = {
            "narrative_ja": forms.Textarea(attrs={"rows": 3}),
            "narrative_en": forms.Textarea(attrs={"rows": 3}),
            "data_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution = institution
        self.instance.institution = institution
        if self.instance.pk:  # the year of a report is fixed once it exists
            self.fields["fiscal_year"].disabled = True

    def clean_fiscal_year(self):
        year = self.cleaned_data["fiscal_year"]
        others = YearlyReport.objects.filter(institution=self.institution, fiscal_year=year)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("There is already a report for FY%(year)s; edit that one."),
                                        params={"year": year}, code="duplicate_year")
        return year

    def validate_unique(self):
        pass  # clean_fiscal_year explains the one unique constraint in the reader's words


class CommitmentForm(forms.ModelForm):
    class Meta:
        model = Commitment
        fields = ["target_year", "baseline_year", "baseline_emissions", "interim_year", "interim_reduction",
                  "visibility"]
        widgets = {"visibility": forms.RadioSelect}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("publish", _("Publish the figures")), ("return", _("Return to the institution for changes"))])
    comment = forms.CharField(label=_("Comment to the institution"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Required when you return the report."))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what should change: the institution sees this comment."))
        return data


class DeadlineForm(forms.Form):
    """The secretariat sets when a fiscal year's reports are due (the reminders follow it)."""

    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int)
    due_on = forms.DateField(label=_("Reports due on"), widget=forms.DateInput(attrs={"type": "date"}),
                             help_text=_("The contacts are reminded 30 and 7 days before and on the day."))

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = [(y, fiscal_year_label(y)) for y in years]


class AdoptionForm(forms.ModelForm):
    class Meta:
        model = Adoption
        fields = ["institution", "kind", "year", "changes", "result"]
        widgets = {"changes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, institutions, initiative, **kwargs):
        super().__init__(*args, **kwargs)
        self.initiative = initiative
        self.fields["institution"].queryset = Institution.objects.filter(
            pk__in=[i.pk for i in institutions]).exclude(pk=initiative.institution_id)
        self.fields["institution"].empty_label = None
        self.fields["result"].queryset = Initiative.objects.filter(
            institution__in=[i.pk for i in institutions]).exclude(pk=initiative.pk).exclude(
            status=Initiative.Status.DRAFT).order_by("-published_at")
        self.fields["result"].required = False

    def validate_unique(self):
        pass  # the service says it in the reader's words


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    is_public = forms.BooleanField(label=_("Show this question and answer to everyone"), required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8 or Shift_JIS, one row per fiscal year, the "
                                                            "columns of the template."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 256 * 1024:
            raise forms.ValidationError(_("The file is larger than 256 KB."))
        return upload
