from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .selectors import provider_for_email


class UniversitySignInForm(forms.Form):
    """The address a person types finds their university's identity provider."""

    email = forms.EmailField(
        label=_("Your university e-mail address"), max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        self.provider = provider_for_email(email)
        if self.provider is None:
            raise ValidationError(
                _("No university sign-in is set up for %(domain)s. Sign in with your password, or ask your "
                  "institution's contact to have its sign-in set up by the secretariat."),
                params={"domain": email.rsplit("@", 1)[-1]}, code="unknown_domain",
            )
        return email
