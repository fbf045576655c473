"""allauth's SAML provider with two additions.

``CoalitionSAMLProvider`` takes the place of allauth's (``SOCIALACCOUNT_PROVIDERS["saml"]
["provider_class"]``, allauth's documented switch) and adds, where the verified response is turned into
a social login:

- a replay cache: an assertion's ID is remembered in the cache (Redis in production) until its
  ``NotOnOrAfter``, and a second use is refused. allauth already refuses a response whose
  ``InResponseTo`` is not a request this browser session made (its state is used once), and
  refuses IdP-initiated sign-in; the cache also refuses the same assertion posted in another
  session or through an IdP-initiated path, whatever the settings.
- the authentication context classes the IdP asserted, kept on the login (``AUTHN_CONTEXT_KEY``
  in the social account's ``extra_data``) for ``members.sso.stages``: the REFEDS MFA class stands
  in for the portal's own second factor.
"""

import time

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.saml.provider import SAMLProvider
from django.core.cache import cache

AUTHN_CONTEXT_KEY = "coalition:authn_context_class_refs"
# An assertion without NotOnOrAfter on its subject confirmation is still remembered this long.
REPLAY_FALLBACK_SECONDS = 60 * 60


def assertion_first_use(assertion_id: str, not_on_or_after: float | None) -> bool:
    """True the first time an assertion ID is seen; False for a replay (cache.add is atomic)."""
    remaining = (not_on_or_after - time.time()) if not_on_or_after else REPLAY_FALLBACK_SECONDS
    return cache.add(f"sso:assertion:{assertion_id}", 1, timeout=max(int(remaining) + 1, 1))


class CoalitionSAMLProvider(SAMLProvider):
    # allauth mounts ``<package>.urls`` under /<lang>/accounts/; ours is empty on purpose, the
    # endpoints are mounted by the root URLs (members/sso/urls.py says where and why).
    package = "members.sso"

    def sociallogin_from_response(self, request, response):
        if not assertion_first_use(response.get_last_assertion_id(), response.get_last_assertion_not_on_or_after()):
            raise ImmediateHttpResponse(render_authentication_error(
                request, self, extra_context={"saml_errors": ["replayed"],
                                              "saml_last_error_reason": "assertion replayed"},
            ))
        login = super().sociallogin_from_response(request, response)
        # Set after the attributes, so an attribute of the same name can never stand in for it.
        login.account.extra_data[AUTHN_CONTEXT_KEY] = list(response.get_last_authn_contexts())
        return login

