"""Context every page needs: the portal's name and which section of the site is open."""

from functools import partial

from django.conf import settings

from .waiting import waiting_count

# The top menu's entry of each first path segment (after the language prefix). A namespace is not
# enough: initiatives live in ``working_groups``, the account and the secretariat in ``members``.
SECTIONS = {"members": "members", "working-groups": "working_groups", "initiatives": "initiatives",
            "meetings": "meetings", "account": "account", "accounts": "account", "secretariat": "secretariat",
            "general-meeting": "general_meeting", "motions": "general_meeting", "progress": "progress",
            "news": "news", "newsletter": "news", "about": "about", "partners": "cooperation",
            "needs": "cooperation", "expertise": "cooperation"}
LANGUAGE_CODES = {code for code, _ in settings.LANGUAGES}


def section_of(request) -> str:
    parts = [p for p in request.path_info.split("/") if p]
    if parts and parts[0] in LANGUAGE_CODES:
        parts = parts[1:]
    if parts and parts[0] in SECTIONS:
        return SECTIONS[parts[0]]
    match = getattr(request, "resolver_match", None)
    return (match.namespace or match.url_name) if match else ""


def site(request):
    return {
        "portal_name": settings.PORTAL_NAME,
        "site_url": settings.SITE_URL,
        "secretariat_email": settings.SECRETARIAT_EMAIL,
        "section": section_of(request),
        # a callable: computed only where a template shows it (the top menu, signed in), once per request
        "waiting_count": partial(waiting_count, request),
    }
