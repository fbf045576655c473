"""Rate limits of the API: per address for visitors, per token for token holders (counts in the
default cache, so every web node shares them). Rates are read from settings at each request."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class VisitorThrottle(SimpleRateThrottle):
    scope = "api-visitor"

    def get_rate(self):
        return f"{settings.API_RATE_VISITOR}/min"

    def get_cache_key(self, request, view):
        if request.auth is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenThrottle(SimpleRateThrottle):
    scope = "api-token"

    def get_rate(self):
        return f"{settings.API_RATE_TOKEN}/min"

    def get_cache_key(self, request, view):
        if request.auth is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
