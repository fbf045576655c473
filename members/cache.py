"""Versioned cache namespaces: how cached pages and fragments learn that the content changed.

Each namespace (``members``, ``groups``, ``initiatives``, ``meetings``) has a version number in the
cache. Cached pages and fragments put the versions they depend on into their keys; a write to a model
of the namespace bumps its version (model signals, connected by each app: invalidation is plumbing,
not domain flow), so the next request misses and renders fresh. Nothing is deleted: old entries
expire on their own (PAGE_CACHE_SECONDS bounds how long anything can be served).
"""

import hashlib

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

NAMESPACES = ("members", "groups", "initiatives", "meetings", "cooperation", "news")


def _key(namespace: str) -> str:
    return f"ns-version:{namespace}"


def versions(*namespaces: str) -> str:
    """The current versions of ``namespaces`` as one string for a cache key (one round trip)."""
    keys = [_key(ns) for ns in namespaces]
    found = cache.get_many(keys)
    return ".".join(str(found.get(k, 0)) for k in keys)


def bump(*namespaces: str) -> None:
    """Invalidate everything cached under ``namespaces``: now (the writer's own next read misses) and
    again after the transaction commits (a reader that cached the old content under the first new
    version, while the transaction was open, is not served that entry)."""

    def do():
        for ns in namespaces:
            try:
                cache.incr(_key(ns))
            except ValueError:
                cache.set(_key(ns), 1, timeout=None)

    do()
    transaction.on_commit(do)


def fragment_key(name: str, namespaces: tuple[str, ...], *parts) -> str:
    raw = "|".join(str(p) for p in parts)
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"frag:{name}:{versions(*namespaces)}:{digest}"


def cached_fragment(name: str, namespaces: tuple[str, ...], parts: tuple, compute, timeout: int = 600):
    """``compute()``'s value, cached until one of ``namespaces`` changes (or ``timeout`` passes)."""
    key = fragment_key(name, namespaces, *parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def invalidate_on_save(model, *namespaces: str, unseen=None) -> None:
    """Bump ``namespaces`` whenever ``model`` is saved or deleted (and for its many-to-many).

    ``unseen(instance, created)`` may tell that a write cannot change anything a cached page or
    fragment shows, so that writes nobody else can see (a new draft, a request waiting for a
    decision) do not throw away every visitor's cached page: ``created`` is True for a new row,
    False for a change to an existing one (which may have been visible before), None for a change
    to the row's own many-to-many. A deletion always bumps."""
    def saved(sender, instance, created, **kwargs):
        if unseen is None or not unseen(instance, created):
            bump(*namespaces)

    def deleted(sender, **kwargs):
        bump(*namespaces)

    def related(sender, instance, reverse, **kwargs):
        if unseen is None or reverse or not unseen(instance, None):
            bump(*namespaces)

    uid = f"cache-{model._meta.label}"
    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"{uid}-save")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"{uid}-delete")
    for field in model._meta.many_to_many:
        m2m_changed.connect(related, sender=field.remote_field.through, weak=False,
                            dispatch_uid=f"{uid}-{field.name}")
