"""Versioned cache namespaces: how cached pages and fragments learn that the content changed.

Each namespace (``members``, ``groups``, ``initiatives``, ``meetings``) has a version number in the
cache. Cached pages and fragments put the versions they depend on into their keys; a write to a model
of the namespace bumps its version (model signals, connected by each app: invalidation is plumbing,
not domain flow), so the next request misses and renders fresh. Nothing is deleted: old entries
expire on their own (PAGE_CACHE_SECONDS bounds how long anything can be served).

When an entry is missing (a namespace was bumped, or it expired), one process recomputes it while
the others serve the previous value, kept under a key without the versions, or, when there is
none, wait for the one computing (``single_flight``): several web workers never run the same
half-second count at once. The lock holds a random token and is freed only by its holder (an atomic
compare-and-delete in Redis), and a wait is short (WAIT_SECONDS): a stuck computation costs the
others two seconds each, not a worker each for as long as it hangs.
"""

import hashlib
import secrets
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

NAMESPACES = ("members", "groups", "initiatives", "meetings", "cooperation", "news")


def _key(namespace: str) -> str:
    return f"ns-version:{namespace}"


# The versions a request has read, by namespace (``versions_per_request``); None outside a request.
_known_versions: ContextVar[dict | None] = ContextVar("cache_versions", default=None)


@contextmanager
def versions_per_request():
    """Within this block (a request: coalition.middleware.CacheVersionsPerRequest) the namespaces'
    versions are read from the cache once, all of them in the first round trip, and kept: a page
    with its page-cache key and three cached fragments read them four times, a Redis round trip
    each. The page is rendered against the versions of its first read, as if it had been rendered
    at that moment; the request's own writes (``bump``) update what it keeps."""
    token = _known_versions.set({})
    try:
        yield
    finally:
        _known_versions.reset(token)


def versions(*namespaces: str) -> str:
    """The current versions of ``namespaces`` as one string for a cache key (one round trip, none
    when the request has read them already), with the running release's, so a deploy does not serve
    what the previous code rendered."""
    known = _known_versions.get()
    if known is None:
        keys = [_key(ns) for ns in namespaces]
        found = cache.get_many(keys)
        return ".".join([settings.RELEASE[:12], *(str(found.get(k, 0)) for k in keys)])
    missing = [ns for ns in namespaces if ns not in known]
    if missing:
        wanted = list(dict.fromkeys([*missing, *NAMESPACES])) if not known else missing
        found = cache.get_many([_key(ns) for ns in wanted])
        known.update((ns, found.get(_key(ns), 0)) for ns in wanted)
    return ".".join([settings.RELEASE[:12], *(str(known[ns]) for ns in namespaces)])


def bump(*namespaces: str) -> None:
    """Invalidate everything cached under ``namespaces``: now (the writer's own next read misses) and
    again after the transaction commits (a reader that cached the old content under the first new
    version, while the transaction was open, is not served that entry)."""

    def do():
        known = _known_versions.get()
        for ns in namespaces:
            try:
                version = cache.incr(_key(ns))
            except ValueError:
                version = 1
                cache.set(_key(ns), version, timeout=None)
            if known is not None:
                known[ns] = version

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


def cached_fragments(name: str, namespaces: tuple[str, ...], parts: dict, compute, timeout: int = 600) -> dict:
    """``cached_fragment`` for several fragments of one kind at once: ``parts`` maps each item to its
    key's parts, ``compute(item)`` computes one. The ones cached are read in one round trip, each
    missing one is computed as ``cached_fragment`` computes it (one process at a time)."""
    keys = {item: fragment_key(name, namespaces, *item_parts) for item, item_parts in parts.items()}
    found = cache.get_many(list(keys.values()))
    return {item: found[key] if key in found else
            cached_fragment(name, namespaces, parts[item], lambda item=item: compute(item), timeout)
            for item, key in keys.items()}


# How long a computation may hold its lock: a process that dies (or hangs) holding it frees it then.
LOCK_SECONDS = 30
# How long a request with no previous value to serve waits for the one computing before it computes
# beside it. A waiting request holds a web worker (a synchronous gunicorn process) but no CPU, so on
# a busy machine waiting beats computing the same thing twice, as long as the one computing makes
# progress: the wait is a few times the slowest shared computation measured (the large scale's
# half-second facet count, slower under load). Past that the one computing is probably stuck (on a
# database lock, say: gunicorn kills it at its 30 s timeout, and its lock expires with it), and
# computing beside it costs one more copy of the work where waiting on would hold a worker for
# nothing, request after request.
WAIT_SECONDS = 2.0
POLL_SECONDS = 0.02
STALE_SECONDS = 24 * 60 * 60

# Frees a lock only when it still holds the caller's token, in one step on the Redis server.
_RELEASE_SCRIPT = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
end
return 0
"""
_redis_clients = {}


def _redis():
    """A redis-py client on the cache's Redis (the same server and database), or None when the
    cache is not Redis (development without REDIS_URL: the in-process cache)."""
    config = settings.CACHES["default"]
    if not config["BACKEND"].endswith(".RedisCache"):
        return None
    location = config["LOCATION"]
    if location not in _redis_clients:
        import redis  # noqa: PLC0415 -- only when the cache is Redis (development runs without it)

        options = config.get("OPTIONS", {})
        client = redis.Redis.from_url(location, socket_connect_timeout=options.get("socket_connect_timeout"),
                                      socket_timeout=options.get("socket_timeout"))
        _redis_clients[location] = (client, client.register_script(_RELEASE_SCRIPT))
    return _redis_clients[location]


def window_counts(name: str, seconds: int, now: float) -> tuple[int, int]:
    """Count one more event of ``name`` in the current window of ``seconds``, atomically (one Redis
    INCR: concurrent workers never lose a count), and return ``(this window's count, the previous
    window's)`` in one round trip. Each window's counter expires after the next one. A rate limit's
    cost does not grow with its rate (DRF's own throttle reads and writes the list of every request
    of the last minute, and two workers writing it at once lose one of the two)."""
    window = int(now // seconds)
    current, previous = cache.make_key(f"{name}:{window}"), cache.make_key(f"{name}:{window - 1}")
    found = _redis()
    if found is None:
        cache.add(f"{name}:{window}", 0, 2 * seconds)
        return cache.incr(f"{name}:{window}"), cache.get(f"{name}:{window - 1}", 0)
    client, _ = found
    pipeline = client.pipeline(transaction=False)
    pipeline.incr(current)
    pipeline.expire(current, 2 * seconds)
    pipeline.get(previous)
    count, _expiry, before = pipeline.execute()
    return int(count), int(before or 0)


def lock_acquire(name: str) -> str | None:
    """Take the lock ``name`` for LOCK_SECONDS at most: a random token to free it with
    (``lock_release``), or None when another process holds it."""
    token = secrets.token_hex(16)
    key = cache.make_key(name)
    found = _redis()
    if found is None:
        return token if cache.add(name, token, LOCK_SECONDS) else None
    client, _ = found
    return token if client.set(key, token, nx=True, ex=LOCK_SECONDS) else None


def lock_release(name: str, token: str) -> bool:
    """Free the lock ``name`` if it still holds ``token``; True when it did. A computation that
    outlived LOCK_SECONDS lost its lock, perhaps to another process that is computing now: deleting
    the key unconditionally would free that one's lock too, and let a third start the same work.
    In Redis the test and the delete are one script (atomic); the in-process cache of development
    has no other process to race with."""
    found = _redis()
    if found is None:
        if cache.get(name) == token:
            return cache.delete(name)
        return False
    _, release = found
    return bool(release(keys=[cache.make_key(name)], args=[token]))


def single_flight(key: str, compute, *, timeout: int, stale_key: str | None = None):
    """``compute()``'s value under ``key``, computed by one process at a time. The first to miss
    takes a lock (``lock_acquire``) and computes; the others get the value last stored under
    ``stale_key`` (the same content under older versions) at once, or, when there is none, wait
    until the value appears (or the lock is free, then take it; or WAIT_SECONDS pass, then compute
    themselves, without storing over the one computing). ``compute()`` must not return None."""
    value = cache.get(key)
    if value is not None:
        return value
    lock = f"lock:{key}"
    token = lock_acquire(lock)
    if token is None:
        # the one computing may have stored the value since our first read: it beats the stale one
        found = cache.get_many([key, stale_key] if stale_key else [key])
        if key in found:
            return found[key]
        if stale_key in found:
            return found[stale_key]
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            value = cache.get(key)
            if value is not None:
                return value
            token = lock_acquire(lock)
            if token is not None:
                break  # the one computing gave up (or died): this process computes
        else:
            return compute()  # waited long enough; computing beside the other beats failing
    try:
        # The one computing may have stored the value and freed the lock between our read and our lock.
        value = cache.get(key)
        if value is not None:
            return value
        value = compute()
        cache.set(key, value, timeout)
        if stale_key:
            cache.set(stale_key, value, STALE_SECONDS)
    finally:
        lock_release(lock, token)
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
