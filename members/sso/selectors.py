"""Reads of single sign-on: which provider serves an address."""

from ..selectors import email_domain_candidates
from .models import IdentityProvider, IdentityProviderDomain


def provider_for_email(email: str) -> IdentityProvider | None:
    """The enabled provider of the most specific registered domain of the address (a@lab.example.ac.jp
    finds lab.example.ac.jp before example.ac.jp), or None. One query."""
    candidates = email_domain_candidates(email)
    rows = {
        row.domain: row.provider
        for row in IdentityProviderDomain.objects.filter(
            domain__in=candidates, provider__in=IdentityProvider.objects.enabled()
        ).select_related("provider__institution")
    }
    return next((rows[d] for d in candidates if d in rows), None)


def provider_vouches_for(provider: IdentityProvider, email: str) -> bool:
    """Whether the provider's assertion of this address counts as verified: it is in one of the
    provider's own domains (a university vouches for its addresses, not for a webmail address)."""
    candidates = set(email_domain_candidates(email))
    return any(d.domain in candidates for d in provider.domains.all())
