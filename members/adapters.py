"""allauth adapter: how accounts are created and how their e-mails leave the portal."""

import time
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from .i18n import current_language
from .notifications.services import notify
from .services.applications import invitations_accept


def on_site(url: str) -> str:
    """An absolute URL of this site moved onto SITE_URL (allauth builds its links from the request)."""
    parts = urlsplit(url)
    if not (parts.scheme and parts.netloc):
        return url
    return settings.SITE_URL + urlunsplit(("", "", parts.path, parts.query, parts.fragment))


def account_html(subject: str, text: str) -> str:
    """The HTML part of an account e-mail: its text (without the signature, which the layout has)
    as paragraphs, links made clickable, in the layout of the portal's other e-mails."""
    content = text.split("\n-- \n", 1)[0]
    paragraphs = [p.strip() for p in content.strip().split("\n\n") if p.strip()]
    return render_to_string("account/email/message.html", {
        "subject": subject, "paragraphs": paragraphs, "site_url": settings.SITE_URL,
        "notification": {"language": current_language()},
    })


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

    def format_email_subject(self, subject: str) -> str:
        prefix = _("University Coalition")  # the short name, in the page's language
        return f"[{prefix}] {subject}"

    def send_mail(self, template_prefix, email, context_):
        """allauth's mail goes through the outbox like every other e-mail, rendered now (in the
        language of the page the person is on) because its context holds live objects. The stored
        body is cleared once sent (registry.Kind.transactional).

        allauth has text templates only (ours, in templates/account/email/); the HTML part is that
        text in the portal's HTML layout, so that a mail client that prefers HTML shows the same
        words and links (an empty HTML part showed a blank message)."""
        request = context.request
        # Links on the site's one address (SITE_URL), as in every other e-mail, not on the host the
        # request happened to use.
        context_ = {k: on_site(v) if k.endswith("_url") and isinstance(v, str) else v for k, v in context_.items()}
        ctx = {"request": request, "email": email, "current_site": this_site(),
               "site_url": settings.SITE_URL, **context_}
        message = self.render_mail(template_prefix, email, ctx)
        html = next((c for c, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
        if not html.strip():
            html = account_html(message.subject, message.body)
        # Each account e-mail is its own event (a second reset link is a new message).
        period = f"{template_prefix}:{time.time_ns()}"
        notify(
            kind="account",
            to=[email],
            period=period,
            language=current_language(),
            context={"subject": message.subject, "text": message.body, "html": html},
        )

    def get_login_stages(self) -> list[str]:
        """allauth's stages, with its second-factor step replaced by ours, which also accepts the
        REFEDS MFA context of a university sign-in (members/sso/stages.py)."""
        ours = {"allauth.mfa.stages.AuthenticateStage": "members.sso.stages.AuthenticateStage"}
        return [ours.get(stage, stage) for stage in super().get_login_stages()]

    def get_login_redirect_url(self, request):
        """The secretariat lands on its work queue; everyone else on their own home, ``/`` (an explicit
        ``next`` still wins)."""
        if request.user.has_perm("members.use_secretariat"):
            return reverse("members:secretariat")
        return super().get_login_redirect_url(request)

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
