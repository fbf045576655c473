"""Which URL patterns of the project the permission matrices reach.

Each matrix module states the URL names it requests as ``COVERED_URL_NAMES``, computed from its own
actions: every action's ``path(world)`` is called with a ``Probe`` in place of the world and the path
it builds is resolved. So the list cannot drift from the parametrization; tests/coalition/
test_security.py then compares the union with every URL pattern of the project.
"""

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import translation


class Probe:
    """A stand-in for a test world: any attribute or item of it is itself, and it prints as "1",
    which every converter of our URLs accepts (int, slug, str, path)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key):
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __str__(self):
        return "1"

    def __format__(self, spec):
        return "1"


def url_name(path: str) -> str:
    """The namespaced name of the pattern ``path`` resolves to (``members:directory``, ``home``)."""
    path = urlsplit(path).path
    language = path.split("/")[1] if path.count("/") > 1 else ""
    with translation.override(language if language in ("ja", "en") else None):
        return resolve(path).view_name


def url_names(paths: Iterable[Callable]) -> frozenset[str]:
    """The URL names reached by path builders ``path(world) -> str``."""
    probe = Probe()
    return frozenset(url_name(path(probe)) for path in paths)


def url_patterns():
    """(namespace, namespaced name, route, view callable) of every URL pattern, includes walked."""

    def walk(patterns, namespace, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                yield from walk(entry.url_patterns, inner, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
                yield namespace, name, prefix + str(entry.pattern), entry.callback

    with translation.override("ja"):
        return list(walk(get_resolver().url_patterns, None, ""))
