"""How bench/pages.py reads a capped wrk run (the test suite's quick proof of every page)."""

import sys

from bench import pages

FIGURES = 'WRK_JSON {"requests": 5, "seconds": 1.000}'


def test_a_capped_run_keeps_the_figures_that_came_in_the_same_read_as_its_stop_line():
    """When wrk's duration ran out just as the cap was reached, the stop line and the figures reach
    the pipe together; CI once lost the figures that way ("wrk gave no figures for /")."""
    # like wrk, it handles SIGINT to its end (a late signal changes nothing) and writes all at once
    output = f"Running 1s test\\nWRK_STOPPED\\nThread Stats\\n{FIGURES}\\n"
    command = ["sh", "-c", f"trap '' INT; printf '%b' '{output}'"]

    result = pages.run_capped_wrk(command, env=None)

    assert result.returncode == 0
    assert FIGURES in result.stdout.splitlines()


def test_a_capped_run_is_ended_by_sigint_once_it_says_it_stopped():
    """wrk's main thread sleeps out its duration after the cap; SIGINT ends the sleep and it still
    prints its figures (here: a stand-in that sleeps a minute unless interrupted)."""
    script = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, lambda *a: (print(" + repr(FIGURES) + ", flush=True), sys.exit(0)))\n"
        "print('Running 60s test', flush=True)\n"
        "print('WRK_STOPPED', flush=True)\n"
        "time.sleep(60)\n"
    )

    result = pages.run_capped_wrk([sys.executable, "-c", script], env=None)

    assert result.returncode == 0
    assert result.stdout.splitlines()[-1] == FIGURES
