"""How long building the pipeline takes with every shipped rule (not a test).

    python benchmarks/build_time.py [--repeat N]

Prints one line: rule count, the time to read and validate the rule files, the first
``build_nlp`` of the process (reads, validates and compiles), and later builds (the rule
set comes from the per-process cache; only the matchers are compiled again).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="later builds to time (median reported)")
    args = parser.parse_args()

    started = time.perf_counter()
    from extract.pipeline.build import build_nlp
    from extract.rules.ruleset import cached_rules, clear_cache, load_rules

    imported = time.perf_counter() - started

    started = time.perf_counter()
    ruleset = load_rules(use_env=False)
    validate = time.perf_counter() - started

    clear_cache()
    started = time.perf_counter()
    nlp = build_nlp(use_env=False)
    first = time.perf_counter() - started

    later = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        build_nlp(use_env=False)
        later.append(time.perf_counter() - started)

    started = time.perf_counter()
    docs = list(nlp.pipe(r.example for r in ruleset.rules if r.example))
    per_doc = (time.perf_counter() - started) / len(docs)

    assert cached_rules(use_env=False) is cached_rules(use_env=False)
    print(
        f"{len(ruleset.rules)} rules in {len(ruleset.families())} families: import {imported:.2f} s, "
        f"read+validate {validate:.2f} s, first build_nlp {first:.2f} s, "
        f"later builds {statistics.median(later):.2f} s (median of {args.repeat}), "
        f"{per_doc * 1000:.2f} ms per example sentence ({len(docs)} sentences)"
    )


if __name__ == "__main__":
    main()
