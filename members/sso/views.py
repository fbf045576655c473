"""The language-prefixed page of single sign-on ("sign in with your university") and the CSP of
the pages that send the browser on to an identity provider."""

from functools import wraps

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.socialaccount.providers.base.constants import AuthProcess
from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext
from django.views.generic import FormView

from .adapter import social_app
from .forms import UniversitySignInForm


def host_required(view, methods=("GET", "HEAD", "POST")):
    """allauth's SAML code reads the Host header as it is (``request.META["HTTP_HOST"]``) to build
    the addresses it checks an answer against; without one (an HTTP/1.0 client, a probe) it failed
    with a KeyError, a 500. Browsers always send it: a request without it, by one of ``methods``
    (those that reach python3-saml), is a bad request."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method in methods and not request.META.get("HTTP_HOST"):
            reason = gettext("The request has no Host header, which university sign-in needs. Sign in again from "
                             "the portal's sign-in page in a web browser.")
            return HttpResponse(render_to_string("400.html", {"reason": reason}, request=request), status=400)
        return view(request, *args, **kwargs)

    return wrapped


def idp_form_action(view):
    """The portal's CSP lets forms post to the portal only ("form-action 'self'"), and browsers
    apply that to where the post redirects too: the sign-in pages that send the browser on to an
    IdP also allow SSO_FORM_ACTION (default: any https address; the IdPs are the universities'
    own, and the address the form leads to is chosen by the portal, never by the page)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        config = {"form-action": ["'self'", *settings.SSO_FORM_ACTION]}
        return csp_update(config)(lambda request: response)(request)

    return wrapped


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
