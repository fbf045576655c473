"""Forms of the members app."""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from . import extensions
from .i18n import current_language, fold
from .models import Affiliation, EmailDomain, Institution, MembershipApplication, User
from .selectors import duplicate_of, institution_choices
from .uploads import clean_image

HONEYPOT = "website_url"

# Django's own Japanese for this message says "type some characters", which tells someone whose
# text holds a NUL the wrong thing; the project's catalogue (LOCALE_PATHS) is read first, so this wins.
gettext_noop("Null characters are not allowed.")


class HoneypotMixin:
    """A field people do not see (hidden by CSS, labelled for screen readers to leave empty)."""

    def add_honeypot(self):
        self.fields[HONEYPOT] = forms.CharField(
            required=False, label=_("Leave this field empty"), widget=forms.TextInput(attrs={"autocomplete": "off",
                                                                                               "tabindex": "-1"})
        )
        self.fields[HONEYPOT].template_name = "includes/_honeypot_field.html"
        self.fields[HONEYPOT].validators = []  # nobody sees it to correct it: whatever it holds is spam

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get(HONEYPOT))


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing an id the database's integer cannot hold as a choice that does not exist.
    Django looks each value up on its own safely, then all of them with ``__in``, where SQLite's
    driver cannot even pass a 30-digit id (OverflowError, a server error)."""

    def _check_values(self, value):
        model = self.queryset.model
        field = model._meta.get_field(self.to_field_name) if self.to_field_name else model._meta.pk
        if isinstance(field, models.IntegerField) and not isinstance(value, str):
            low, high = connections[self.queryset.db].ops.integer_field_range(field.get_internal_type())
            for pk in value:
                try:
                    number = int(pk)
                except (TypeError, ValueError):
                    continue  # not a number at all: Django's own check says so
                if not low <= number <= high:
                    raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                          params={"value": pk})
        return super()._check_values(value)


class SignupForm(AllauthSignupForm):
    """allauth's sign-up with the person's name and e-mail language; its honeypot is hidden by a
    class instead of an inline style (the Content-Security-Policy allows no inline styles)."""

    name = forms.CharField(label=_("Your name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    language = forms.ChoiceField(label=_("Language for e-mails"), choices=settings.LANGUAGES)

    field_order = ["email", "name", "language", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = current_language()
        honeypot = self.fields.get(settings.ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD)
        if honeypot is not None:
            honeypot.widget.attrs.pop("style", None)
            honeypot.widget.attrs["autocomplete"] = "off"
            honeypot.template_name = "includes/_honeypot_field.html"
            honeypot.validators = []  # nobody sees it to correct it: whatever it holds is spam
        self.order_fields(self.field_order)

    def save(self, request):
        user = super().save(request)
        user.name = self.cleaned_data["name"]
        user.language = self.cleaned_data["language"]
        user.save(update_fields=["name", "language"])
        return user


def clean_domain(value: str, *, institution=None) -> str:
    """A domain someone typed: lower case, valid, not public, not another member's."""
    value = (value or "").strip().lower().lstrip("@")
    if not value:
        return value
    for validator in EmailDomain._meta.get_field("domain").validators:
        validator(value)
    holder = EmailDomain.objects.filter(domain=value).exclude(institution=institution).select_related(
        "institution").first()
    if holder:
        raise ValidationError(_("%(domain)s is already registered to %(name)s.")
                              % {"domain": value, "name": holder.institution.name})
    return value


class ApplicationForm(HoneypotMixin, forms.ModelForm):
    """The public membership application."""

    intended_groups = forms.MultipleChoiceField(
        label=_("Working groups it intends to join"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose any number; you can change this after joining."),
    )
    consent = forms.BooleanField(
        label=_("I am authorised to apply on behalf of the institution, and I agree that the secretariat keeps "
                "these details to handle the application and publishes the institution's name and profile "
                "once it is a member."),
        error_messages={"required": _("Please confirm to send the application.")},
    )

    class Meta:
        model = MembershipApplication
        fields = ["name_ja", "name_en", "name_kana", "kind", "category", "prefecture", "website", "email_domain",
                  "target_year", "applicant_name", "applicant_title", "applicant_email", "representative_name",
                  "representative_title", "intended_groups", "message"]
        widgets = {"message": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["intended_groups"].choices = extensions.application_choices()
        self.fields["applicant_email"].widget.attrs["autocomplete"] = "email"
        self.fields["applicant_name"].widget.attrs["autocomplete"] = "name"
        self.fields["website"].widget.attrs["placeholder"] = "https://"
        self.add_honeypot()

    def clean_email_domain(self):
        return clean_domain(self.cleaned_data.get("email_domain", ""))

    def clean(self):
        cleaned = super().clean()

        if cleaned.get("name_ja") and cleaned.get("name_en"):
            reason = duplicate_of(name_ja=cleaned["name_ja"], name_en=cleaned["name_en"],
                                  exclude_application=self.instance if self.instance.pk else None)
            if reason:
                self.add_error("name_ja", reason)
        return cleaned


class InstitutionForm(forms.ModelForm):
    """The profile an institution's contact edits."""

    email_domains = forms.CharField(
        label=_("E-mail domains of your staff"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. shinshu-u.ac.jp. People who sign up with these are offered your "
                    "institution."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = Institution
        fields = ["name_ja", "name_en", "name_kana", "website", "logo", "profile_ja", "profile_en", "target_year"]
        widgets = {
            "logo": forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
            "profile_ja": forms.Textarea(attrs={"rows": 6}),
            "profile_en": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {"logo": _("PNG, JPEG, WebP or GIF, at most 5 MB; it is resized to 512 pixels.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["email_domains"].initial = "\n".join(
                self.instance.email_domains.order_by("domain").values_list("domain", flat=True)
            )

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and logo is not self.instance.logo and hasattr(logo, "content_type"):
            return clean_image(logo, max_side=512, name=f"{self.instance.slug}-logo")
        return logo

    def clean_email_domains(self):
        domains = [clean_domain(line, institution=self.instance)
                   for line in self.cleaned_data.get("email_domains", "").split()]
        if len(domains) > 20:
            raise ValidationError(_("At most 20 domains."))
        return sorted(set(domains))

    def clean(self):
        cleaned = super().clean()
        name_ja = cleaned.get("name_ja")
        if name_ja and "name_ja" in self.changed_data:
            others = Institution.objects.exclude(pk=self.instance.pk).filter(search_text__contains=fold(name_ja))
            if any(fold(o.name_ja) == fold(name_ja) for o in others[:20]):
                self.add_error("name_ja", _("Another member already has this name."))
        return cleaned

    def save(self, commit=True):
        if self.cleaned_data.get("remove_logo") and not self.files.get("logo"):
            self.instance.logo = ""
        return super().save(commit)


class AffiliationRequestForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none())
    title = forms.CharField(label=_("Your position"), max_length=150, required=False)
    message = forms.CharField(label=_("Message to the institution's contact"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, suggestions=(), **kwargs):
        super().__init__(*args, **kwargs)

        qs, choices = institution_choices(suggestions)
        self.fields["institution"].queryset = qs
        self.fields["institution"].choices = choices


class DecisionForm(forms.Form):
    """Approve or refuse, with the reason a refusal needs."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))], widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Role"), choices=Affiliation.Role.choices, initial=Affiliation.Role.STAFF,
                             required=False)
    reason = forms.CharField(label=_("Reason (required to refuse)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class EndForm(forms.Form):
    """Ending an affiliation or a group membership: a reason, which one's own leaving needs not give."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)

    def refusal(self) -> ValidationError:
        return ValidationError([message for errors in self.errors.values() for message in errors])


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Affiliation.Role.choices)


class ApplicationDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Return for changes")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason or changes asked for"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required to return or reject; the applicant reads it."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") in ("return", "reject") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason; the applicant will read it."))
        return cleaned


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Institution.Status.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("For example the general meeting's resolution; kept in the history."))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8 or Shift_JIS; see the columns below."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise ValidationError(_("The file is too large (at most %(size)s MB).") % {"size": 5})
        return upload


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "language"]
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "name"})}


class AccessTokenForm(forms.Form):
    """A new personal access token for the API: a name and an expiry (prefixed: the account page's
    profile form has a "name" too)."""

    prefix = "token"

    name = forms.CharField(label=_("Name of the token"), max_length=100,
                           help_text=_("What it is for, e.g. the name of the script that uses it."))
    days = forms.TypedChoiceField(
        label=_("Expires after"), coerce=int, initial=90,
        choices=[(30, _("30 days")), (90, _("90 days")), (365, _("one year"))])


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("PDF, Word, Excel, PowerPoint, PNG or JPEG; at most 20 MB."))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)


class DocumentRemoveForm(forms.Form):
    """The confirmation of a document's removal (meetings' and initiatives'), with an optional reason."""

    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Kept in the documents' history with who removed the document and when."))
