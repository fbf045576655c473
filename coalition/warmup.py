"""A web node's master process, warmed before it forks its workers (deploy/gunicorn.conf.py).

gunicorn loads the portal once in its master (``preload_app``) and forks the workers from it, but
Django builds much of what a page needs on the first request that needs it: the URL patterns'
lookup tables, the compiled templates (the cached loader), both languages' translation catalogs.
Each worker built them again on its first request (0.6 s on the benchmark's machine, where a page
takes 20 ms), and again after every restart (``max_requests``): a stall of one worker in four, in
bursts when workers reach their limit together. Answering a few pages in the master first puts all
of that in every worker from its start (and in ``gc.freeze``'s frozen objects, so no collection
walks it), at the cost of about a second when the node starts (three with Redis emptied, at the
large bench scale: the pages' shared counts computed once).
"""

import logging
from io import BytesIO
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

# The pages most visited, in both languages: between them they use the base template and its
# includes, the lists' filters and cards, and the two catalogs.
PATHS = ("/ja/", "/en/", "/ja/initiatives/", "/en/initiatives/", "/ja/members/", "/ja/meetings/",
         "/ja/needs/", "/ja/working-groups/")


def _environ(path: str) -> dict:
    """A visitor's GET of ``path`` through the TLS proxy, as the site's own host."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": host, "SERVER_PORT": "443", "HTTP_HOST": host, "HTTP_X_FORWARDED_PROTO": "https",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http", "wsgi.input": BytesIO(), "wsgi.errors": BytesIO(), "wsgi.multithread": False,
        "wsgi.multiprocess": True, "wsgi.run_once": False,
    }


def _answer(application, path: str) -> str:
    """The status line of ``application``'s answer to ``path``, its body read to the end."""
    seen = []
    body = application(_environ(path), lambda status, headers, exc_info=None: seen.append(status))
    try:
        for _chunk in body:
            pass
    finally:
        if hasattr(body, "close"):
            body.close()
    return seen[0] if seen else "no answer"


def warm(application, paths=PATHS) -> list[str]:
    """Answer each of ``paths`` once through ``application`` (a WSGI callable), then close the
    database connections the answers opened: the forked workers must not share them. Returns the
    status line of each; a page that fails (the database not up yet) is logged, never raised, and
    ends the warming: a cold worker is slower, not broken."""
    statuses = []
    try:
        for path in paths:
            try:
                statuses.append(_answer(application, path))
            except Exception:  # noqa: BLE001 - warming is an optimisation: the node starts anyway
                # the database or Redis not up yet: the next pages would wait for it too
                logger.warning("warming %s failed; the workers will build what it needs on their first "
                               "request", path, exc_info=True)
                statuses.append("failed")
                break
    finally:
        connections.close_all()
    return statuses
