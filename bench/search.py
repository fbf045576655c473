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

The worst terms: ``--sweep`` adds to the terms cut from the texts the ones that defeat a gram
index (``sweep_terms``): absent strings, runs of a digit or a kana (666, ーーー: rare words made of
common pairs) and random digit and kana strings, a quarter of the terms in all; ``--ways`` picks the
ways (the slow ``substring`` is of no use over 10,000 terms); ``site`` times the site search's
database work (every kind's capped count and the initiatives' page, coalition/search.py) and
``directory`` the member directory's search. Each way prints its ten slowest terms.

    .venv/bin/python bench/search.py --scale large --terms 10000 --sweep --ways search,site,directory --no-check
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


DIGITS = "0123456789０１２３４５６７８９"
KANA = "あいうえおかきくけこしたてとなのはまやよらりるれろん" "アイウエオカキクシスタテトナノハマラリルレロンー"


def sweep_terms(rng, texts: list[str], n: int) -> list[str]:
    """``n`` terms: three quarters cut from ``texts`` (bench/pages.py ``random_terms``), the rest
    runs of one digit or kana (3 to 6: 666, ーーー), random digit and kana strings, and strings of
    the texts' characters at random (mostly absent)."""
    from bench.pages import random_terms

    chars = sorted({c for t in texts[:500] for c in t if not c.isspace()})
    terms = random_terms(rng, texts, n - n // 4)
    while len(terms) < n:
        length = rng.randint(3, 6)
        kind = rng.randrange(4)
        if kind == 0:
            terms.append(rng.choice(DIGITS + KANA) * length)
        elif kind == 1:
            terms.append("".join(rng.choice(DIGITS[:10]) for _ in range(length)))
        elif kind == 2:
            terms.append("".join(rng.choice(KANA) for _ in range(length)))
        else:
            terms.append("".join(rng.choice(chars) for _ in range(length)))
    rng.shuffle(terms)
    return terms


def site_search(term: str) -> None:
    """What the site search asks the database for a visitor: every kind's capped count and the
    open tab's page (the first with hits, or the initiatives)."""
    from django.contrib.auth.models import AnonymousUser

    from coalition import search

    found = search.find(AnonymousUser(), term)
    counts = search.hit_counts(found)
    key = next((k for k, n in counts.items() if n), "initiatives")
    kind = search.KINDS_BY_KEY[key]
    list(kind.rows(found[key].queryset)[: search.PER_PAGE + 1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="real")
    parser.add_argument("--terms", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-check", action="store_true", help="skip the comparison of results")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--sweep", action="store_true", help="add digit and kana runs and absent strings")
    parser.add_argument("--ways", default="grams,substring,search",
                        help="comma-separated: grams, substring, search, site, directory")
    args = parser.parse_args()
    setup_django(args.scale)

    from bench.pages import random_terms
    from members.filters import directory_ordering
    from members.models import Institution
    from members.search import gram_search, search_words, substring_search
    from working_groups.models import Initiative

    public = Initiative.objects.public()
    texts = [" ".join(row) for row in public.values_list("title", "summary", "title_translated")]
    rng = random.Random(args.seed)
    terms = sweep_terms(rng, texts, args.terms) if args.sweep else random_terms(rng, texts, args.terms)
    every_way = {
        "grams": lambda words, t: gram_search(public, words),
        "substring": lambda words, t: substring_search(public, words),
        "search": lambda words, t: public.search(t),
    }
    ways = {name: every_way.get(name) for name in args.ways.split(",")}
    # timed apart: not a queryset of initiatives, so never compared with the others
    others = {"site": site_search,
              "directory": lambda t: list(Institution.objects.active().search(t).order_by(*directory_ordering())
                                          .values_list("pk", flat=True)[:21])}
    if unknown := [name for name, way in ways.items() if way is None and name not in others]:
        sys.exit(f"unknown ways: {unknown}")
    times = {(name, length): [] for name in ways for length in ("all", "1", "2", "3+")}
    by_term = {name: [] for name in ways}
    found_something = 0  # terms that found at least one initiative (each is cut from one's text but a tenth)
    for term in terms:
        words = search_words(term)
        if not words:
            continue
        length = str(min(max(len(w) for w in words), 3)).replace("3", "3+")
        found = set()
        for name, way in ways.items():
            start = time.perf_counter()  # building the query may run one (the gram probe)
            if way is None:
                others[name](term)
            else:
                query = way(words, term).order_by("-published_at", "-id")[:21]
                list(query.values_list("pk", flat=True))
            ms = (time.perf_counter() - start) * 1000
            times[name, "all"].append(ms)
            times[name, length].append(ms)
            by_term[name].append((ms, term))
            if way is not None and not args.no_check:
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
    worst = {name: sorted(values, reverse=True)[:10] for name, values in by_term.items()}
    for name, values in worst.items():
        print(f"{name:10} slowest: " + ", ".join(f"{term!r} {ms:.0f}" for ms, term in values))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "terms": len(terms), "public_initiatives": public_count, "checked": not args.no_check,
            "found_something": found_something, "load_average": load, "rows": rows,
            "worst": {name: [{"term": term, "ms": ms} for ms, term in values] for name, values in worst.items()}},
            indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
