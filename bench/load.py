#!/usr/bin/env python
"""Mixed traffic against the portal as in production: nothing fails, nothing acknowledged is lost.

    .venv/bin/python bench/seed.py --scale real             # once
    .venv/bin/python bench/load.py --scale real --json bench-load-real.json

gunicorn starts as in bench/pages.py (production settings, the Redis cache, the page cache on).
``--connections`` virtual users (32) then send requests for ``--duration`` seconds (60), each
request drawn at random: 80% signed-out browsing (the pages of bench/pages.py), 15% signed-in
browsing (the account page, meetings, the directory), 5% writes (a registration for a meeting, a
draft initiative, a request to join a working group), each write as a browser sends it: the form
page first (for its CSRF token), then the POST, then the page it redirects to, whose message says
whether the portal took it. Every virtual user is a different signed-in member.

It prints and writes: requests per class, throughput, p50/p95/p99, the answers by status, the
number of 5xx (the bar: none), the writes acknowledged and how many of them are in the database
afterwards (the bar: all), and gunicorn's memory sampled every second (the bar: stable, i.e. the
last third of the run no higher than 10% over the first third).
"""

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, pages  # noqa: E402

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SUCCESS = 'class="message message-success"'
MIX = (("signed-out", 0.80), ("signed-in", 0.15), ("write", 0.05))


def choose_targets(count: int):
    """Signed-out paths, signed-in paths, and ``count`` members (with a session each) together with
    what each may write: a meeting open for registration they can see, a group they are not in."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from meetings.models import Meeting
    from meetings.rules import can_see_meeting
    from members.models import Affiliation, Institution
    from working_groups.models import Initiative, Membership, WorkingGroup

    profile = Institution.objects.filter(status="active").order_by("pk").first()
    group = WorkingGroup.objects.themes().active().order_by("order").first()
    initiative = Initiative.objects.filter(status="published", visibility="public").order_by("-published_at").first()
    meeting = Meeting.objects.filter(visibility="public", status="scheduled").order_by("starts_at").last()
    signed_out = [
        "/ja/", "/en/", "/ja/members/", "/ja/members/?region=kanto&kind=national",
        f"/ja/members/?q={quote(profile.name_ja[:4])}", f"/ja/members/{profile.slug}/", "/ja/working-groups/",
        f"/ja/working-groups/{group.slug}/", "/ja/initiatives/", f"/ja/initiatives/?q={quote(common.COMMON_WORD)}",
        f"/ja/initiatives/{initiative.slug}/", "/ja/meetings/", f"/ja/meetings/{meeting.pk}/",
        f"/ja/meetings/{meeting.pk}/ical/", "/ja/initiatives/feed/", "/en/members/",
    ]
    signed_in = ["/ja/account/", "/ja/meetings/", "/ja/members/", f"/ja/working-groups/{group.slug}/",
                 "/ja/initiatives/"]

    now = timezone.now()
    open_meetings = list(
        Meeting.objects.filter(status="scheduled", starts_at__gt=now + timezone.timedelta(days=2))
        .exclude(registration_deadline__lt=now).select_related("group").order_by("starts_at")[:400]
    )
    groups = list(WorkingGroup.objects.themes().active())
    people = []
    affiliations = (
        Affiliation.objects.filter(status="approved", institution__status="active", user__is_active=True)
        .select_related("user", "institution").order_by("pk")
    )
    for affiliation in affiliations.iterator():
        user = affiliation.user
        registered = set(user.registrations.values_list("meeting_id", flat=True))
        meetings = [m for m in open_meetings if m.pk not in registered and can_see_meeting(user, m)]
        joined = set(Membership.objects.filter(user=user).values_list("group_id", flat=True))
        free_groups = [g for g in groups if g.pk not in joined]
        if not meetings or not free_groups:
            continue
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        people.append({
            "user_id": user.pk, "email": user.email, "institution_id": affiliation.institution_id,
            "cookies": {settings.SESSION_COOKIE_NAME: session.session_key},
            "meetings": [m.pk for m in meetings], "groups": [(g.pk, g.slug) for g in free_groups],
            "theme": groups[0].pk,
        })
        if len(people) == count:
            break
    if len(people) < count:
        raise SystemExit(f"only {len(people)} members can write; seed a larger scale")
    return signed_out, signed_in, people


class VirtualUser:
    """One keep-alive connection, one member's cookies, and the writes the portal acknowledged."""

    def __init__(self, person, base: str):
        self.person, self.cookies = person, dict(person["cookies"])
        split = urlsplit(base)
        self.host, self.port = split.hostname, split.port
        self.origin = f"https://{self.host}:{self.port}"
        self.connection = None
        self.meetings, self.groups = list(person["meetings"]), list(person["groups"])

    def request(self, method, path, body=None, signed_in=True, content_type=None):
        headers = {"Host": f"{self.host}:{self.port}", **pages.PROXY}
        if signed_in and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers.update({"Content-Type": content_type or "application/x-www-form-urlencoded",
                            "Origin": self.origin, "Referer": self.origin + path})
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
        if signed_in:
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location"), content.decode(errors="replace")

    def post_form(self, form_path, action_path, fields):
        """GET the form (CSRF token), POST it, follow the redirect: (statuses, acknowledged)."""
        from urllib.parse import urlencode

        status, _, page = self.request("GET", form_path)
        statuses = [status]
        token = TOKEN.search(page)
        if status != 200 or not token:
            return statuses, False
        status, location, _ = self.request("POST", action_path, urlencode({**fields,
                                                                         "csrfmiddlewaretoken": token.group(1)},
                                                                        doseq=True))
        statuses.append(status)
        if status != 302 or not location:
            return statuses, False
        status, _, page = self.request("GET", urlsplit(location).path)
        statuses.append(status)
        return statuses, SUCCESS in page


def write(user: VirtualUser, acknowledged: dict):
    kind = random.choice(["registration", "draft", "join"])
    if kind == "registration" and user.meetings:
        meeting = user.meetings.pop()
        statuses, ok = user.post_form(f"/ja/meetings/{meeting}/", f"/ja/meetings/{meeting}/register/",
                                      {"mode": "online"})
        if not ok:  # an in-person-only meeting: the form offers one mode
            statuses2, ok = user.post_form(f"/ja/meetings/{meeting}/", f"/ja/meetings/{meeting}/register/",
                                           {"mode": "in_person"})
            statuses += statuses2
        if ok:
            acknowledged["registration"].append((user.person["user_id"], meeting))
        return statuses
    if kind == "join" and user.groups:
        group_id, slug = user.groups.pop()
        statuses, ok = user.post_form(f"/ja/working-groups/{slug}/", f"/ja/working-groups/{slug}/join/",
                                      {"institution": user.person["institution_id"]})
        if ok:
            acknowledged["join"].append((user.person["user_id"], group_id))
        return statuses
    title = f"負荷試験の下書き {uuid.uuid4().hex[:10]}"
    statuses, ok = user.post_form("/ja/initiatives/new/", "/ja/initiatives/new/", {
        "institution": user.person["institution_id"], "language": "ja", "title": title,
        "summary": "負荷試験で保存した下書きです。", "body": "本文", "themes": [user.person["theme"]],
        "prefecture": "13", "started_on": "2026-04-01", "visibility": "public", "links_text": "",
    })
    if ok:
        acknowledged["draft"].append((user.person["user_id"], title))
    return statuses


def verify(acknowledged: dict) -> dict:
    """How many acknowledged writes are in the database now."""
    from meetings.models import Registration
    from working_groups.models import Initiative, Membership

    found = {
        "registration": sum(Registration.objects.filter(user_id=u, meeting_id=m).exists()
                            for u, m in acknowledged["registration"]),
        "join": sum(Membership.objects.filter(user_id=u, group_id=g).exists() for u, g in acknowledged["join"]),
        "draft": sum(Initiative.objects.filter(author_id=u, title=t).exists() for u, t in acknowledged["draft"]),
    }
    return {kind: {"acknowledged": len(acknowledged[kind]), "in_database": found[kind]} for kind in found}


def run_mix(base: str, people: list, signed_out: list, signed_in: list, duration: float) -> dict:
    """One virtual user per person sending the mix to ``base`` for ``duration`` seconds (bench/cluster.py
    runs it through nginx): latencies per class (ms), answers by status, the writes acknowledged."""
    latencies, answers = defaultdict(list), Counter()
    acknowledged = {"registration": [], "join": [], "draft": []}
    lock, stop = threading.Lock(), threading.Event()

    def virtual_user(person):
        user = VirtualUser(person, base)
        rng = random.Random(person["user_id"])
        while not stop.is_set():
            kind = rng.choices([k for k, _ in MIX], weights=[share for _, share in MIX])[0]
            started = time.monotonic()
            try:
                if kind == "signed-out":
                    statuses = [user.request("GET", rng.choice(signed_out), signed_in=False)[0]]
                elif kind == "signed-in":
                    statuses = [user.request("GET", rng.choice(signed_in))[0]]
                else:
                    statuses = write(user, acknowledged)
            except (OSError, http.client.HTTPException) as exc:
                statuses = [type(exc).__name__]
            elapsed = (time.monotonic() - started) * 1000
            with lock:
                latencies[kind].append(elapsed)
                answers.update(statuses)

    threads = [threading.Thread(target=virtual_user, args=(p,)) for p in people]
    started = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(duration)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    return {"latencies": latencies, "answers": answers, "acknowledged": acknowledged,
            "elapsed": time.monotonic() - started}


def percentiles(latencies: dict) -> list[dict]:
    """Requests, share and p50/p95/p99 (ms) per class of the mix."""
    total = sum(len(v) for v in latencies.values()) or 1
    rows = []
    for kind, _share in MIX:
        values = sorted(latencies[kind])
        if not values:
            continue

        def pct(p, values=values):
            return values[min(len(values) - 1, int(len(values) * p))]

        rows.append({"class": kind, "requests": len(values), "share": len(values) / total,
                     "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99)})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(common.SCALES), default="real")
    parser.add_argument("--duration", type=int, default=60, help="seconds of traffic")
    parser.add_argument("--connections", type=int, default=32, help="virtual users at once")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "4")))
    parser.add_argument("--seed", type=int, default=2026, help="of the random mix, for a repeatable run")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    random.seed(args.seed)

    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = pages.production_env(args.scale, static_root)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    signed_out, signed_in, people = choose_targets(args.connections)

    server = pages.start_gunicorn(env, args.workers, 1)
    # Every worker renders every page before the clock starts: the memory compared is the memory
    # of a warm server, not its growth while it loads code and fills its caches.
    warm = VirtualUser(people[0], pages.BASE)
    for _ in range(3 * args.workers):
        for path in signed_out:
            warm.request("GET", path, signed_in=False)
        for path in signed_in:
            warm.request("GET", path)
    memory, stop_sampling = [], threading.Event()

    def sample_memory():
        while not stop_sampling.is_set():
            memory.append(pages.rss_mb(server.pid))
            time.sleep(1)

    sampler = threading.Thread(target=sample_memory)
    try:
        sys.stderr.write(f"load: {args.connections} virtual users for {args.duration} s ...\n")
        sampler.start()
        traffic = run_mix(pages.BASE, people, signed_out, signed_in, args.duration)
        stop_sampling.set()
        sampler.join(timeout=5)
    finally:
        stop_sampling.set()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)
    latencies, answers, acknowledged = traffic["latencies"], traffic["answers"], traffic["acknowledged"]
    elapsed = traffic["elapsed"]

    writes = verify(acknowledged)
    server_errors = sum(n for status, n in answers.items() if isinstance(status, int) and status >= 500)
    failures = sum(n for status, n in answers.items() if not isinstance(status, int))
    third = max(len(memory) // 3, 1)
    early, late = statistics.mean(memory[:third]), statistics.mean(memory[-third:])
    total = sum(len(v) for v in latencies.values())
    rows = percentiles(latencies)
    lost = sum(w["acknowledged"] - w["in_database"] for w in writes.values())
    result = {
        "scale": args.scale, "machine": common.machine(), "duration_s": round(elapsed, 1),
        "connections": args.connections, "gunicorn_workers": args.workers,
        "requests": total, "requests_per_second": round(total / elapsed, 1), "classes": rows,
        "answers": {str(k): v for k, v in sorted(answers.items(), key=lambda kv: str(kv[0]))},
        "server_errors": server_errors, "connection_failures": failures, "writes": writes, "writes_lost": lost,
        "memory_mb": {"first_third": round(early, 1), "last_third": round(late, 1), "peak": round(max(memory), 1),
                      "samples": [round(m, 1) for m in memory]},
        "memory_stable": late <= early * 1.10,
    }
    print(f"\nMixed load at scale {args.scale} ({result['machine']['summary']}): {args.connections} virtual users, "
          f"{elapsed:.0f} s, gunicorn {args.workers} workers")
    print(common.table(rows, [("class", "class", "s"), ("requests", "requests", ",d"), ("share", "share", ".0%"),
                              ("p50_ms", "p50 ms", ".1f"), ("p95_ms", "p95 ms", ".1f"), ("p99_ms", "p99 ms", ".1f")]))
    print(f"{total:,} requests, {total / elapsed:,.0f}/s; answers: {result['answers']}")
    print(f"5xx: {server_errors}; connection failures: {failures}")
    for kind, w in writes.items():
        print(f"{kind}: {w['acknowledged']} acknowledged, {w['in_database']} in the database")
    print(f"gunicorn memory: {early:.0f} MB in the first third, {late:.0f} MB in the last, peak {max(memory):.0f} MB")
    ok = server_errors == 0 and failures == 0 and lost == 0 and result["memory_stable"]
    print("meets the bar" if ok else "below the bar")
    common.write_json(args.json, result)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
