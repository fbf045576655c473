"""Forms of the members app."""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .i18n import current_language


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
        self.order_fields(self.field_order)

    def save(self, request):
        user = super().save(request)
        user.name = self.cleaned_data["name"]
        user.language = self.cleaned_data["language"]
        user.save(update_fields=["name", "language"])
        return user
