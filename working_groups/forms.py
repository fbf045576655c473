"""Forms of the working-groups app."""

import datetime
import re

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from members.forms import DocumentForm, DocumentRemoveForm, ModelMultipleChoiceField  # noqa: F401 - re-exported
from members.models import Institution
from members.uploads import clean_document, clean_image, upload_held, upload_hold
from members.widgets import MarkdownTextarea, PickerSelectMultiple

from .imports import IMPORT_MAX_BYTES
from .models import Initiative, WorkingGroup


class JoinForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("For"), queryset=Institution.objects.none(), empty_label=None)
    message = forms.CharField(label=_("Message to the coordinators"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(pk__in=[i.pk for i in institutions])
        if len(institutions) == 1:
            self.fields["institution"].widget = forms.HiddenInput()
            self.fields["institution"].initial = institutions[0].pk


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    reason = forms.CharField(label=_("Reason (required to refuse)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class InstitutionGroupsForm(forms.Form):
    groups = ModelMultipleChoiceField(
        label=_("Working groups your institution takes part in"),
        queryset=WorkingGroup.objects.themes().active().order_by("order", "slug"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class GroupForm(forms.ModelForm):
    class Meta:
        model = WorkingGroup
        fields = ["slug", "name_ja", "name_en", "description_ja", "description_en", "coordinators", "is_open", "order"]
        field_classes = {"coordinators": ModelMultipleChoiceField}
        widgets = {
            "coordinators": PickerSelectMultiple("members:pick-institutions", attrs={"size": 8}),
            "description_ja": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinators"].queryset = Institution.objects.active().order_by("name_kana")
        if self.instance.pk:
            self.fields["slug"].disabled = True  # a public address: links in e-mails and feeds use it


LINK_LINE = re.compile(r"^(?P<label>.*?)\s*(?P<url>https?://\S+)$")


def parse_links(text: str) -> list[dict]:
    """One link per line: an optional label, then the URL."""
    links, validate = [], URLValidator(schemes=["http", "https"])
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = LINK_LINE.match(line)
        if not match:
            raise ValidationError(_("Line %(n)s: end each line with an address starting with https://.") % {"n": n})
        try:
            validate(match["url"])
        except ValidationError:
            raise ValidationError(_("Line %(n)s: %(url)s is not a valid address.") % {"n": n, "url": match["url"]})
        links.append({"label": match["label"].strip(" -:|")[:200] or match["url"], "url": match["url"]})
    if len(links) > 20:
        raise ValidationError(_("At most 20 links."))
    return links


class InitiativeForm(forms.ModelForm):
    """Writing an initiative. The cover is checked and re-encoded; links are one per line."""

    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none(), empty_label=None)
    cover_upload = forms.FileField(
        label=_("Cover image"), required=False,
        help_text=_("PNG, JPEG, WebP or GIF, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
    )
    remove_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)
    links_text = forms.CharField(
        label=_("Links"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: a label, then the address. Example: Project page https://example.ac.jp/zeb"),
    )
    # On the first save only (the edit page has its own list of documents).
    document_upload = forms.FileField(
        label=_("Document"), required=False,
        help_text=_("PDF, Word, Excel, PowerPoint, PNG or JPEG; at most 20 MB. You can attach more after saving."),
    )
    document_title = forms.CharField(label=_("Document title"), max_length=200, required=False)

    # Files that passed their checks are kept when another field fails (members.uploads.upload_hold),
    # so that nobody has to choose them again; the page says which file is kept.
    HELD = ("cover_upload", "document_upload")

    class Meta:
        model = Initiative
        fields = ["language", "title", "summary", "body", "title_translated", "summary_translated", "body_translated",
                  "themes",
                  "partners", "partner_institutions", "prefecture", "started_on", "ended_on", "outcomes",
                  "co2_reduction", "capacity_kw", "cover_alt", "visibility"]
        field_classes = {"themes": ModelMultipleChoiceField, "partner_institutions": ModelMultipleChoiceField}
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "summary_translated": forms.Textarea(attrs={"rows": 3}),
            "body_translated": MarkdownTextarea(attrs={"rows": 8}),
            "body": MarkdownTextarea(attrs={"rows": 14}),
            "partners": forms.Textarea(attrs={"rows": 3}),
            "outcomes": forms.Textarea(attrs={"rows": 4}),
            "themes": forms.CheckboxSelectMultiple,
            "partner_institutions": PickerSelectMultiple("members:pick-institutions", attrs={"size": 6}),
            "started_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ended_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "visibility": forms.RadioSelect,
            "language": forms.RadioSelect,
        }

    def __init__(self, *args, institutions=(), user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id = getattr(user, "pk", None)
        self.held = {}  # field name → {"token", "name"} of a file kept after a failed submit
        self._held_tokens = {}
        self.fields["themes"].queryset = WorkingGroup.objects.themes().active().order_by("order", "slug")
        self.fields["themes"].help_text = _("One or more working groups.")
        self.fields["partner_institutions"].queryset = Institution.objects.active().order_by("name_kana")
        self.fields["partner_institutions"].required = False
        self.fields["prefecture"].required = False
        self.fields["prefecture"].help_text = _("Leave empty for your institution's prefecture.")
        if self.instance.pk:
            del self.fields["institution"]
            del self.fields["document_upload"]
            del self.fields["document_title"]
            self.fields["links_text"].initial = "\n".join(f"{link['label']} {link['url']}"
                                                          for link in self.instance.links)
        else:
            self.fields["institution"].queryset = Institution.objects.filter(pk__in=[i.pk for i in institutions])
            if len(institutions) == 1:
                self.fields["institution"].widget = forms.HiddenInput()
                self.fields["institution"].initial = institutions[0].pk
        if not self.instance.cover:
            del self.fields["remove_cover"]

    def _held_upload(self, name):
        """The file kept for this field after an earlier failed submit (None when there is none)."""
        token = self.data.get(f"{name}_held", "")
        if not token or self.user_id is None:
            return None
        upload = upload_held(user_id=self.user_id, token=token)
        if upload is None:
            raise ValidationError(_("The file you chose before is no longer kept: choose it again."))
        self._held_tokens[name] = token
        return upload

    def clean_cover_upload(self):
        upload = self.cleaned_data.get("cover_upload")
        if upload:
            return clean_image(upload, max_side=1600, name="cover")
        return self._held_upload("cover_upload")

    def clean_document_upload(self):
        upload = self.cleaned_data.get("document_upload")
        if upload:
            return clean_document(upload)[0]
        return self._held_upload("document_upload")

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not self._errors or self.user_id is None:
            return
        for name in self.HELD:
            upload = self.cleaned_data.get(name)
            if upload:
                chosen = self.files[name].name if self.files.get(name) else getattr(upload, "chosen_name", upload.name)
                token = self._held_tokens.get(name) or upload_hold(user_id=self.user_id, upload=upload,
                                                                   chosen_name=chosen)
                self.held[name] = {"token": token, "name": chosen}

    def clean_links_text(self):
        return parse_links(self.cleaned_data.get("links_text", ""))

    def clean_started_on(self):
        started = self.cleaned_data.get("started_on")
        latest = datetime.date.today() + datetime.timedelta(days=3650)
        if started and not datetime.date(1990, 1, 1) <= started <= latest:
            raise ValidationError(_("Give a start date between 1990 and ten years from now."))
        return started

    def clean(self):
        cleaned = super().clean()
        started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", _("The end comes before the start."))
        if cleaned.get("cover_upload") and not (cleaned.get("cover_alt") or "").strip():
            self.add_error("cover_alt", _("Describe the image for people who cannot see it."))
        if "links_text" in cleaned:
            self.instance.links = cleaned["links_text"]
        return cleaned


class PeopleImportForm(forms.Form):
    """A file to check, or (``checked``) the file checked a moment ago, signed so that what is
    imported is exactly what the preview showed."""

    SALT = "working_groups.people-import"
    CHECKED_MAX_AGE = 3600  # a checked file is imported within the hour, or checked again

    file = forms.FileField(label=_("CSV file"), required=False,
                           help_text=_("UTF-8 (with or without BOM) or Shift_JIS; at most 1 MB."))
    checked = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        upload, checked = cleaned.get("file"), cleaned.get("checked")
        if upload:
            if upload.size > IMPORT_MAX_BYTES:
                raise ValidationError({"file": _("The file is too large (at most %(size)s MB).") % {"size": 1}})
            cleaned["data"] = upload.read()
        elif checked:
            try:
                cleaned["data"] = signing.loads(checked, salt=self.SALT, max_age=self.CHECKED_MAX_AGE).encode()
            except signing.BadSignature:
                raise ValidationError({"file": _("The checked file has expired; choose it again.")})
        else:
            raise ValidationError({"file": _("Choose a CSV file.")})
        return cleaned
