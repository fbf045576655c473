#!/usr/bin/env python
"""The weekly digest to every user at a given scale, end to end, through a real SMTP server.

    .venv/bin/python bench/seed.py --scale large            # once (see bench/seed.py)
    .venv/bin/python bench/digest.py --scale large --json bench-digest-large.json

An SMTP sink (aiosmtpd, bench/smtp_sink.py) runs in its own process and logs every message it
accepts. One Celery worker (``--concurrency`` processes, default 2 for the 2 cores) consumes a
queue of its own on Redis. The run enqueues ``meetings.weekly_digest`` as beat would on a Monday
morning and measures until the last digest has reached the sink: messages per second end to end,
the total time, and the worker's peak memory: the PSS of the worker and its pool processes summed
(sampled every 0.5 s) and the largest process's peak RSS (the kernel's high-water mark). Queries
per batch are counted here by building two batches in a transaction that is rolled back. Finally
every recipient is checked: the outbox holds one digest per person with a verified address (the
seed gives everyone something to read), and the sink received exactly one message for each of them
and nothing else.

Earlier digests of the same database are deleted first and the outbox table vacuumed, so the
benchmark can be run again from the same state.
"""

import argparse
import collections
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

HERE = Path(__file__).resolve().parent
SMTP_PORT = int(os.environ.get("BENCH_SMTP_PORT", "8825"))


class MemorySampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak_total, self.peak_process = pid, 0.0, 0.0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            memory = common.tree_memory_mb(self.pid)
            total, largest = memory["pss"], memory["largest"]
            self.peak_total = max(self.peak_total, total)
            self.peak_process = max(self.peak_process, largest)
            self.stopped.wait(0.5)  # reading smaps_rollup 10 times a second took a tenth of a core


class LineCounter:
    """Lines in a growing file, reading only what was appended since the last call: re-reading the
    whole sink log five times a second took a tenth of a core at 100,000 lines, from the two cores
    the worker, the sink and PostgreSQL share."""

    def __init__(self, path: Path):
        self.path, self.offset, self.lines = path, 0, 0

    def __call__(self) -> int:
        try:
            with self.path.open("rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return self.lines
        complete = chunk.rfind(b"\n") + 1  # a line still being written is counted next time
        self.offset += complete
        self.lines += chunk.count(b"\n", 0, complete)
        return self.lines


def wait_for_line(proc, text, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if text in line:
            return
        if proc.poll() is not None:
            break
    raise SystemExit(f"{proc.args[:3]} did not start")


def queries_per_batch(period) -> list[int]:
    """Queries of building two different batches (rolled back: nothing is written)."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from meetings import digest

    batches = digest.batches(settings.DIGEST_BATCH_SIZE)
    counts = []
    for ids in [next(batches, None), next(batches, None)]:
        if not ids:
            continue
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries:
                digest.build_batch(ids, period)
            transaction.set_rollback(True)
        counts.append(len(queries))
    return counts


def build_finished(period) -> bool:
    """Every chunk of this week's digest run is built (the build phase is over)."""
    from meetings import digest
    from meetings.models import DigestRun

    run = DigestRun.objects.filter(kind=digest.KIND, period=period.key).first()
    return run is not None and run.status != DigestRun.Status.PLANNING and not run.chunks.filter(
        status="pending").exists()


def digest_rows():
    """The outbox rows of the weekly digest (bench/cluster.py tells its messages from the others)."""
    from meetings import digest
    from members.notifications.models import Notification

    return Notification.objects.filter(kind=digest.KIND)


def reset_and_expect() -> set[str]:
    """Delete earlier digests (so that a run can be repeated on the same database) and vacuum the
    outbox; the addresses that must each get exactly one digest now. bench/cluster.py uses it too."""
    from django.db import connection

    from meetings import digest
    from meetings.models import DigestRun
    from members.notifications.models import Delivery, Notification, NotificationPreference

    Notification.objects.filter(kind=digest.KIND).delete()
    DigestRun.objects.filter(kind=digest.KIND).delete()  # the week's build too, or it would not run again
    with connection.cursor() as cursor:  # every run starts from the same table, autovacuum or not
        cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(Notification._meta.db_table)}")
    expected_users = digest.recipients().exclude(
        pk__in=NotificationPreference.objects.filter(kind=digest.KIND, delivery=Delivery.NEVER).values("user_id")
    )
    return set(expected_users.values_list("email", flat=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(common.SCALES), default="real")
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool size")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads"], help="the worker's pool")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()

    env = common.env_for(args.scale, EMAIL_URL=f"smtp://127.0.0.1:{SMTP_PORT}", NOTIFY_SWEEP_INTERVAL="3600")
    os.environ.update(env)
    import django

    django.setup()
    from meetings import digest
    from meetings.tasks import weekly_digest
    from members.notifications.models import Notification

    expected = reset_and_expect()
    period = digest.period_for()
    per_batch = queries_per_batch(period)
    common.clear_cache()  # the cache's keys only: the broker's queue shares the Redis database

    workdir = Path(tempfile.mkdtemp(prefix="bench-digest-"))
    sink_log = workdir / "sink.log"
    sink = subprocess.Popen(
        [sys.executable, str(HERE / "smtp_sink.py"), "--port", str(SMTP_PORT), "--log", str(sink_log)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    wait_for_line(sink, "ready")
    worker_log_path = workdir / "worker.log"
    worker_log = worker_log_path.open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "coalition",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={args.concurrency}",
            f"--pool={args.pool}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=bench-{os.getpid()}@%h",
        ],
        cwd=common.ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    sampler = MemorySampler(worker.pid)
    try:
        from coalition.celery import app

        app.control.purge()  # nothing left over in this benchmark's queue
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the Celery worker did not start:\n" + worker_log_path.read_text()[-3000:])
        sampler.start()
        from django.db import connection

        def database_backends():  # the worker's PostgreSQL backends (not this process's own)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                               "AND pid <> pg_backend_pid()")
                return [pid for (pid,) in cursor.fetchall()]

        cpu = common.CpuMeter(worker=lambda: common.tree_pids(worker.pid), postgres=database_backends,
                              smtp_sink=lambda: common.tree_pids(sink.pid)).start()
        load = [os.getloadavg()[0]]
        sys.stderr.write(f"digest to {len(expected):,} people, worker concurrency {args.concurrency}\n")
        progress = common.Progress("digests delivered", len(expected))
        started = time.monotonic()
        weekly_digest.delay()
        delivered, count_lines, built_in = 0, LineCounter(sink_log), None
        cpu_at_build, delivered_at_build = None, None
        while delivered < len(expected) and time.monotonic() - started < args.timeout:
            if worker.poll() is not None:
                raise SystemExit("the Celery worker stopped:\n" + worker_log_path.read_text()[-3000:])
            time.sleep(0.2)
            cpu.read()
            load.append(os.getloadavg()[0])
            if built_in is None and build_finished(period):
                built_in = time.monotonic() - started
                cpu_at_build, delivered_at_build = cpu.used(), count_lines()
            now_delivered = count_lines()
            progress.add(now_delivered - delivered)
            delivered = now_delivered
        elapsed = time.monotonic() - started
        cpu.read()
        cpu_total = cpu.used()
        progress.close()
        time.sleep(3)  # anything sent twice would arrive now
        sampler.stopped.set()
    finally:
        for process in (worker, sink):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        worker_log.close()

    received = collections.Counter(line.split("\t")[0] for line in sink_log.read_text().splitlines())
    rows = collections.Counter(Notification.objects.filter(kind=digest.KIND).values_list("status", flat=True))
    twice = sorted(address for address, n in received.items() if n > 1)
    missing = sorted(expected - set(received))
    unexpected = sorted(set(received) - expected)
    exactly_once = not twice and not missing and not unexpected
    total = sum(received.values())

    def per_message(used: dict | None, messages: int) -> dict | None:
        """CPU milliseconds per message, by process group and in all."""
        if not used or not messages:
            return None
        figures = {name: round(1000 * seconds / messages, 2) for name, seconds in used.items()}
        figures["total"] = round(1000 * sum(used.values()) / messages, 2)
        return figures

    send_cpu = ({name: cpu_total[name] - cpu_at_build[name] for name in cpu_total} if cpu_at_build else None)
    result = {
        "scale": args.scale,
        "machine": common.machine(),
        "recipients": len(expected),
        "messages_received": total,
        "seconds": round(elapsed, 2),
        "messages_per_second": round(total / elapsed, 1) if elapsed else 0.0,
        # the build phase alone: from the start until every chunk of the week's run is built
        "build_seconds": round(built_in, 2) if built_in is not None else None,
        "digests_built_per_second": round(len(expected) / built_in, 1) if built_in else None,
        # the send phase: from the end of the build until the last digest reached the sink (some
        # digests are sent while the build is still running; delivered_during_build says how many)
        "send_seconds": round(elapsed - built_in, 2) if built_in is not None else None,
        "delivered_during_build": delivered_at_build,
        # process CPU (user + system), not wall time: the worker tree, its PostgreSQL backends, the sink
        "cpu_seconds": {name: round(v, 1) for name, v in cpu_total.items()},
        "cpu_ms_per_message": per_message(cpu_total, total),
        "build_cpu_ms_per_digest": per_message(cpu_at_build, len(expected)),
        "send_cpu_ms_per_message": per_message(send_cpu, total - (delivered_at_build or 0)),
        "load_average": {"start": round(load[0], 2), "mean": round(sum(load) / len(load), 2),
                         "max": round(max(load), 2), "end": round(load[-1], 2)},
        "queries_per_batch": per_batch,
        "batch_size": int(os.environ.get("DIGEST_BATCH_SIZE", "500")),
        "worker_concurrency": args.concurrency,
        "worker_pool": args.pool,
        "worker_peak_rss_mb": round(sampler.peak_total, 1),
        "worker_peak_process_rss_mb": round(sampler.peak_process, 1),
        "outbox": dict(rows),
        "exactly_once": exactly_once,
        "received_twice": len(twice),
        "missing": len(missing),
        "unexpected": len(unexpected),
        "examples": {"twice": twice[:5], "missing": missing[:5], "unexpected": unexpected[:5]},
    }
    print(f"\nWeekly digest at scale {args.scale} ({result['machine']['summary']})")
    print(
        common.table(
            [result],
            [
                ("recipients", "recipients", ",d"),
                ("messages_received", "received", ",d"),
                ("seconds", "seconds", ".1f"),
                ("messages_per_second", "msg/s", ",.0f"),
                ("worker_peak_rss_mb", "worker peak MB (PSS)", ".0f"),
                ("worker_peak_process_rss_mb", "largest process RSS MB", ".0f"),
                ("received_twice", "twice", "d"),
                ("missing", "missing", "d"),
            ],
        )
    )
    print(f"build phase alone: {result['build_seconds']} s ({result['digests_built_per_second']} digests/s, "
          f"{result['delivered_during_build']} delivered meanwhile); send phase after it: {result['send_seconds']} s")
    print(f"CPU ms per message (process CPU, not wall): {result['cpu_ms_per_message']}; "
          f"build per digest: {result['build_cpu_ms_per_digest']}; "
          f"send per message: {result['send_cpu_ms_per_message']}")
    print(f"load average (1 min) during the run: {result['load_average']} on {result['machine']['cores']} cores")
    print(f"queries per batch of {result['batch_size']}: {per_batch}; outbox: {dict(rows)}")
    print(
        "exactly one digest per recipient"
        if exactly_once
        else f"NOT exactly once: {len(twice)} twice, {len(missing)} missing, {len(unexpected)} unexpected"
    )
    common.write_json(args.json, result)
    return 0 if exactly_once else 1


if __name__ == "__main__":
    sys.exit(main())
