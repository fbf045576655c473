"""The language-prefixed page of single sign-on: "sign in with your university"."""

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.socialaccount.providers.base.constants import AuthProcess
from django.conf import settings
from django.utils.translation import get_language
from django.views.generic import FormView

from .adapter import social_app
from .forms import UniversitySignInForm


class UniversitySignInView(FormView):
    """Public: an address in, a redirect to that university's identity provider out (the SAML
    request is made here, on POST, so the page needs no second click). ``next`` is kept when it
    is a safe address on this site."""

    template_name = "sso/university_sign_in.html"
    form_class = UniversitySignInForm

    def next_url(self):
        url = self.request.POST.get("next") or self.request.GET.get("next") or ""
        return url if url and get_account_adapter(self.request).is_safe_url(url) else None

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.next_url(), **kwargs)

    def form_valid(self, form):
        provider = social_app(form.provider).get_provider(self.request)
        # The SAML endpoints have no language prefix: the language cookie (as Django's set_language
        # sets it) brings the person back to pages in the language they read, error pages included,
        # and allauth's state carries it to a new account (the language of its e-mails).
        language = get_language()
        response = provider.redirect(self.request, AuthProcess.LOGIN, next_url=self.next_url(), language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response
