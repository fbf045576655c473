"""A newcomer's test run without the services says which tests it skipped and the one line that
runs them (scripts/test; README "Start here"), instead of passing quietly."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_a_run_without_postgresql_redis_or_chromium_names_the_skipped_tests_and_how_to_run_them(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "REQUIRE_SERVICES", "TEST_POSTGRES_PASS",
                        "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_CURRENT_TEST")}
    env.update(CHROMIUM=str(tmp_path / "no-chromium"), TMPDIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-n", "0", "-q",
         "tests/progress/test_concurrency.py",  # PostgreSQL
         "tests/browser/test_map_labels.py"],  # Chromium
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    out = done.stdout
    assert done.returncode == 0, out[-3000:]
    summary = out.split("tests skipped for want of a service", 1)[1]
    assert "tests SKIPPED: they need PostgreSQL, not configured" in summary
    assert "tests/progress/test_concurrency.py::test_two_first_deadlines_at_once_make_one_row_and_no_error" in summary
    assert "to run them: DATABASE_URL=postgres://postgres@127.0.0.1:5432/coalition scripts/test -m postgres" in summary
    assert "tests SKIPPED: they need Chromium, not configured" in summary
    assert "to run them: sudo apt-get install -y chromium fonts-noto-cjk && scripts/test -m browser" in summary
