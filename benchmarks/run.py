"""Throughput, start-up and memory of the toolkit, written as a small Markdown table.

    python benchmarks/run.py                      # ratios, start-up, RSS at 100k abstracts
    python benchmarks/run.py --rss 100000 1000000 # also the 1-million-abstract corpus

Every ratio compares figures measured in this one run, on the same texts. Corpora are
synthesized from the seed pages: unique ids and titles, numbers and sentence order varied,
so no two abstracts are the same string (spaCy's tokenizer caches repeated strings).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
NUMBER = re.compile(r"\d+(?:\.\d+)?")
CHUNKS = 10  # throughput is timed chunk by chunk (see ``throughput``)


def synthesize(n: int, path: Path, seed: int = 0) -> Path:
    """``n`` varied abstracts as JSONL (streamed: the file may be a gigabyte)."""
    sys.path.insert(0, str(ROOT))
    from extract.io.read import read_papers

    papers, _, _ = read_papers([SEEDS])
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            paper = papers[i % len(papers)]
            sentences = re.split(r"(?<=\.) ", paper.abstract)
            rng.shuffle(sentences)
            text = " ".join(sentences)
            text = NUMBER.sub(lambda m: _vary(m.group(), rng), text)
            record = {"id": f"syn-{i:07d}", "title": f"{paper.title} (variant {i})", "abstract": text}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _vary(number: str, rng: random.Random) -> str:
    if "." in number:
        whole, frac = number.split(".")
        return f"{max(0, int(whole) + rng.randint(-3, 3))}.{frac}"
    return str(max(1, int(number) + rng.randint(-2, 2))) if len(number) < 4 else number


def texts_of(path: Path, n: int) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["abstract"] for _, line in zip(range(n), handle)]


def throughput(texts: list[str], repeats: int) -> dict[str, float]:
    """Abstracts per second: spaCy's blank tokenizer alone vs our full pipeline, same texts.

    Each runs ``repeats`` times on a fresh pipeline (cold caches every time) over the texts in
    ``CHUNKS`` consecutive chunks. A chunk's time is its best over the runs; the rate is the
    texts over the sum of those times. This machine shares its cores: a burst of other work
    slows a stretch of one run (whole runs varied by ±5 %, the best of three whole runs by
    ±4 %). Keeping each chunk's best drops such bursts, for every measure alike.
    """
    import spacy

    sys.path.insert(0, str(ROOT))
    from extract.pipeline.build import build_nlp

    size = -(-len(texts) // CHUNKS)
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    best = {name: [float("inf")] * len(chunks) for name in ("tokenizer", "ml_tokenizer", "full")}
    for _ in range(repeats):
        blank = spacy.blank("en")
        ours = build_nlp(use_env=False).tokenizer
        nlp = build_nlp(use_env=False)
        runs = {"tokenizer": blank.pipe, "ml_tokenizer": ours.pipe, "full": nlp.pipe}
        for name, run in runs.items():
            for k, chunk in enumerate(chunks):
                started = time.perf_counter()
                deque(run(chunk), maxlen=0)  # each doc made and dropped, as in a streaming run
                best[name][k] = min(best[name][k], time.perf_counter() - started)
    return {name: len(texts) / sum(times) for name, times in best.items()}


def stages(texts: list[str]) -> dict[str, float]:
    """Milliseconds per abstract of each stage, run stage by stage over all texts on a
    fresh pipeline (cold caches, as in ``throughput``): where the time goes."""
    sys.path.insert(0, str(ROOT))
    from extract.pipeline.build import build_nlp

    nlp = build_nlp(use_env=False)
    started = time.perf_counter()
    docs = [nlp.make_doc(text) for text in texts]
    spent = {"tokenizer": time.perf_counter() - started}
    for name, component in nlp.pipeline:
        started = time.perf_counter()
        docs = list(component.pipe(docs))
        spent[name] = time.perf_counter() - started
    return {name: 1000 * seconds / len(texts) for name, seconds in spent.items()}


def startup() -> float:
    """Seconds for a fresh interpreter to import the package and build the pipeline."""
    code = (
        "import time; t = time.perf_counter(); import extract; extract.build_nlp(); "
        "print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(done.stdout.strip())


def batch(corpus: Path, jobs: int, out_dir: Path) -> tuple[float, float]:
    """(abstracts/s, peak RSS in MB of the largest process) for ``extract batch``."""
    out = out_dir / f"claims-{jobs}-{corpus.stem}.parquet"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "extract", "batch", str(corpus), "-o", str(out), "-q", "--jobs", str(jobs)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    lines = sum(1 for _ in corpus.open(encoding="utf-8"))
    return lines / seconds, max(peak, before) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--texts", type=int, default=2000, help="abstracts for the throughput ratios")
    parser.add_argument(
        "--jobs-corpus",
        type=int,
        default=50000,
        help="abstracts for --jobs 1 vs 2 (start-up and pool set-up are serial: at 20,000 they "
        "were a tenth of the --jobs 2 run)",
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="throughput runs; each chunk's best time is kept"
    )
    parser.add_argument("--rss", type=int, nargs="*", default=[100_000], help="corpus sizes for peak RSS")
    parser.add_argument(
        "--rss-jobs", type=int, default=1, help="--jobs for the RSS runs (RSS is per process)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.md")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="extract-bench-"))
    rows: list[tuple[str, str]] = []
    sample = synthesize(max(args.texts, args.jobs_corpus), work / "sample.jsonl")
    speed = throughput(texts_of(sample, args.texts), args.repeats)
    rows += [
        ("spaCy blank tokenizer alone (abstracts/s)", f"{speed['tokenizer']:.0f}"),
        ("our tokenizer with ML rules alone (abstracts/s)", f"{speed['ml_tokenizer']:.0f}"),
        ("full pipeline, one process (abstracts/s)", f"{speed['full']:.0f}"),
        ("full pipeline / blank tokenizer", f"{speed['full'] / speed['tokenizer']:.3f}"),
    ]
    rows += [
        (f"stage {name} (ms/abstract)", f"{ms:.3f}")
        for name, ms in stages(texts_of(sample, args.texts)).items()
    ]
    rows.append(("start-up: import + pipeline build (s)", f"{startup():.2f}"))
    jobs_corpus = work / "jobs.jsonl"
    with sample.open(encoding="utf-8") as src, jobs_corpus.open("w", encoding="utf-8") as dst:
        for _, line in zip(range(args.jobs_corpus), src):
            dst.write(line)
    one, _ = batch(jobs_corpus, 1, work)
    two, _ = batch(jobs_corpus, 2, work)
    rows += [
        (f"extract batch --jobs 1, {args.jobs_corpus} abstracts (abstracts/s)", f"{one:.0f}"),
        (f"extract batch --jobs 2, {args.jobs_corpus} abstracts (abstracts/s)", f"{two:.0f}"),
        ("--jobs 2 / --jobs 1", f"{two / one:.2f}"),
    ]
    for size in args.rss:
        corpus = synthesize(size, work / f"corpus-{size}.jsonl")
        rate, peak = batch(corpus, args.rss_jobs, work)
        rows.append(
            (
                f"peak RSS of any process, {size:,} abstracts, --jobs {args.rss_jobs} (MB)",
                f"{peak:.0f}  ({rate:.0f} abstracts/s)",
            )
        )
        corpus.unlink()
    table = "| measure | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
    header = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores, Python "
        f"{sys.version.split()[0]}.\n\n"
    )
    args.out.write_text(header + table, encoding="utf-8")
    print(header + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
