"""What the benchmark scripts share: sizes, the database and Redis they use, progress output."""

import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCALES = {
    # institutions, users, initiatives, meetings, registrations
    "tiny": {"institutions": 40, "users": 300, "initiatives": 400, "meetings": 60, "registrations": 900},
    "real": {"institutions": 200, "users": 2_000, "initiatives": 2_000, "meetings": 300, "registrations": 6_000},
    # the cluster run (bench/cluster.py): the coalition's size with 10,000 people to send a digest to,
    # and its short form in CI with 1,000
    "cluster": {"institutions": 200, "users": 10_000, "initiatives": 2_000, "meetings": 300, "registrations": 6_000},
    "cluster-short": {"institutions": 100, "users": 1_000, "initiatives": 500, "meetings": 100,
                      "registrations": 2_000},
    "large": {
        "institutions": 15_000,
        "users": 100_000,
        "initiatives": 200_000,
        "meetings": 20_000,
        "registrations": 500_000,
        "adoptions": 100_000,
        # cooperation (issue: the large scale gains 20k partners, 50k needs, 50k expertise entries);
        # smaller scales take 5, 10 and 10 per institution
        "partners": 20_000,
        "needs": 50_000,
        "expertise": 50_000,
    },
}

PG_BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
PASSWORD = "bench-password-not-a-secret"
# Words the search benchmark looks for: one in about 1 in 2,000 initiatives, one in more than 10%.
RARE_WORD, COMMON_WORD = "ナトリウムイオン", "太陽光"


def database_name(scale: str) -> str:
    """coalition_bench_<scale>, or BENCH_DATABASE (a test run names one of its own)."""
    return os.environ.get("BENCH_DATABASE") or f"coalition_bench_{scale}"


def env_for(scale: str, **extra) -> dict:
    """The environment a benchmark process (or the portal it starts) runs with."""
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DJANGO_SETTINGS_MODULE="coalition.settings",
        DATABASE_URL=f"{PG_BASE}/{database_name(scale)}",
        REDIS_URL=REDIS_URL,
        # named after the database, so that two runs (a test's and yours) never share keys or a queue
        CACHE_KEY_PREFIX=f"bench-{database_name(scale)}",
        CELERY_QUEUE=f"bench-{database_name(scale)}",
        DIGEST_CATCH_UP_HOURS="0",  # a benchmark starts its digest itself, when it measures
        SITE_URL="http://127.0.0.1:8800",
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def setup_django(scale: str, **extra):
    os.environ.update(env_for(scale, **extra))
    import django

    django.setup()


def clear_cache() -> int:
    """Delete what the portal cached (pages, fragments), and nothing else: the keys under the
    cache's own prefix (CACHE_KEY_PREFIX). ``cache.clear()`` is FLUSHDB on Redis, which also
    empties the Celery broker sharing that database: a benchmark clearing its cache wiped the
    queue of any other run on the same database. Returns the number of keys deleted."""
    from django.conf import settings  # noqa: PLC0415 -- the caller set Django up first
    from django.core.cache import cache  # noqa: PLC0415

    location = settings.CACHES["default"].get("LOCATION", "")
    if not str(location).startswith(("redis://", "rediss://", "unix://")):
        cache.clear()  # a cache of this process alone (locmem): nobody else's data in it
        return 0
    import redis  # noqa: PLC0415 -- only with a Redis cache

    # Django's keys are "<prefix>:<version>:<key>"; escape the prefix for Redis' glob.
    pattern = re.sub(r"([*?\[\]\\])", r"\\\1", cache.key_prefix) + ":*"
    client, deleted, batch = redis.Redis.from_url(location), 0, []
    for key in client.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) >= 500:
            deleted += client.unlink(*batch)
            batch = []
    if batch:
        deleted += client.unlink(*batch)
    client.close()
    return deleted


class Progress:
    """One line per stage, rewritten in place: rows done, rate, time left."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done = label, total, 0
        self.started = self.last = time.monotonic()

    def add(self, n: int = 1):
        self.done += n
        now = time.monotonic()
        if now - self.last >= 0.5 or self.done >= self.total:
            self.last = now
            rate = self.done / max(now - self.started, 1e-6)
            left = (self.total - self.done) / rate if rate else 0
            sys.stderr.write(
                f"\r  {self.label:<22} {self.done:>9,}/{self.total:<9,} {rate:>9,.0f} rows/s  {left:>5.0f} s left "
            )
            sys.stderr.flush()

    def close(self) -> float:
        elapsed = time.monotonic() - self.started
        sys.stderr.write(
            f"\r  {self.label:<22} {self.done:>9,} rows in {elapsed:6.1f} s"
            f" ({self.done / max(elapsed, 1e-6):,.0f} rows/s){' ' * 12}\n"
        )
        return elapsed


def machine() -> dict:
    """What the figures were measured on."""
    import platform

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(
            next(ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")).split()[1]
        )
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    cores = os.cpu_count() or 0
    gib = mem_kb / 1024 / 1024
    return {
        "cpu": cpu,
        "cores": cores,
        "memory_gib": round(gib, 1),
        "python": platform.python_version(),
        "summary": f"{cores} cores ({cpu}), {gib:.0f} GiB",
    }


def write_json(path: str | None, data: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2))


def table(rows: list[dict], columns: list[tuple[str, str, str]]) -> str:
    """A plain-text table: columns are (key, heading, format)."""
    headings = [h for _, h, _ in columns]
    body = [[(f"{{:{fmt}}}".format(r[k]) if r.get(k) is not None else "-") for k, _, fmt in columns] for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(headings)]
    line = "  ".join(h.ljust(w) for h, w in zip(headings, widths, strict=True))
    out = [line, "-" * len(line)]
    out += [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(b, widths, strict=True))) for b in body
    ]
    return "\n".join(out)


def tree_memory_mb(pid: int) -> dict:
    """The memory of a process and its descendants, in MB: ``rss`` summed, ``pss`` summed (a page
    shared by forked workers counted once, in shares) and the ``largest`` single process's peak RSS
    (the kernel's high-water mark, so no sampling can miss it)."""
    rss = pss = largest = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            own = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            pss += int(re.search(r"^Pss:\s+(\d+)", rollup, re.MULTILINE).group(1))
            rss, largest = rss + own, max(largest, peak)
            pids.extend(int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split())
        except (FileNotFoundError, AttributeError, ProcessLookupError):
            continue
    return {"rss": rss / 1024, "pss": pss / 1024, "largest": largest / 1024}


def tree_pids(pid: int) -> list[int]:
    """A process and its descendants alive now."""
    found, pids = [], [pid]
    while pids:
        current = pids.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        found.append(current)
        pids.extend(int(c) for c in children)
    return found


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (not wall time: under load from other
    people's work on the machine it still measures our own cost)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


class CpuMeter:
    """CPU seconds used by groups of processes since ``start()``, summed per process over every
    process seen (a process's last reading counts after it exits). ``pids()`` of a group is
    called at every reading: a process alive at ``start()`` counts from then, one that appears
    later (a pool child, a database backend) counts whole; a process that lives and dies between
    two readings is missed, so read often (the caller's loop, a few times a second)."""

    def __init__(self, **groups):
        self.groups = groups  # name -> callable returning the pids of the group now
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}

    def start(self) -> "CpuMeter":
        self.read(baseline=True)
        return self

    def read(self, baseline: bool = False) -> None:
        for name, pids in self.groups.items():
            for pid in pids():
                used = cpu_seconds(pid)
                if used is not None:
                    self.first.setdefault((name, pid), used if baseline else 0.0)
                    self.last[(name, pid)] = used

    def used(self) -> dict[str, float]:
        totals = dict.fromkeys(self.groups, 0.0)
        for (name, pid), used in self.last.items():
            totals[name] += used - self.first[(name, pid)]
        return totals
