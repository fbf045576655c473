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

    def get_ident(self, request):
        # The client's address as the proxy middleware left it in REMOTE_ADDR (the deployment's trusted
        # proxies only). DRF's own get_ident takes a client-written X-Forwarded-For as it is, so a
        # visitor sending another one on each request would never be counted twice.
        return request.META.get("REMOTE_ADDR", "")


class TokenThrottle(SimpleRateThrottle):
    scope = "api-token"

    def get_rate(self):
        return f"{settings.API_RATE_TOKEN}/min"

    def get_cache_key(self, request, view):
        if request.auth is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
