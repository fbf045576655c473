"""The benchmark cannot rot: its scripts run end to end at the tiny scale.

Each runs as a newcomer would run it (a separate process, the JSON it writes read back). What is
asserted is what the scripts prove, not speed (the figures of a loaded CI machine mean nothing;
README has the real ones): the seed holds the sizes asked for, every way of searching finds the same
initiatives, every page answered its real content
with no error and at most 12 queries, every recipient got exactly one digest, and the mixed load
lost no acknowledged write.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings

from bench import common
from tests.services import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent.parent
PAGES = {
    "home", "directory", "directory: region + kind", "directory: name search", "member profile",
    "working group", "initiatives", "search: rare word, computed", "search: common word, computed", "initiative",
    "meetings", "meeting", "meeting .ics", "initiatives Atom feed", "account (signed in)",
    "meeting (registered member)", "progress", "progress: region", "institution progress",
}

RANDOM_KINDS = {
    "search initiatives (1-6 chars)", "search directory (1-6 chars)", "initiative", "member profile",
    "working group", "meeting", "meeting .ics", "feed: public or group", "feed: personal",
    "api: search initiatives (1-6 chars)", "search needs (1-6 chars)", "needs board: random filters",
    "need with suggestions", "progress: random filters", "institution progress",
    "site search (1 chars)", "site search (2 chars)", "site search (3+ chars)", "site search (absent pairs)",
    "sitemap: index", *(f"sitemap: {section}" for section in ("pages", "news", "initiatives", "members", "groups",
                                                            "meetings")),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def bench_env():
    """The benchmark on this run's services: a database named after the test database (dropped
    afterwards) and the test run's Redis, its keys deleted afterwards."""
    server, test_database = database_url().rsplit("/", 1)
    database = f"{test_database}_bench"
    env = {**os.environ, "BENCH_PG": server, "BENCH_DATABASE": database, "BENCH_REDIS_URL": settings.REDIS_URL}
    yield env
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match=f"*bench-{database}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def run(script, tmp_path, env, *args, timeout=600, check=True):
    out = tmp_path / f"{script}.json"
    env = {**env, "BENCH_PORT": str(free_port()), "BENCH_SMTP_PORT": str(free_port())}
    done = subprocess.run(
        [sys.executable, f"bench/{script}.py", "--scale", "tiny", "--json", str(out), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )
    assert done.returncode == 0 or not check, f"{script} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(out.read_text()), done.stdout


def test_the_benchmark_runs_end_to_end_at_the_tiny_scale(tmp_path, bench_env):
    """One test, not four: each run depends on the seed, and pytest-xdist would run a module's
    tests in different processes, each re-seeding the database under the others' feet."""
    seeded, _ = run("seed", tmp_path, bench_env)
    assert seeded["counts"] == common.SCALES["tiny"]
    tiny = common.SCALES["tiny"]
    assert seeded["progress"] == {"yearly reports": tiny["institutions"] * 5, "adoptions": tiny["initiatives"] // 4}
    # every meeting's calendar events stored (2 languages x with/without the online link), as saving does
    assert seeded["calendar events"] == tiny["meetings"] * 4

    # the search bench: every way of searching finds the same initiatives for every term (it exits 1
    # when one does not), terms of each length were run, and most terms (cut from the initiatives'
    # texts) found something
    result, table = run("search", tmp_path, bench_env, "--terms", "60")
    assert result["checked"] and result["terms"] == 60 and result["public_initiatives"] > 0
    assert {(row["way"], row["length"]) for row in result["rows"]} == {
        (way, length) for way in ("grams", "substring", "search") for length in ("all", "1", "2", "3+")}
    assert all(row["n"] > 0 and 0 < row["p50"] <= row["p99"] for row in result["rows"])
    assert result["found_something"] >= 60 * 3 // 4
    assert "p95" in table

    # every page answers its real content, with no error, in at most 12 queries (each page's second is
    # its own: the backlog of the page before is worked off first, see bench/pages.py drain)
    if not shutil.which("wrk"):
        pytest.fail("wrk is missing (apt-get install -y wrk)")
    # (each run ends after 16 answers: the suite proves the pages answer, and leaves the cores to the
    # tests running beside it instead of loading both for a minute and a half)
    result, table = run("pages", tmp_path, bench_env, "--duration", "1", "--max-requests", "16")
    rows = {row["page"]: row for row in result["pages"]}
    assert set(rows) >= PAGES
    for label, row in rows.items():
        assert row["requests"] > 0 and row["errors"] == 0, (label, row)
        assert row["queries_cold"] <= 12, (label, row["queries_cold"])
    assert result["healthz"]["rps"] > 0
    assert "of healthz" in table and "account (signed in)" in table
    assert "ended after 16 answers: these figures are not a measurement" in table
    # every kind of page over random URLs, page cache allowed and bypassed, each request answered
    assert {(row["kind"], row["mode"]) for row in result["random"]} == {
        (kind, mode) for kind in RANDOM_KINDS for mode in ("allowed", "bypassed")}
    # (a second of load on a busy machine may finish no request of a slow kind: no error is the claim)
    for row in result["random"]:
        assert row["errors"] == 0 and (row["cpu_ms_per_request"] > 0 or not row["requests"]), row
    assert sum(row["requests"] for row in result["random"]) > 0
    assert "cpu ms/req" in table

    # every recipient gets exactly one digest, in a fixed number of queries per batch
    result, table = run("digest", tmp_path, bench_env)
    assert result["recipients"] > 0
    assert result["messages_received"] == result["recipients"]
    assert result["exactly_once"] and result["received_twice"] == result["missing"] == 0
    assert result["outbox"] == {"sent": result["recipients"]}
    assert result["queries_per_batch"] and max(result["queries_per_batch"]) <= 20
    assert "exactly one digest per recipient" in table
    # process CPU per message (meaningful on a shared machine), the phases apart, the load average
    assert result["cpu_ms_per_message"]["total"] > 0 and result["cpu_ms_per_message"]["worker"] > 0
    assert result["build_seconds"] is not None and result["send_seconds"] is not None
    assert set(result["load_average"]) == {"start", "mean", "max", "end"}
    assert "CPU ms per message" in table and "load average" in table

    # mixed load: no server error, no acknowledged write lost (its memory verdict is not asserted:
    # ten seconds on a busy CI machine say nothing about it)
    result, table = run("load", tmp_path, bench_env, "--duration", "10", "--connections", "8", check=False)
    assert result["requests"] > 0
    assert result["server_errors"] == 0 and result["connection_failures"] == 0, result["answers"]
    assert sum(w["acknowledged"] for w in result["writes"].values()) > 0
    assert result["writes_lost"] == 0, result["writes"]
    assert "acknowledged" in table
