"""Versioned cache namespaces: how cached pages and fragments learn that the content changed.

Each namespace (``members``, ``groups``, ``initiatives``, ``meetings``) has a version number in the
cache. Cached pages and fragments put the versions they depend on into their keys; a write to a model
of the namespace bumps its version (model signals, connected by each app: invalidation is plumbing,
not domain flow), so the next request misses and renders fresh. Nothing is deleted: old entries
expire on their own (PAGE_CACHE_SECONDS bounds how long anything can be served).

When an entry is missing (a namespace was bumped, or it expired), one process recomputes it while
the others serve the previous value, kept under a key without the versions, or, when there is
none, wait for the one computing (``single_flight``): several web workers never run the same
half-second count at once.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

NAMESPACES = ("members", "groups", "initiatives", "meetings", "cooperation", "news")


def _key(namespace: str) -> str:
    return f"ns-version:{namespace}"


def versions(*namespaces: str) -> str:
    """The current versions of ``namespaces`` as one string for a cache key (one round trip), with the
    running release's, so a deploy does not serve what the previous code rendered."""
    keys = [_key(ns) for ns in namespaces]
    found = cache.get_many(keys)
    return ".".join([settings.RELEASE[:12], *(str(found.get(k, 0)) for k in keys)])


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


def _digest(parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def fragment_key(name: str, namespaces: tuple[str, ...], *parts) -> str:
    return f"frag:{name}:{versions(*namespaces)}:{_digest(parts)}"


def cached_fragment(name: str, namespaces: tuple[str, ...], parts: tuple, compute, timeout: int = 600):
    """``compute()``'s value, cached until one of ``namespaces`` changes (or ``timeout`` passes);
    computed by one process at a time (``single_flight``), the others served the previous value."""
    return single_flight(fragment_key(name, namespaces, *parts), compute, timeout=timeout,
                         stale_key=f"frag-stale:{name}:{_digest((settings.RELEASE, *parts))}")


# How long a computation may hold its lock (a process that dies holding it frees it then), and how
# long another waits for it when there is no previous value to serve before computing itself.
LOCK_SECONDS = 30
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.02
STALE_SECONDS = 24 * 60 * 60


def single_flight(key: str, compute, *, timeout: int, stale_key: str | None = None):
    """``compute()``'s value under ``key``, computed by one process at a time. The first to miss
    takes a lock (an atomic add in the cache) and computes; the others get the value last stored
    under ``stale_key`` (the same content under older versions) at once, or, when there is none,
    wait until the value appears (or the lock is free, then take it; or WAIT_SECONDS pass, then
    compute themselves). ``compute()`` must not return None."""
    value = cache.get(key)
    if value is not None:
        return value
    lock = f"lock:{key}"
    if not cache.add(lock, 1, LOCK_SECONDS):
        stale = cache.get(stale_key) if stale_key else None
        if stale is not None:
            return stale
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            value = cache.get(key)
            if value is not None:
                return value
            if cache.add(lock, 1, LOCK_SECONDS):
                break  # the one computing gave up (or died): this process computes
        else:
            return compute()  # waited long enough; computing beside the other beats failing
    # The one computing may have stored the value and freed the lock between our read and our lock.
    value = cache.get(key)
    if value is not None:
        cache.delete(lock)
        return value
    try:
        value = compute()
        cache.set(key, value, timeout)
        if stale_key:
            cache.set(stale_key, value, STALE_SECONDS)
    finally:
        cache.delete(lock)
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
