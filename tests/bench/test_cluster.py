"""CI's short form of the cluster run (bench/cluster.py --short): nginx, two web nodes, two Celery
workers, beat, an S3-compatible server and an SMTP sink on this machine; 15 s of mixed load through
nginx while a 1,000-person digest goes out; web node B killed and worker 2 stopped mid-run, both
started again. It fails on any duplicate or missing message, any 5xx other than the killed node's
in-flight requests, a connection failure, a lost write or an upload one node cannot read.

The run seeds a database of its own, named after this test's database, and drops it afterwards.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.services import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_cluster_survives_a_killed_web_node_and_a_stopped_worker(tmp_path):
    server, test_database = database_url().rsplit("/", 1)
    database = f"{test_database}_cluster"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(BENCH_PG=server, BENCH_DATABASE=database, BENCH_REDIS_URL=settings.REDIS_URL)
    out = tmp_path / "cluster.json"
    try:
        done = subprocess.run([sys.executable, "bench/cluster.py", "--short", "--json", str(out)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    assert out.exists(), f"the cluster run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    result = json.loads(out.read_text())
    report = done.stdout[-3000:]

    assert [e["what"].split(" (")[0] for e in result["events"]] == [
        "web node B killed", "worker 2 stopped", "web node B started again", "worker 2 started again"], report
    assert "warm shutdown: exited 0" in result["events"][1]["what"], report
    assert result["requests"] > 0 and {c["class"] for c in result["classes"]} >= {"signed-out", "signed-in"}
    assert result["server_errors"]["other"] == 0, report
    assert result["connection_failures"] == 0 and result["writes_lost"] == 0, report
    digest = result["digest"]
    assert digest["recipients"] == 1000 and digest["delivered"] == 1000, report
    assert digest["duplicates"] == digest["missing"] == digest["unexpected"] == 0, report
    assert result["messages"]["sent_twice"] == 0, report
    assert result["uploads_readable_from_both_nodes"] == 3, report
    assert result["ok"] and done.returncode == 0 and "meets the bar" in done.stdout
