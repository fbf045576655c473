"""allauth adapter: how accounts are created and how their e-mails leave the portal."""

import time
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.conf import settings

from .i18n import current_language
from .notifications.rendering import absolute
from .notifications.services import notify
from .services.applications import invitations_accept


def on_site_url(request, value):
    """allauth makes its links (confirm, reset, sign up) from the request's host; the portal's
    links all come from settings.SITE_URL, whatever name the page was reached by."""
    if request is None or not isinstance(value, str):
        return value
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc == request.get_host():
        return absolute(urlunsplit(("", "", parts.path, parts.query, parts.fragment)))
    return value


def this_site():
    """What allauth's templates call the site (``current_site.name``, ``.domain``): the portal's
    name and SITE_URL's host, not the host name of the request."""
    return SimpleNamespace(name=str(settings.PORTAL_NAME), domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """The failed sign-ins of one account are counted per client (its address, behind trusted
        proxies: TRUSTED_PROXY_COUNT), not per account alone: five wrong passwords typed by a
        stranger for someone else's address would otherwise lock that person out from every
        client for five minutes. A guesser still gets 5 tries per account per 5 minutes from one
        address and 10 failures a minute in all (ACCOUNT_RATE_LIMITS), against passwords of at
        least 10 characters that are not common ones. allauth's private hook, the one place its
        key is made (sign-in and clearing after a password reset); tests/members/test_accounts.py
        fails if allauth stops calling it."""
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{self.get_client_ip(request)}"

    def send_mail(self, template_prefix, email, context_):
        """allauth's mail goes through the outbox like every other e-mail, rendered now (in the
        language of the page the person is on) because its context holds live objects. The stored
        body is cleared once sent (registry.Kind.transactional)."""
        request = context.request
        context_ = {key: on_site_url(request, value) for key, value in context_.items()}
        ctx = {"request": request, "email": email, "current_site": this_site(), **context_}
        message = self.render_mail(template_prefix, email, ctx)
        html = next((c for c, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
        # Each account e-mail is its own event (a second reset link is a new message).
        period = f"{template_prefix}:{time.time_ns()}"
        notify(
            kind="account",
            to=[email],
            period=period,
            language=current_language(),
            context={"subject": message.subject, "text": message.body, "html": html},
        )

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.email = user.email.lower()
        if commit:
            user.save()
        return user

    def confirm_email(self, request, email_address):
        """Once an address is proven, approved applications sent from it make the person their
        institution's contact (the invitation of the application flow)."""
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            invitations_accept(user=email_address.user, email=email_address.email)
        return confirmed
