"""The second-factor step of allauth's sign-in, satisfied by the identity provider's own MFA.

allauth asks every sign-in of an account with TOTP for the code, sign-ins through a social
account included; the secretariat always has TOTP (members.rules.is_secretariat), so SSO never
bypasses it. The one exception: a SAML assertion that carries the REFEDS MFA authentication
context class (https://refeds.org/profile/mfa), i.e. the university asserts that the person used a
second factor there, from a provider the secretariat marked to be trusted for it
(``IdentityProvider.trust_mfa``, off by default: a provider's administrators already vouch for the
first factor of the accounts in its domains, and should not also hold the second unless chosen).
``members.adapters.AccountAdapter.get_login_stages`` puts this stage in the place of allauth's.
"""

from allauth.mfa import stages

from .models import REFEDS_MFA, IdentityProvider
from .saml import AUTHN_CONTEXT_KEY


def asserted_mfa(login) -> bool:
    sociallogin = (login.signal_kwargs or {}).get("sociallogin")
    if sociallogin is None or not sociallogin.account.provider.startswith("saml"):
        return False
    if REFEDS_MFA not in (sociallogin.account.extra_data or {}).get(AUTHN_CONTEXT_KEY, []):
        return False
    slug = sociallogin.account.provider.removeprefix("saml-")
    return IdentityProvider.objects.filter(slug=slug, enabled=True, trust_mfa=True).exists()


class AuthenticateStage(stages.AuthenticateStage):
    def handle(self):
        if asserted_mfa(self.login):
            return None, True
        return super().handle()
