"""gunicorn settings of a web node: ``gunicorn -c deploy/gunicorn.conf.py coalition.wsgi:application``
(deploy/systemd/coalition-web.service). Every value can be changed through the environment.

Sync workers, one request each: every request waits in one accept queue, so none waits behind a busy
worker while another idles (bench/pages.py measured gthread's keep-alive connections doubling p95).
Two workers per core keep the cores busy while some wait on PostgreSQL or Redis. The node keeps
nothing another node needs: sessions are in PostgreSQL, caches, rate limits and the page cache in
Redis, uploaded files in the bucket (MEDIA_STORAGE_URL), so nginx may send any request to any node.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
backlog = int(os.environ.get("GUNICORN_BACKLOG", "256"))
# A request that takes longer than this is killed (its worker replaced); nginx gives up at 60 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (systemctl stop, a rolling restart) the workers finish the requests in hand first.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Keep-alive from nginx's upstream pool (deploy/nginx: keepalive 16).
keepalive = 5
# A worker is replaced after this many requests (plus jitter, so they do not all restart at once):
# whatever memory a long life accumulates is given back.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Load the portal once in the master: the workers share its pages (copy-on-write).
preload_app = True


def when_ready(server):
    """Before the first worker is forked, answer a few pages in the master (coalition/warmup.py):
    every worker then starts with the URL patterns, compiled templates and translations built."""
    if server.cfg.preload_app:
        from coalition.warmup import warm  # noqa: PLC0415 - the portal is loaded by now (preload_app)

        server.log.info("warmed before forking: %s", ", ".join(warm(server.app.wsgi())))


def pre_fork(server, worker):
    """What the master loaded (the portal's modules, settings, URL patterns) is left out of the
    workers' garbage collections: a full collection walked its 155,000 objects (about 90 ms on the
    benchmark's machine), a pause every few hundred requests of each worker, and wrote to every
    object's header, unsharing the pages preload_app shares."""
    gc.freeze()


# nginx on the same host or the private network sets X-Forwarded-Proto (settings trust it only in
# production); nothing else may.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = os.environ.get("GUNICORN_PROC_NAME", "coalition-web")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None  # nginx logs every request already
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
