"""allauth's social-account adapter: our identity providers as allauth SAML apps, and the rules of
a first sign-in.

- ``list_apps``: every enabled ``IdentityProvider`` becomes an unsaved allauth ``SocialApp``
  (provider ``saml``, ``provider_id`` ``saml-<slug>``, ``client_id`` the slug);
- an address the provider asserts is verified only in the provider's own e-mail domains;
- a first sign-in joins an existing account only through an address that account has verified
  (allauth's default would also take an unverified one and wipe its password); with an unverified
  or unvouched address the person is told to sign in with their password instead;
- a new person gets an affiliation request for the provider's institution (its contacts decide
  it, as for any request).
"""

from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from ..models import User
from ..rules import is_verified_user
from ..services.affiliations import affiliation_request
from .models import IdentityProvider
from .selectors import provider_vouches_for

PREFIX = "saml-"


def social_app(idp: IdentityProvider) -> SocialApp:
    """The allauth app of one provider (not saved: the row of record is the IdentityProvider)."""
    return SocialApp(
        provider="saml",
        provider_id=idp.provider_id,
        name=str(idp.institution.name),
        client_id=idp.slug,
        settings={
            "idp": idp.idp_settings(),
            # A stable entity ID on the site's address, whatever host a request came in on.
            "sp": {"entity_id": settings.SITE_URL + reverse("saml_metadata", args=[idp.slug])},
            "attribute_mapping": {
                "uid": [idp.attr_uid],
                "email": [idp.attr_mail],
                "display_name": [idp.attr_display_name],
                "ja_display_name": [idp.attr_ja_display_name],
                "organization": [idp.attr_organization],
            },
            "advanced": {
                "strict": True,
                "want_assertion_signed": True,  # a signed response around an unsigned assertion is refused
                "reject_idp_initiated_sso": True,
            },
            "email_authentication": True,
        },
    )


def identity_provider(login) -> IdentityProvider | None:
    slug = login.provider.app.client_id if login.provider.app else None
    return IdentityProvider.objects.filter(slug=slug).select_related("institution").first()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        if provider not in (None, "saml") and not str(provider).startswith(PREFIX):
            return []
        providers = IdentityProvider.objects.enabled().select_related("institution")
        if provider and provider != "saml":
            providers = providers.filter(slug=provider.removeprefix(PREFIX))
        if client_id:
            providers = providers.filter(slug=client_id)
        return [social_app(idp) for idp in providers]

    def is_email_verified(self, provider, email) -> bool:
        idp = IdentityProvider.objects.filter(slug=provider.app.client_id).first() if provider.app else None
        return bool(idp and email and provider_vouches_for(idp, email))

    def authenticate_by_email(self, sociallogin):
        """An existing account is joined only through an address it has verified itself, and that
        the provider vouches for."""
        for address in sociallogin.email_addresses:
            if not address.verified:
                continue
            row = (EmailAddress.objects.filter(email__iexact=address.email, verified=True)
                   .select_related("user").first())
            if row and row.user.is_active:
                return row.user, address.email
        return None

    def pre_social_login(self, request, sociallogin):
        """The language the sign-in began in comes back (the SAML endpoints have no prefix). A new
        sign-in whose address already belongs to an account it may not join is told so, rather
        than offered a second account for the same address."""
        language = sociallogin.state.get("language")
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        if sociallogin.is_existing or sociallogin.state.get("process") == "connect":
            return
        emails = [a.email for a in sociallogin.email_addresses]
        if any(User.objects.filter(email__iexact=e).exists() or EmailAddress.objects.filter(email__iexact=e).exists()
               for e in emails):
            raise ImmediateHttpResponse(render(request, "sso/account_exists.html", {
                "email": emails[0], "provider": identity_provider(sociallogin),
            }, status=409))

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.name = (data.get("ja_display_name") or data.get("display_name") or "")[:150]
        user.email = (user.email or "").lower()
        return user

    def save_user(self, request, sociallogin, form=None):
        """Side effects: when the provider vouched for the address, an affiliation request for its
        institution (a notice to its contacts, who decide it as any other)."""
        if sociallogin.state.get("language") in dict(settings.LANGUAGES):
            sociallogin.user.language = sociallogin.state["language"]
        user = super().save_user(request, sociallogin, form)
        idp = identity_provider(sociallogin)
        # An address the provider does not vouch for is verified by mail first; the person then
        # asks from their account page, where their e-mail domain suggests institutions as usual.
        if idp and idp.institution.is_active and is_verified_user(user):
            affiliation_request(user=user, institution=idp.institution)
        return user
