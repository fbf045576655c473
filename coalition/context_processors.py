"""Context every page needs: the portal's name and which section of the site is open."""

from django.conf import settings


def site(request):
    match = getattr(request, "resolver_match", None)
    return {
        "portal_name": settings.PORTAL_NAME,
        "site_url": settings.SITE_URL,
        "secretariat_email": settings.SECRETARIAT_EMAIL,
        "section": (match.namespace or match.url_name) if match else "",
    }
