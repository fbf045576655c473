#!/usr/bin/env python
"""The portal as a cluster on one machine, under load, losing a web node and a worker on the way.

    .venv/bin/python bench/cluster.py --json bench-cluster.json     # 60 s at c=32, a 10,000-person digest
    .venv/bin/python bench/cluster.py --short                       # CI's form: 15 s, 1,000 people

It starts what production runs (docs/deploy.md), each as its own process: nginx with the portal's
locations (deploy/nginx/coalition-locations.conf), two gunicorn web nodes (deploy/gunicorn.conf.py,
production settings), two Celery workers and beat, an S3-compatible server for the uploaded files
(moto) and an SMTP sink (bench/smtp_sink.py), on the local PostgreSQL (a database seeded by
bench/seed.py) and Redis (a key prefix and queue of this run's own). Then:

- the mixed load of bench/load.py runs through nginx (``--connections`` virtual users for
  ``--duration`` seconds) while the weekly digest goes to every seeded person;
- at 30% of the run web node B is killed (SIGKILL: its requests in flight are cut); at 50% it is
  started again; at 40% worker 2 is stopped as systemd stops it (SIGTERM: it finishes the task in
  hand), and started again at 60%;
- three members upload a logo through nginx (before, during and after node B is down).

It reports requests, answers, p50/p95/p99 per class of the mix, every 5xx with the node it came
from (nginx's access log): those of requests that were in flight on the killed node when it died are
expected (nginx cannot retry a POST the node may have acted on; it retries the rest on the other
node), any other is a failure; messages delivered (and per second), recipients who got a digest twice
or not at all; acknowledged writes missing from the database; and whether each uploaded file can be
read through both nodes. The run fails (exit 1) on any duplicate, missing message, 5xx outside the
killed node's in-flight requests, connection failure, lost write or unreadable upload.
"""

import argparse
import collections
import http.client
import io
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from importlib import import_module
from pathlib import Path

import django
import psycopg
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, load  # noqa: E402
from bench.processes import NGINX, Nginx, S3Server, Service, WebNode, free_port, wait_for_port  # noqa: E402

HERE = Path(__file__).resolve().parent
LONG = {"scale": "cluster", "duration": 60, "connections": 32, "timeout": 900}
SHORT = {"scale": "cluster-short", "duration": 15, "connections": 16, "timeout": 300}
LOG_LINE = re.compile(r'^(?P<msec>[\d.]+) (?P<time>[\d.]+) (?P<status>\d+) (?P<method>\S+) "(?P<upstreams>[^"]*)" '
                      r'"(?P<upstream_status>[^"]*)" "(?P<uri>[^"]*)"$')


def log(message: str) -> None:
    sys.stderr.write(f"[cluster {time.strftime('%H:%M:%S', time.gmtime())}Z] {message}\n")
    sys.stderr.flush()


def cluster_env(args, workdir: Path, ports: dict, s3: S3Server) -> dict:
    run = uuid.uuid4().hex[:8]
    return common.env_for(
        args.scale,
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="cluster-run-only-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"http://127.0.0.1:{ports['nginx']}",
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media-unused"),
        EMAIL_URL=f"smtp://127.0.0.1:{ports['smtp']}",
        CACHE_KEY_PREFIX=f"cluster-{run}",
        CELERY_QUEUE=f"cluster-{run}",
        MEDIA_ACCEL_REDIRECT="/_protected/",
        TRUSTED_PROXY_COUNT="1",
        # A worker that dies gives its claimed rows back after 20 s, the sweeper looks every 5 s.
        NOTIFY_SENDING_TIMEOUT="20",
        NOTIFY_QUEUED_GRACE="20",
        NOTIFY_SWEEP_INTERVAL="5",
        **s3.portal_env(),
    )


def celery(name: str, env: dict, workdir: Path, *args: str) -> Service:
    return Service([sys.executable, "-m", "celery", "-A", "coalition", *args], workdir / f"{name}.log", env=env)


def worker(name: str, env: dict, workdir: Path) -> Service:
    return celery(name, env, workdir, "worker", "--loglevel=INFO", "--concurrency=1", "--without-gossip",
                  "--without-mingle", f"--hostname={name}-{os.getpid()}@%h")


def wait_for_text(service: Service, text: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in service.tail(200_000):
            return
        if not service.running:
            break
        time.sleep(0.2)
    raise SystemExit(f"{service.args[3:5]} did not start:\n{service.tail()}")


def digest_task_name(app) -> str:
    """The weekly digest's Celery task, found by name wherever its module lives."""
    app.loader.import_default_modules()
    names = [name for name in app.tasks if name.endswith(".weekly_digest")]
    if len(names) != 1:
        raise SystemExit(f"expected one weekly_digest task, found {names}")
    return names[0]


class SinkCounter:
    """Lines of the SMTP sink's log (one per recipient accepted), read incrementally."""

    def __init__(self, path: Path):
        self.path, self.offset, self.lines = path, 0, 0

    def __call__(self) -> int:
        try:
            with self.path.open("rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return self.lines
        complete = chunk.rfind(b"\n") + 1
        self.offset += complete
        self.lines += chunk.count(b"\n", 0, complete)
        return self.lines


def upload_logo(base: str, contact: dict, label: str) -> dict:
    """A contact replaces their institution's logo through nginx (the form, then the POST)."""
    user = load.VirtualUser(contact, base)
    path = f"/ja/members/{contact['slug']}/edit/"
    status, _, page = user.request("GET", path)
    token = load.TOKEN.search(page)
    if status != 200 or not token:
        return {"label": label, "status": status, "ok": False}
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (random.randrange(256), 90, 60)).save(image, "PNG")
    fields = {**contact["fields"], "csrfmiddlewaretoken": token.group(1)}
    boundary = uuid.uuid4().hex
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ) + (f'--{boundary}\r\nContent-Disposition: form-data; name="logo"; filename="logo-{label}.png"\r\n'
         f"Content-Type: image/png\r\n\r\n").encode() + image.getvalue() + f"\r\n--{boundary}--\r\n".encode()
    try:
        status, location, _ = user.request("POST", path, body, content_type=f"multipart/form-data; boundary={boundary}")
    except (OSError, http.client.HTTPException) as exc:
        return {"label": label, "status": type(exc).__name__, "ok": False}
    return {"label": label, "status": status, "ok": status == 302, "institution_id": contact["institution_id"]}


def contacts(count: int) -> list[dict]:
    """Institution contacts with a session each, and their profile form's fields as they are."""
    from django.conf import settings  # noqa: PLC0415 -- Django is set up by main() with the cluster's settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: PLC0415

    from members.models import Affiliation  # noqa: PLC0415

    found = []
    for affiliation in (Affiliation.objects.filter(role="contact", status="approved", institution__status="active")
                        .select_related("user", "institution").order_by("pk")[:count]):
        user, institution = affiliation.user, affiliation.institution
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        found.append({
            "user_id": user.pk, "institution_id": institution.pk, "slug": institution.slug,
            "cookies": {settings.SESSION_COOKIE_NAME: session.session_key}, "meetings": [], "groups": [],
            "fields": {"name_ja": institution.name_ja, "name_en": institution.name_en,
                       "name_kana": institution.name_kana, "website": institution.website,
                       "profile_ja": institution.profile_ja, "profile_en": institution.profile_en,
                       "target_year": institution.target_year or ""},
        })
    return found


def read_through(node_base: str, path: str) -> bytes | None:
    """A file as a node serves it: the node authorises it and names the object (X-Accel-Redirect,
    X-Media-Source); the object is then fetched as nginx fetches it."""
    request = urllib.request.Request(node_base + path, headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own local node
            source = response.headers.get("X-Media-Source")
            accel = response.headers.get("X-Accel-Redirect", "")
    except OSError:
        return None
    if not source or not accel.startswith("/_protected/bucket/"):
        return None
    with urllib.request.urlopen(source, timeout=10) as response:  # noqa: S310 - the local S3 server
        return response.read()


def five_hundreds(access_log: Path, killed: str, killed_at: float | None) -> dict:
    """Every 5xx nginx answered, split into those of requests in flight on the killed node when it
    died (expected) and the others."""
    expected, other, examples = 0, 0, []
    for line in access_log.read_text(errors="replace").splitlines():
        match = LOG_LINE.match(line)
        if not match or int(match["status"]) < 500:
            continue
        ended, took = float(match["msec"]), float(match["time"])
        in_flight = killed_at is not None and ended - took - 0.05 <= killed_at <= ended + 0.05
        if in_flight and killed in match["upstreams"]:
            expected += 1
        else:
            other += 1
            examples.append(line)
    return {"in_flight_on_killed_node": expected, "other": other, "examples": examples[:5]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="CI's form: 15 s of load, 1,000 recipients")
    parser.add_argument("--duration", type=int, help="seconds of load (60; 15 with --short)")
    parser.add_argument("--connections", type=int, help="virtual users (32; 16 with --short)")
    parser.add_argument("--port-base", type=int, help="nginx on this port, the other servers on the next ones "
                                                      "(default: free ports)")
    parser.add_argument("--reuse", action="store_true", help="do not seed again when the database exists")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs) afterwards")
    parser.add_argument("--seed", type=int, default=2026, help="of the random mix")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    preset = SHORT if args.short else LONG
    args.scale = preset["scale"]
    args.duration = args.duration or preset["duration"]
    args.connections = args.connections or preset["connections"]
    random.seed(args.seed)
    if not Path(NGINX).exists():
        raise SystemExit("nginx is missing: apt-get install -y nginx")

    names = ("nginx", "node-a", "node-b", "s3", "smtp")
    ports = ({n: args.port_base + i for i, n in enumerate(names)} if args.port_base
             else {n: free_port() for n in names})
    workdir = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    log(f"work directory {workdir}; ports {ports}")

    # 1. The database: seeded by bench/seed.py in its own process (its settings are not the cluster's).
    database = common.database_name(args.scale)
    if not (args.reuse and database_exists(database)):
        log(f"seeding {database} at scale {args.scale} {common.SCALES[args.scale]}")
        subprocess.run([sys.executable, str(HERE / "seed.py"), "--scale", args.scale], check=True,
                       stdout=subprocess.DEVNULL, cwd=common.ROOT)

    services: list[Service] = []
    try:
        s3 = S3Server(workdir, port=ports["s3"])
        services.append(s3)
        s3.start()
        env = cluster_env(args, workdir, ports, s3)
        os.environ.update(env)
        django.setup()
        from django.core.management import call_command  # noqa: PLC0415 -- after django.setup()

        from bench import digest as digest_bench  # noqa: PLC0415
        from coalition.celery import app  # noqa: PLC0415
        from members.models import Institution  # noqa: PLC0415

        call_command("collectstatic", interactive=False, verbosity=0)
        expected = digest_bench.reset_and_expect()
        signed_out, signed_in, people = load.choose_targets(args.connections)
        uploaders = contacts(3)

        sink_log = workdir / "sink.log"
        sink = Service([sys.executable, str(HERE / "smtp_sink.py"), "--port", str(ports["smtp"]), "--log",
                        str(sink_log)], workdir / "smtp.log", env=env)
        services.append(sink)
        sink.start()
        wait_for_port(ports["smtp"], sink.proc, sink.log_path)
        node_a = WebNode("node-a", env, workdir, port=ports["node-a"])
        node_b = WebNode("node-b", env, workdir, port=ports["node-b"])
        for node in (node_a, node_b):
            services.append(node)  # stopped in the end even if it fails to start
            node.start()
        nginx = Nginx(workdir, [f"127.0.0.1:{ports['node-a']}", f"127.0.0.1:{ports['node-b']}"],
                      static_root=workdir / "static", media_root=workdir / "media-unused", port=ports["nginx"])
        services.append(nginx)
        nginx.start()
        workers = [worker(f"worker-{i}", env, workdir) for i in (1, 2)]
        beat = celery("beat", env, workdir, "beat", "--loglevel=INFO", f"--schedule={workdir / 'beat-schedule'}")
        for service in (*workers, beat):
            services.append(service)
            service.start()
        for service in workers:
            wait_for_text(service, "ready.")
        wait_for_text(beat, "beat: Starting")
        log(f"running: nginx :{ports['nginx']}, web nodes :{ports['node-a']} :{ports['node-b']}, 2 workers, beat, "
            f"S3 :{ports['s3']}, SMTP :{ports['smtp']}")

        warm = load.VirtualUser(people[0], nginx.base)
        for _ in range(2):
            for path in signed_out + signed_in:
                warm.request("GET", path, signed_in=path in signed_in)

        events, uploads = [], []
        timeline = {"web_node_killed_at": None}

        def at(fraction: float) -> None:
            delay = started + args.duration * fraction - time.monotonic()
            if delay > 0:
                time.sleep(delay)

        def chaos():
            at(0.10)
            uploads.append(upload_logo(nginx.base, uploaders[0], "before"))
            at(0.30)
            timeline["web_node_killed_at"] = time.time()
            node_b.kill()
            events.append(("web node B killed (SIGKILL)", time.monotonic() - started))
            at(0.40)
            stopping = time.monotonic()
            workers[1].proc.send_signal(signal.SIGTERM)  # to the main process, as systemd's KillMode=mixed
            uploads.append(upload_logo(nginx.base, uploaders[1], "node B down"))
            try:
                workers[1].proc.wait(timeout=120)
                how = f"exited {workers[1].proc.returncode} after {time.monotonic() - stopping:.1f} s"
            except subprocess.TimeoutExpired:
                workers[1].kill()
                how = "killed after 120 s"
            events.append((f"worker 2 stopped (SIGTERM, warm shutdown: {how})", stopping - started))
            at(0.50)
            node_b.start()
            events.append(("web node B started again", time.monotonic() - started))
            at(0.60)
            workers[1].start()
            events.append(("worker 2 started again", time.monotonic() - started))
            at(0.80)
            uploads.append(upload_logo(nginx.base, uploaders[2], "after"))

        log(f"load: {args.connections} virtual users through nginx for {args.duration} s; "
            f"the digest to {len(expected):,} people")
        counter = SinkCounter(sink_log)
        started = time.monotonic()
        app.send_task(digest_task_name(app), queue=env["CELERY_QUEUE"])
        chaos_thread = threading.Thread(target=chaos)
        chaos_thread.start()
        traffic = load.run_mix(nginx.base, people, signed_out, signed_in, args.duration)
        chaos_thread.join(timeout=300)

        sent, finished = digest_bench.digest_rows().filter(status="sent"), None
        while time.monotonic() - started < preset["timeout"]:
            if counter() and sent.count() >= len(expected):
                finished = time.monotonic() - started
                break
            time.sleep(0.5)
        log(f"{sent.count():,} of {len(expected):,} digests sent")
        time.sleep(3)  # anything sent twice would arrive now
        readable = []
        for upload in uploads:
            if not upload["ok"]:
                readable.append({**upload, "node_a": False, "node_b": False})
                continue
            institution = Institution.objects.get(pk=upload["institution_id"])
            name = institution.logo.name
            stored = s3.client().get_object(Bucket=s3.bucket, Key=name)["Body"].read()
            path = institution.logo.url
            readable.append({**upload, "file": name, "node_a": read_through(node_a.base, path) == stored,
                             "node_b": read_through(node_b.base, path) == stored})
    finally:
        # All at once: a worker's warm shutdown need not wait for nginx's, and so on.
        stopping = [threading.Thread(target=service.stop) for service in services]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join(timeout=60)

    # Every message the sink accepted: (recipient, Message-ID <notification-<row>@...>).
    lines = [line.split("\t") for line in sink_log.read_text().splitlines()]
    rows_twice = sorted(m for m, n in collections.Counter(m for _, m in lines).items() if n > 1)
    digest_ids = set(digest_bench.digest_rows().values_list("pk", flat=True))
    received = collections.Counter(to for to, message_id in lines if message_row(message_id) in digest_ids)
    twice = sorted(a for a, n in received.items() if n > 1)
    missing = sorted(expected - set(received))
    unexpected_recipients = sorted(set(received) - expected)
    answers, latencies = traffic["answers"], traffic["latencies"]
    errors = five_hundreds(nginx.access_log, f"127.0.0.1:{ports['node-b']}", timeline["web_node_killed_at"])
    writes = load.verify(traffic["acknowledged"])
    lost = sum(w["acknowledged"] - w["in_database"] for w in writes.values())
    failures = sum(n for status, n in answers.items() if not isinstance(status, int))
    total = sum(len(v) for v in latencies.values())
    client_5xx = sum(n for status, n in answers.items() if isinstance(status, int) and status >= 500)
    digest_seconds = finished or (time.monotonic() - started)
    result = {
        "scale": args.scale, "machine": common.machine(), "duration_s": round(traffic["elapsed"], 1),
        "connections": args.connections, "requests": total,
        "requests_per_second": round(total / traffic["elapsed"], 1), "classes": load.percentiles(latencies),
        "answers": {str(k): v for k, v in sorted(answers.items(), key=lambda kv: str(kv[0]))},
        "server_errors_seen_by_clients": client_5xx, "server_errors": errors, "connection_failures": failures,
        "writes": writes, "writes_lost": lost,
        "messages": {"delivered": len(lines), "digests": sum(received.values()),
                     "other_notices": len(lines) - sum(received.values()), "sent_twice": len(rows_twice),
                     "examples": rows_twice[:5]},
        "digest": {"recipients": len(expected), "delivered": sum(received.values()),
                   "seconds": round(digest_seconds, 1),
                   "messages_per_second": round(sum(received.values()) / digest_seconds, 1) if digest_seconds else 0,
                   "duplicates": len(twice), "missing": len(missing), "unexpected": len(unexpected_recipients),
                   "examples": {"twice": twice[:5], "missing": missing[:5]}},
        "events": [{"what": what, "at_s": round(when, 1)} for what, when in events],
        "uploads": readable,
        "uploads_readable_from_both_nodes": sum(1 for u in readable if u["node_a"] and u["node_b"]),
        "web_nodes": 2, "gunicorn_workers_per_node": 2, "celery_workers": 2, "celery_concurrency_per_worker": 1,
    }
    ok = (not rows_twice and not twice and not missing and not unexpected_recipients and errors["other"] == 0
          and failures == 0 and lost == 0 and len(readable) == 3 and result["uploads_readable_from_both_nodes"] == 3)
    result["ok"] = ok

    print(f"\nCluster run at scale {args.scale} ({result['machine']['summary']}): nginx, 2 web nodes × 2 gunicorn "
          f"workers, 2 Celery workers, beat, S3 (moto), SMTP sink; {args.connections} virtual users for "
          f"{traffic['elapsed']:.0f} s")
    for event in result["events"]:
        print(f"  {event['at_s']:5.1f} s  {event['what']}")
    print(common.table(result["classes"], [("class", "class", "s"), ("requests", "requests", ",d"),
                                           ("p50_ms", "p50 ms", ".1f"), ("p95_ms", "p95 ms", ".1f"),
                                           ("p99_ms", "p99 ms", ".1f")]))
    print(f"{total:,} requests, {result['requests_per_second']:,.0f}/s; answers: {result['answers']}")
    print(f"5xx: {errors['in_flight_on_killed_node']} in flight on the killed node, {errors['other']} other; "
          f"connection failures: {failures}")
    for line in errors["examples"]:
        print(f"  {line}")
    for kind, w in writes.items():
        print(f"{kind}: {w['acknowledged']} acknowledged, {w['in_database']} in the database")
    d = result["digest"]
    print(f"digest: {d['delivered']:,} delivered to {d['recipients']:,} recipients in {d['seconds']:.0f} s "
          f"({d['messages_per_second']:,.0f}/s); duplicates {d['duplicates']}, missing {d['missing']}, "
          f"unexpected {d['unexpected']}")
    m = result["messages"]
    print(f"messages: {m['delivered']:,} delivered ({m['digests']:,} digests, {m['other_notices']:,} notices the "
          f"writes caused); the same message twice: {m['sent_twice']}")
    for upload in readable:
        print(f"upload {upload['label']}: answered {upload['status']}, readable through node A: "
              f"{upload['node_a']}, node B: {upload['node_b']}")
    print("meets the bar" if ok else "below the bar")
    common.write_json(args.json, result)
    if args.keep or not ok:
        log(f"logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


def message_row(message_id: str) -> int | None:
    match = re.search(r"notification-(\d+)@", message_id)
    return int(match.group(1)) if match else None


def database_exists(name: str) -> bool:
    with psycopg.connect(f"{common.PG_BASE}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


if __name__ == "__main__":
    sys.exit(main())
