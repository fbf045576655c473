"""Forms of the cooperation app: the public need form, the reviewers' decisions, interest, expertise."""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.forms import HoneypotMixin, ModelMultipleChoiceField
from members.i18n import current_language
from members.models import Affiliation, Institution, User
from members.regions import PREFECTURE_CHOICES
from members.widgets import MarkdownTextarea, PickerSelect, PickerSelectMultiple
from working_groups.models import WorkingGroup

from .models import Expertise, Need, Partner


def _themes():
    return WorkingGroup.objects.themes().active().order_by("order", "slug")


class NeedForm(HoneypotMixin, forms.ModelForm):
    """The public form: anyone may submit, no account needed."""

    themes = ModelMultipleChoiceField(label=_("Themes"), queryset=WorkingGroup.objects.none(),
                                      widget=forms.CheckboxSelectMultiple,
                                      help_text=_("The working groups closest to what you need."))
    consent = forms.BooleanField(
        label=_("I agree that the secretariat keeps these details to handle this request and publishes the "
                "need (without my name or e-mail address) once it is reviewed."),
        error_messages={"required": _("Please confirm to send the request.")},
    )

    class Meta:
        model = Need
        fields = ["title", "description", "title_translated", "description_translated", "themes", "help_kind",
                  "prefecture", "period", "organisation",
                  "organisation_kind", "contact_name", "contact_role", "contact_email"]
        widgets = {"description": MarkdownTextarea(attrs={"rows": 8}, preview=False),  # visitors write it
                   "description_translated": MarkdownTextarea(attrs={"rows": 6}, preview=False)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The need is written in the language of the page it is sent from; the other one is optional.
        if current_language() == "en":
            self.fields["title_translated"].label = _("Title in Japanese (optional)")
            self.fields["description_translated"].label = _("Description in Japanese (optional)")
        else:
            self.fields["title_translated"].label = _("Title in English (optional)")
            self.fields["description_translated"].label = _("Description in English (optional)")
        self.fields["description_translated"].help_text = _(
            "For readers of the board in that language; without it they read your text with a note.")
        self.fields["themes"].queryset = _themes()
        self.fields["prefecture"].choices = [("", _("Anywhere in Japan"))] + list(PREFECTURE_CHOICES)
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.fields["contact_name"].widget.attrs["autocomplete"] = "name"
        self.fields["organisation"].widget.attrs["autocomplete"] = "organization"
        self.fields["contact_email"].help_text = _("We send a link to confirm it. It is never shown publicly.")
        self.add_honeypot()

    def clean_title(self):
        title = (self.cleaned_data.get("title") or "").strip()
        if not title:
            raise forms.ValidationError(_("Give your need a title."))
        return title


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             required=False)


class InterestForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("On behalf of"), queryset=None, empty_label=None)
    message = forms.CharField(label=_("How could your institution help?"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(pk__in=[i.pk for i in institutions])


def colleagues_of(institution):
    """People with an approved affiliation at ``institution``, by name."""
    return (User.objects.filter(is_active=True, affiliations__institution=institution,
                                affiliations__status=Affiliation.Status.APPROVED)
            .distinct().order_by("name", "email"))


class ColleagueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name() or obj.email} <{obj.email}>"


class ExpertiseForm(forms.ModelForm):
    themes = ModelMultipleChoiceField(label=_("Themes"), queryset=WorkingGroup.objects.none(),
                                      widget=forms.CheckboxSelectMultiple)
    prefecture_list = forms.MultipleChoiceField(
        label=_("Prefectures served"), choices=PREFECTURE_CHOICES, required=False,
        widget=PickerSelectMultiple(attrs={"size": 8}),
        help_text=_("Leave empty when the whole country is served (tick the box below)."))
    language_list = forms.MultipleChoiceField(
        label=_("Languages"), choices=[("ja", _("Japanese")), ("en", _("English"))],
        widget=forms.CheckboxSelectMultiple, initial=["ja"])

    class Meta:
        model = Expertise
        fields = ["language", "title", "description", "title_translated", "description_translated", "keywords",
                  "themes", "nationwide", "visibility"]
        widgets = {"description": MarkdownTextarea(attrs={"rows": 8}),
                   "description_translated": MarkdownTextarea(attrs={"rows": 6}),
                   "language": forms.RadioSelect, "visibility": forms.RadioSelect}
        help_texts = {"language": _("The language of the title and the description; the other language "
                                    "below is optional.")}

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = _themes()
        self.fields["language"].required = False
        if not self.instance.pk:
            self.fields["language"].initial = current_language()
        if self.instance.pk:
            self.fields["prefecture_list"].initial = self.instance.prefecture_codes
            self.fields["language_list"].initial = self.instance.language_list
            # the contact person: a colleague at the entry's institution (the author by default)
            self.fields["contact"] = ColleagueChoiceField(
                label=_("Contact person"), empty_label=None, initial=self.instance.contact_id, required=False,
                queryset=colleagues_of(self.instance.institution),
                widget=PickerSelect(source="members:pick-people", params={"institution": self.instance.institution_id}),
                help_text=_("Who answers questions about this expertise: a colleague at your institution. "
                            "Members see their name and e-mail address."))
        else:
                self.fields["institution"] = forms.ModelChoiceField(
                label=_("Institution"), empty_label=None,
                queryset=Institution.objects.filter(pk__in=[i.pk for i in institutions]))

    def clean_language(self):
        """Not sent (an older form, a script): the entry keeps its language, a new one takes the page's."""
        return self.cleaned_data.get("language") or (self.instance.language if self.instance.pk
                                                     else current_language())

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("nationwide") and not cleaned.get("prefecture_list"):
            self.add_error("prefecture_list", _("Choose the prefectures served, or the whole country."))
        return cleaned


class PartnerSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a partner organisation"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 長野県, Midorino")}))


class PartnerCreateForm(forms.ModelForm):
    """A partner organisation that is not in the directory yet, created from an initiative."""

    website = forms.URLField(label=_("website"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Partner
        fields = ["kind", "name_ja", "name_en", "prefecture", "website"]
