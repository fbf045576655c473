"""The benchmark cannot rot: its three scripts run end to end at the tiny scale.

Each runs as a newcomer would run it (a separate process, the JSON it writes read back). What is
asserted is what the scripts prove, not speed (the figures of a loaded CI machine mean nothing;
README has the real ones): the seed holds the sizes asked for, every page answered its real content
with no error and at most 12 queries, and every recipient got exactly one digest.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bench import common

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent.parent
PAGES = {
    "home", "directory", "directory: region + kind", "directory: name search", "member profile",
    "working group", "initiatives", "search: rare word, computed", "search: common word, computed", "initiative",
    "meetings", "meeting", "meeting .ics", "initiatives Atom feed", "account (signed in)",
    "meeting (registered member)",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(script, tmp_path, *args, timeout=600, check=True):
    out = tmp_path / f"{script}.json"
    env = {**os.environ, "BENCH_PORT": str(free_port()), "BENCH_SMTP_PORT": str(free_port())}
    done = subprocess.run(
        [sys.executable, f"bench/{script}.py", "--scale", "tiny", "--json", str(out), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )
    assert done.returncode == 0 or not check, f"{script} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(out.read_text()), done.stdout


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    return run("seed", tmp_path_factory.mktemp("seed"))[0]


def test_the_seed_holds_the_sizes_asked_for(seeded):
    assert seeded["counts"] == common.SCALES["tiny"]


def test_every_page_answers_without_error_in_at_most_12_queries(seeded, tmp_path):
    if not __import__("shutil").which("wrk"):
        pytest.fail("wrk is missing (apt-get install -y wrk)")
    result, table = run("pages", tmp_path, "--duration", "1")
    rows = {row["page"]: row for row in result["pages"]}
    assert set(rows) >= PAGES
    for label, row in rows.items():
        assert row["requests"] > 0 and row["errors"] == 0, (label, row)
        assert row["queries_cold"] <= 12, (label, row["queries_cold"])
    assert result["healthz"]["rps"] > 0
    assert "of healthz" in table and "account (signed in)" in table


def test_every_recipient_gets_exactly_one_digest(seeded, tmp_path):
    result, table = run("digest", tmp_path)
    assert result["recipients"] > 0
    assert result["messages_received"] == result["recipients"]
    assert result["exactly_once"] and result["received_twice"] == result["missing"] == 0
    assert result["outbox"] == {"sent": result["recipients"]}
    assert result["queries_per_batch"] and max(result["queries_per_batch"]) <= 20
    assert "exactly one digest per recipient" in table


def test_mixed_load_has_no_server_error_and_loses_no_acknowledged_write(seeded, tmp_path):
    # Its memory verdict is not asserted: ten seconds on a busy CI machine say nothing about it.
    result, table = run("load", tmp_path, "--duration", "10", "--connections", "8", check=False)
    assert result["requests"] > 0
    assert result["server_errors"] == 0 and result["connection_failures"] == 0, result["answers"]
    assert sum(w["acknowledged"] for w in result["writes"].values()) > 0
    assert result["writes_lost"] == 0, result["writes"]
    assert "acknowledged" in table
