#!/usr/bin/env python
"""The initiative search in the database alone: each way of answering a term, over random terms.

    .venv/bin/python bench/seed.py --scale real                 # once (see bench/seed.py)
    .venv/bin/python bench/search.py --scale real --terms 300

Terms of 1 to 6 characters are cut at random from the seeded initiatives' texts (plus random pairs
of characters: bench/pages.py ``random_terms``). Each is run as the initiative list runs it (public
initiatives, the 21 newest: a page of 20 and whether there is another), in this process, by:

- ``grams``: the stored gram column and its GIN index (members/search.py ``gram_search``: a capped
  probe of the index, then the rare or the common word's plan; the probe is timed too);
- ``substring``: main's substring test per word (``substring_search``);
- ``search``: what ``Initiative.objects.search`` does (members/search.py ``text_search``).

It prints p50/p95/p99 in ms overall and by term length (1, 2, 3+ characters), and checks that
every way finds the same initiatives for every term (exit status 1 when one does not). No web
server, no cache: the database only. ``--json FILE`` writes the figures (tests/bench runs it).
"""

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="real")
    parser.add_argument("--terms", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-check", action="store_true", help="skip the comparison of results")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    setup_django(args.scale)

    from bench.pages import random_terms
    from members.search import gram_search, search_words, substring_search
    from working_groups.models import Initiative

    public = Initiative.objects.public()
    texts = [" ".join(row) for row in public.values_list("title", "summary", "title_translated")]
    terms = random_terms(random.Random(args.seed), texts, args.terms)
    ways = {
        "grams": lambda words, t: gram_search(public, words),
        "substring": lambda words, t: substring_search(public, words),
        "search": lambda words, t: public.search(t),
    }
    times = {(name, length): [] for name in ways for length in ("all", "1", "2", "3+")}
    found_something = 0  # terms that found at least one initiative (each is cut from one's text but a tenth)
    for term in terms:
        words = search_words(term)
        if not words:
            continue
        length = str(min(max(len(w) for w in words), 3)).replace("3", "3+")
        found = set()
        for name, way in ways.items():
            start = time.perf_counter()  # building the query may run one (the gram probe)
            query = way(words, term).order_by("-published_at", "-id")[:21]
            list(query.values_list("pk", flat=True))
            ms = (time.perf_counter() - start) * 1000
            times[name, "all"].append(ms)
            times[name, length].append(ms)
            if not args.no_check:
                found.add(frozenset(way(words, term).values_list("pk", flat=True)))
        if len(found) > 1:
            sys.exit(f"different results for {term!r}")
        found_something += any(found)
    rows = [{"way": name, "length": length, "n": len(values), "p50": percentile(values, .5),
             "p95": percentile(values, .95), "p99": percentile(values, .99), "max": max(values)}
            for (name, length), values in times.items() if values]
    public_count = public.count()
    load = os.getloadavg()
    print(f"{len(terms)} terms, {public_count} public initiatives; ms in the database, 21 newest; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    for row in rows:
        print(f"{row['way']:10} {row['length']:>3} chars n={row['n']:4} p50 {row['p50']:7.1f}"
              f"  p95 {row['p95']:7.1f}  p99 {row['p99']:7.1f}  max {row['max']:7.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "terms": len(terms), "public_initiatives": public_count, "checked": not args.no_check,
            "found_something": found_something, "load_average": load, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
