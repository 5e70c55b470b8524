"""Run the whole flow over a corpus: read → dedupe → pipeline → claims/papers/rejects tables.

Records stream through in chunks: memory holds one chunk of abstracts per worker, the
deduplicator's hashes, and nothing else (papers rows are spooled to disk and written at
the end with every source). Every record read is counted in exactly one bucket of the
``Summary``: a paper with claims (``ok``), a paper without (``empty``), a duplicate of an
earlier paper, or ``rejected`` (unusable input, a paper the pipeline failed on, or one
that took longer than its time limit).

Engines: ``local`` with ``jobs`` worker processes (output identical for any ``jobs``), and
``dask`` (see ``extract.table.distributed``), which runs the same chunk function on a cluster.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc

from extract.errors import ExtractError, InputError, OutputError, RecordError
from extract.io.read import (
    DEFAULT_FIELDS,
    Deduplicator,
    Fields,
    ReadPosition,
    Record,
    Rejected,
    expand_inputs,
    is_text_input,
    iter_memory,
    iter_records,
)
from extract.table.frames import (
    CLAIM_COLUMNS,
    PAPER_COLUMNS,
    STDOUT,
    StreamWriter,
    TableWriter,
    claim_rows,
    claims_frame,
    format_of,
    frame,
    metadata_column,
    papers_frame,
    table_stem,
    table_suffix,
)

REJECT_COLUMNS = ["source", "reason"]
CHUNK = 256
# Seconds one paper may take in the pipeline before it is rejected (a catastrophic rule
# regex, a pathological text): one record must never stall a run.
RECORD_TIMEOUT = 30.0

# One paper to extract: (paper_id, title, abstract, first source, dedupe key).
Item = tuple[str, str, str, str, str]


@dataclass
class Summary:
    """What a run did; the four record buckets add up to ``records``."""

    records: int = 0
    ok: int = 0
    empty: int = 0
    duplicates: int = 0
    rejected: int = 0
    files_rejected: int = 0
    claims: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    first_rejects: list[str] = field(default_factory=list)  # 'source: reason' of the first few
    outputs: list[str] = field(default_factory=list)  # where the tables went, claims first

    def nothing_usable(self) -> bool:
        """Every input was rejected: no paper, and at least one file or record rejected."""
        return self.papers == 0 and (self.rejected + self.files_rejected) > 0

    @property
    def papers(self) -> int:
        return self.ok + self.empty

    def balanced(self) -> bool:
        return self.records == self.ok + self.empty + self.duplicates + self.rejected

    def lines(self, seconds: float | None = None) -> list[str]:
        """The end-of-run report for a person: the reconciliation, the claims, where the
        tables went, the time (``seconds``: from process start, else the run's) and rate."""
        seconds = self.seconds if seconds is None else seconds
        kinds = ", ".join(f"{k} {n}" for k, n in self.claims.most_common()) or "none"
        files = f", {self.files_rejected} files rejected" if self.files_rejected else ""
        rate = f"{self.records / seconds:,.0f} records/s" if seconds > 0 else "—"
        return [  # the first line reconciles: records = with claims + empty + duplicates + rejected
            f"{self.records} records read, {self.papers} papers ({self.ok} with claims, {self.empty} empty), "
            f"{self.duplicates} duplicates, {self.rejected} rejected{files}",
            f"{sum(self.claims.values())} claims: {kinds}",
            *([f"wrote {', '.join(self.outputs)}"] if self.outputs else []),
            f"{seconds:.1f} s from start, {rate}",
        ]

    def line(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.claims.items())) or "none"
        files = f"; {self.files_rejected} files rejected" if self.files_rejected else ""
        return (
            f"{self.records} records read, {self.papers} papers ({self.ok} with claims, "
            f"{self.empty} empty), {self.duplicates} duplicates, {self.rejected} rejected{files}; "
            f"{sum(self.claims.values())} claims ({kinds}); {self.seconds:.1f} s"
        )


@dataclass
class Tables:
    """The in-memory result of ``extract_table``."""

    claims: pd.DataFrame
    papers: pd.DataFrame
    rejects: pd.DataFrame
    summary: Summary


@dataclass
class ChunkResult:
    """What extracting one chunk produced: claim rows and one papers row per paper."""

    claims: list[dict]
    papers: list[dict]


# ---------------------------------------------------------------- extraction of one chunk


def extract_chunk(nlp: Language, items: list[Item], timeout: float | None = None) -> ChunkResult:
    """Run the pipeline over a chunk of papers. A paper the pipeline fails on, or that takes
    longer than ``timeout`` seconds, is kept as a ``rejected`` papers row with the reason
    (reported, counted — never silently dropped)."""
    claims: list[dict] = []
    papers: list[dict] = []
    for (paper_id, title, _, source, key), (found, error) in zip(items, _run_pipeline(nlp, items, timeout)):
        claims += claim_rows(paper_id, found)
        status = "rejected" if error else "ok" if found else "empty"
        papers.append(
            {
                "paper_id": paper_id,
                "title": title,
                "sources": source,
                "key": key,
                "n_claims": len(found),
                "status": status,
                "error": error,
                "kinds": dict(Counter(c.kind for c in found)),
            }
        )
    return ChunkResult(claims, papers)


def _run_pipeline(nlp: Language, items: list[Item], timeout: float | None) -> list[tuple[list, str | None]]:
    """(claims, error) per paper. The chunk goes through ``nlp.pipe`` (components take it
    batch by batch, which is faster) with one paper's time limit for the whole chunk; if
    any paper makes it fail or the time runs out, the chunk is redone paper by paper, each
    with its own limit, so that only the failing or slow ones are rejected."""
    try:
        with time_limit(timeout):
            return [(doc._.claims or [], None) for doc in nlp.pipe(_docs(nlp, items))]
    except Exception:  # noqa: BLE001 — met again, and reported, paper by paper below
        return [_run_one(nlp, item, timeout) for item in items]


def _run_one(nlp: Language, item: Item, timeout: float | None) -> tuple[list, str | None]:
    if len(item[2]) > nlp.max_length:
        return [], f"abstract longer than {nlp.max_length:,} characters"
    try:
        with time_limit(timeout):
            return nlp(_doc(nlp, item))._.claims or [], None
    except RecordTimeout:
        return [], f"took longer than {timeout:g} s"
    except Exception as exc:  # noqa: BLE001 — one bad abstract must not end a run
        return [], f"pipeline failed: {type(exc).__name__}: {exc}"


def _docs(nlp: Language, items: list[Item]) -> Iterator[Doc]:
    for item in items:
        yield _doc(nlp, item)


def _doc(nlp: Language, item: Item) -> Doc:
    _, title, abstract, _, _ = item
    doc = nlp.make_doc(abstract)
    doc._.title = title
    return doc


class RecordTimeout(Exception):
    """A paper's time limit ran out (raised by the SIGALRM handler of ``time_limit``)."""


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``RecordTimeout`` in the block after ``seconds``.

    A SIGALRM handler raises it, which interrupts C code too: CPython's ``re`` checks for
    signals while it backtracks (``(a+)+$`` on 'a' * 40 + '!' stops at the limit), spaCy
    returns to Python between its steps. Signals reach only a process's main thread, so
    elsewhere (a Dask worker's task thread, a platform without SIGALRM) there is no limit.
    """
    usable = seconds and hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:  # the timer fires once: an alarm at this point cannot skip the restore
            signal.signal(signal.SIGALRM, previous)


def _raise_timeout(signum: int, frame: object) -> None:
    raise RecordTimeout


def resolve_timeout(seconds: float | None) -> float | None:
    """``0`` or None means no limit."""
    if seconds is not None and seconds < 0:
        raise ExtractError(f"--record-timeout must be 0 (no limit) or a positive number, not {seconds:g}")
    return seconds or None


# ---------------------------------------------------------------- reading and deduplication


@dataclass
class Batch:
    """One chunk of new papers, with the rejects met while reading it (kept in order), and
    each paper's input metadata (``Record.extra``; kept here, not sent to workers)."""

    items: list[Item]
    rejects: list[dict]
    metadata: list[dict[str, str]] = field(default_factory=list)


def batches(
    records: Iterable[Record | Rejected],
    summary: Summary,
    dedupe: Deduplicator,
    strict: bool,
    size: int = CHUNK,
) -> Iterator[Batch]:
    """Deduplicate a record stream into chunks of new papers; count every record."""
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        items: list[Item] = []
        rejects: list[dict] = []
        metadata: list[dict[str, str]] = []
        for item in chunk:
            if isinstance(item, Rejected) and item.warning:
                summary.warnings.append(f"{item.source}: {item.reason}")
                continue
            outcome = item if isinstance(item, Rejected) else dedupe.add(item)
            if isinstance(outcome, Rejected):
                if strict:
                    raise RecordError(outcome.source, outcome.reason)
                summary.records += outcome.record
                summary.rejected += outcome.record
                summary.files_rejected += not outcome.record
                if len(summary.first_rejects) < 3:
                    summary.first_rejects.append(f"{outcome.source}: {outcome.reason}")
                rejects.append({"source": outcome.source, "reason": outcome.reason})
                continue
            summary.records += 1
            paper_id, is_new, key = outcome
            if is_new:
                items.append((paper_id, item.title, item.abstract, item.source, key))
                metadata.append(item.extra)
            else:
                summary.duplicates += 1
        yield Batch(items, rejects, metadata)


# ---------------------------------------------------------------- engines


Runner = Callable[[Iterable[Batch]], Iterator[tuple[Batch, ChunkResult]]]
# What a worker does with one chunk: (pipeline, items, seconds per paper) → a picklable result.
ChunkFunction = Callable[[Language, list[Item], float | None], Any]


def local_runner(
    rules: Sequence[str | os.PathLike],
    jobs: int,
    nlp: Language | None = None,
    timeout: float | None = RECORD_TIMEOUT,
    chunk: ChunkFunction = extract_chunk,
) -> Runner:
    """Chunks in order, in this process (``jobs == 1``) or in a pool of worker processes.

    Where processes fork, the pipeline is built once here and inherited by every worker
    (copy-on-write); elsewhere each worker builds its own. ``timeout``: seconds per paper.
    ``chunk``: the work done per chunk (a module-level function, so that it pickles);
    claims extraction by default, corpus discovery passes its own.
    """
    import multiprocessing

    from extract.pipeline.build import build_nlp

    forking = sys.platform.startswith("linux")
    pipeline = nlp or (build_nlp(rules) if jobs == 1 or forking else None)
    if jobs == 1:
        return lambda stream: ((b, chunk(pipeline, b.items, timeout)) for b in stream)

    def run(stream: Iterable[Batch]) -> Iterator[tuple[Batch, ChunkResult]]:
        global _worker_nlp
        context = multiprocessing.get_context("fork" if forking else "spawn")
        _worker_nlp = pipeline
        built = None if forking else [str(r) for r in rules]
        with context.Pool(jobs, initializer=_init_worker, initargs=(built,)) as pool:
            pending = _Passthrough(stream)
            for result in pool.imap(partial(_work, timeout=timeout, chunk=chunk), pending, chunksize=1):
                yield pending.taken.pop(0), result

    return run


class _Passthrough:
    """Feeds chunks' items to the pool and keeps each chunk to pair it with its result.

    ``Pool.imap`` reads its input from a helper thread; the batches taken so far wait in
    ``taken`` until their results come back (in the same order)."""

    def __init__(self, stream: Iterable[Batch]) -> None:
        self.stream = iter(stream)
        self.taken: list[Batch] = []

    def __iter__(self) -> Iterator[list[Item]]:
        for batch in self.stream:
            self.taken.append(batch)
            yield batch.items


_worker_nlp: Language | None = None  # the pipeline of a worker process (inherited or built)


def _init_worker(rules: list[str] | None) -> None:
    """Interrupts are the parent's to handle: a worker ignores SIGINT (the terminal sends it
    to every process) and dies quietly on SIGTERM (how the pool stops it), so an interrupted
    run shows no worker tracebacks. ``rules``: build the pipeline here (no fork)."""
    global _worker_nlp
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if rules is not None:
        from extract.pipeline.build import build_nlp

        _worker_nlp = build_nlp(rules)


def _work(items: list[Item], timeout: float | None = None, chunk: ChunkFunction = extract_chunk) -> Any:
    assert _worker_nlp is not None, "worker used before _init_worker"
    return chunk(_worker_nlp, items, timeout)


def max_jobs() -> int:
    """More worker processes than this only cost memory and start-up (each holds a pipeline)."""
    return max(64, 4 * (os.cpu_count() or 1))


def resolve_jobs(jobs: int, warnings: list[str] | None = None) -> int:
    """``0`` means every core; more than ``max_jobs()`` is capped, with a warning."""
    if jobs < 0:
        raise OutputError(f"--jobs must be 0 (all cores) or a positive number, not {jobs}")
    if jobs > max_jobs():
        if warnings is not None:
            warnings.append(f"--jobs {jobs} is more than this machine can use; using {max_jobs()}")
        return max_jobs()
    return jobs or os.cpu_count() or 1


# ---------------------------------------------------------------- sinks


class Sink:
    """Where a run's rows go. Papers rows are spooled and finished once all sources are known."""

    def __init__(self) -> None:
        self.spool = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.metadata: dict[str, None] = {}  # the input's other fields, in order of first use

    def claims(self, rows: list[dict]) -> None:
        raise NotImplementedError

    def rejects(self, rows: list[dict]) -> None:
        raise NotImplementedError

    def papers(self, frame_: pd.DataFrame) -> None:
        raise NotImplementedError

    def spool_papers(self, rows: list[dict], metadata: Sequence[dict[str, str]] = ()) -> None:
        """Keep papers rows until the run ends; each gets its paper's input metadata."""
        for row, extra in zip(rows, metadata):
            for name, value in extra.items():
                column = metadata_column(name)
                self.metadata.setdefault(column)
                row[column] = value
        try:
            for row in rows:
                self.spool.write(json.dumps(row, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise OutputError(
                f"{tempfile.gettempdir()}: cannot write the papers spool ({exc.strerror})"
            ) from exc

    def finish_papers(self, dedupe: Deduplicator, size: int = 2_000) -> None:
        """Write the papers table from the spool, every source of each paper filled in
        (``size`` rows at a time: each row holds its abstract, so memory stays small)."""
        self.spool.seek(0)
        lines = iter(self.spool)
        while chunk := [json.loads(line) for line in islice(lines, size)]:
            for row in chunk:
                row["sources"] = ";".join(dedupe.sources_of(row.pop("key"), row["sources"]))
                row.pop("kinds")
            self.papers(papers_frame(chunk, self.metadata))
        self.spool.close()


class MemorySink(Sink):
    def __init__(self) -> None:
        super().__init__()
        self.claim_rows: list[dict] = []
        self.reject_rows: list[dict] = []
        self.paper_frames: list[pd.DataFrame] = []

    def claims(self, rows: list[dict]) -> None:
        self.claim_rows.extend(rows)

    def rejects(self, rows: list[dict]) -> None:
        self.reject_rows.extend(rows)

    def papers(self, frame_: pd.DataFrame) -> None:
        self.paper_frames.append(frame_)


class FileSink(Sink):
    """Appends to the three output tables; they appear only when the run completes.

    ``claims`` is any writer with ``path``, ``write(df)``, ``finish()``, ``publish()`` and
    ``abort()``: one table file (``TableWriter``) or Parquet partitions
    (``extract.table.distributed.PartitionWriter``).
    """

    def __init__(self, claims, papers: Path | None, rejects: Path | None) -> None:
        super().__init__()
        self.writers = [claims]
        try:
            for path, columns in ((papers, PAPER_COLUMNS), (rejects, REJECT_COLUMNS)):
                self.writers.append(NullWriter(columns) if path is None else TableWriter(path, columns))
        except OutputError:
            self.abort()
            raise

    def claims(self, rows: list[dict]) -> None:
        if rows:
            self._write(0, claims_frame(rows))

    def papers(self, frame_: pd.DataFrame) -> None:
        self.writers[1].columns = list(frame_.columns)  # every chunk has the same metadata columns
        self._write(1, frame_)

    def rejects(self, rows: list[dict]) -> None:
        if rows:
            self._write(2, frame(rows, REJECT_COLUMNS))

    def _write(self, index: int, df: pd.DataFrame) -> None:
        try:
            self.writers[index].write(df)
        except OSError as exc:  # a full disk: one line, not a traceback
            raise _cannot_write(self.writers[index], exc) from exc

    def close(self) -> None:
        """Publish the set together or not at all: every table is written out and synced
        first; if one fails (a full disk), every temporary file is removed and the tables of
        an earlier run stay as they were, a matching set."""
        for writer in self.writers:
            try:
                writer.finish()
            except OutputError:
                self.abort()
                raise
            except OSError as exc:
                self.abort()
                raise _cannot_write(writer, exc) from exc
        for writer in self.writers:
            writer.publish()

    def abort(self) -> None:
        self.spool.close()
        for writer in self.writers:
            writer.abort()


def _cannot_write(writer, exc: OSError) -> OutputError:
    return OutputError(f"{writer.path}: cannot write output ({exc.strerror or exc})")


# ---------------------------------------------------------------- the run


def process(
    records: Iterable[Record | Rejected],
    runner: Runner,
    sink: Sink,
    summary: Summary,
    strict: bool = False,
    progress=None,
) -> None:
    """Deduplicate, extract, and hand every row to ``sink``; count everything in ``summary``."""
    dedupe = Deduplicator()
    for batch, result in runner(batches(records, summary, dedupe, strict)):
        sink.rejects(batch.rejects)
        sink.claims(result.claims)
        for row, item in zip(result.papers, batch.items):
            row["abstract"] = item[2]  # the cleaned text the offsets index
        sink.spool_papers(result.papers, batch.metadata)
        for row in result.papers:
            setattr(summary, row["status"], getattr(summary, row["status"]) + 1)
            summary.claims.update(row["kinds"])
            if row["error"]:
                summary.warnings.append(f"{row['paper_id']}: {row['error']}")
        if progress is not None:
            progress.update(len(batch.items))
    sink.finish_papers(dedupe)


def extract_table(
    inputs: Sequence[str | os.PathLike] | Iterable[str | dict] | pd.DataFrame,
    rules: Sequence[str | os.PathLike] = (),
    fields: Fields = DEFAULT_FIELDS,
    nlp: Language | None = None,
    jobs: int = 1,
    record_timeout: float | None = RECORD_TIMEOUT,
) -> Tables:
    """The Python API: corpus files — or records in memory — in, claims / papers / rejects
    DataFrames out. ``inputs``: paths (files, directories, globs); or a DataFrame whose
    columns ``fields`` names (``Fields(id="arxiv_id", …)``); or an iterable of abstracts
    (strings with whitespace that name no file) or of dicts. ``record_timeout``: seconds a
    paper may take before it is rejected (0 or None: no limit)."""
    started = time.perf_counter()
    sink, summary = MemorySink(), Summary()
    runner = local_runner(rules, resolve_jobs(jobs, summary.warnings), nlp, resolve_timeout(record_timeout))
    process(_records(inputs, fields), runner, sink, summary)
    summary.seconds = time.perf_counter() - started
    papers = pd.concat(sink.paper_frames, ignore_index=True) if sink.paper_frames else papers_frame([])
    return Tables(claims_frame(sink.claim_rows), papers, frame(sink.reject_rows, REJECT_COLUMNS), summary)


def _records(inputs: object, fields: Fields) -> Iterator[Record | Rejected]:
    """Paths are read from files; a DataFrame, dicts and abstracts are read from memory."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if isinstance(inputs, pd.DataFrame):
        return iter_memory(inputs.to_dict("records"), fields)
    items = list(inputs)
    paths = [isinstance(item, (str, os.PathLike)) and not is_text_input(item) for item in items]
    if all(paths):
        return iter_records(expand_inputs(items), fields)
    if any(paths):
        raise InputError("extract_table: give paths or records (abstracts, dicts), not both")
    return iter_memory(items, fields)


def extract_text(text: str, nlp: Language | None = None, title: str = "") -> pd.DataFrame:
    """Claims of one abstract as a DataFrame (paper_id empty)."""
    from extract.pipeline.build import build_nlp

    nlp = nlp or build_nlp()
    doc = nlp.make_doc(text)
    doc._.title = title
    return claims_frame(claim_rows("", nlp(doc)._.claims or []))


def output_paths(output: Path, papers: str | os.PathLike | None, rejects: str | os.PathLike | None):
    """The three tables' paths: '-o claims.csv' → claims.papers.csv, claims.rejects.jsonl
    ('claims.csv.gz' → claims.papers.csv.gz). With ``-o -`` only the tables asked for (None
    for the others)."""
    if str(output) == STDOUT:
        chosen = [Path(p) if p else None for p in (papers, rejects)]
    else:
        format_of(output)
        stem = table_stem(output)
        chosen = [
            Path(papers) if papers else output.with_name(stem + ".papers" + table_suffix(output)),
            Path(rejects) if rejects else output.with_name(stem + ".rejects.jsonl"),
        ]
    for path in chosen:
        if path is not None:
            format_of(path)
    return chosen[0], chosen[1]


class NullWriter:
    """A table nobody asked for (``-o -`` without ``--papers``): rows are dropped."""

    def __init__(self, columns: list[str]) -> None:
        self.path, self.columns = os.devnull, columns

    def write(self, df: pd.DataFrame) -> None:
        """Dropped."""

    def finish(self) -> None:
        """Nothing to finish."""

    publish = abort = finish


def claims_writer(output: Path, fmt: str | None = None):
    """The claims table's writer: a file (format by suffix), or standard output for ``-``
    (``fmt``: csv, the default, or jsonl)."""
    if str(output) == STDOUT:
        return StreamWriter(CLAIM_COLUMNS, fmt or "csv")
    if fmt is not None and fmt != format_of(output):
        raise OutputError(f"{output}: --format {fmt} does not match the suffix; the suffix names the format")
    return TableWriter(output, CLAIM_COLUMNS)


def check_outputs(inputs: Sequence[Path], outputs: dict[str, Path]) -> None:
    """Refuse, before any work, an output that is an input (it would replace the corpus) or
    one path given for two outputs (one table would overwrite the other). ``outputs`` maps
    an option name to its path; paths are compared as the files they resolve to."""
    seen: dict[str, str] = {}
    for option, path in outputs.items():
        key = os.path.realpath(path)
        if key in seen:
            raise OutputError(f"{path}: given for both {seen[key]} and {option}; choose two paths")
        seen[key] = option
        clash = next((i for i in inputs if _same_file(i, path, key)), None)
        if clash is not None:
            raise OutputError(f"{path}: {option} would overwrite the input {clash}; choose another path")


def _same_file(a: Path, b: Path, b_real: str) -> bool:
    if os.path.realpath(a) == b_real:
        return True
    try:
        return os.path.samefile(a, b)  # hard links, case-insensitive file systems
    except OSError:
        return False  # b does not exist yet


def run_batch(
    inputs: Sequence[str | os.PathLike],
    output: str | os.PathLike,
    papers: str | os.PathLike | None = None,
    rejects: str | os.PathLike | None = None,
    rules: Sequence[str | os.PathLike] = (),
    fields: Fields = DEFAULT_FIELDS,
    strict: bool = False,
    show_progress: bool = True,
    jobs: int = 1,
    record_timeout: float | None = RECORD_TIMEOUT,
    fmt: str | None = None,
) -> Summary:
    """The ``extract batch`` job with the local engine: tables to files (``output`` ``-``:
    the claims to standard output, as ``fmt``), the summary back."""
    started = time.perf_counter()
    summary = Summary()
    output = Path(output)
    papers_path, rejects_path = output_paths(output, papers, rejects)
    paths = expand_inputs(inputs)
    outputs = {"-o": output, "--papers": papers_path, "--rejects": rejects_path}
    check_outputs(paths, {k: v for k, v in outputs.items() if v is not None and str(v) != STDOUT})
    timeout = resolve_timeout(record_timeout)
    position = ReadPosition(paths)
    progress = Progress(position, enabled=show_progress and sys.stderr.isatty())  # before the slow start-up
    try:
        runner = local_runner(rules, resolve_jobs(jobs, summary.warnings), timeout=timeout)
        sink = FileSink(claims_writer(output, fmt), papers_path, rejects_path)
        summary.outputs = [str(p) for p in (output, papers_path, rejects_path) if p is not None]
        if str(output) == STDOUT:
            summary.outputs[0] = "claims to stdout"
        progress.running()
        records = iter_records(paths, fields, position)
        return run_into(sink, records, runner, strict, started, progress, summary)
    finally:
        progress.close()


def run_into(
    sink: FileSink,
    records: Iterable[Record | Rejected],
    runner: Runner,
    strict: bool,
    started: float,
    progress=None,
    summary: Summary | None = None,
) -> Summary:
    """Run, then publish the tables; on any failure or interrupt they are removed instead,
    so no table that looks complete is left behind."""
    summary = Summary() if summary is None else summary
    try:
        process(records, runner, sink, summary, strict, progress)
    except BaseException:
        sink.abort()
        raise
    sink.close()
    summary.seconds = time.perf_counter() - started
    return summary


class Progress:
    """The bar a person watches (on stderr, when it is a terminal): shown from the start,
    while the pipeline is still being built; then the input's bytes read with total, percent,
    rate and ETA (the files' sizes are known without a counting pass), the papers done beside
    them. With standard input (no size) a papers counter instead."""

    def __init__(
        self, position: ReadPosition, enabled: bool = True, file=None, desc: str = "extract: loading rules"
    ) -> None:
        from tqdm import tqdm

        self.position = position
        self.papers = 0
        self.file = file or sys.stderr
        by_bytes = bool(position.total)
        self.bar = tqdm(
            total=position.total if by_bytes else None,
            unit="B" if by_bytes else " papers",
            unit_scale=by_bytes,
            unit_divisor=1024,
            file=self.file,
            mininterval=0.5,
            disable=not enabled,
            desc=desc,
            # a pty that reports a 0×0 size would hide the bar: the size shutil falls back to
            ncols=min(shutil.get_terminal_size().columns, 120),
            nrows=shutil.get_terminal_size().lines,
        )
        self.bar.refresh()

    def running(self) -> None:
        self.bar.set_description_str("extract", refresh=True)

    def note(self, line: str) -> None:
        """One line above the bar (printed even when the bar is off: not a terminal)."""
        self.bar.write(line, file=self.file)

    def update(self, papers: int) -> None:
        """A chunk is done: ``papers`` more papers."""
        self.papers += papers
        if self.bar.total:
            self.bar.set_postfix_str(f"{self.papers:,} papers", refresh=False)
            self.bar.update(self.position.bytes_read() - self.bar.n)
        else:
            self.bar.update(papers)

    def close(self) -> None:
        if self.bar.total and not self.bar.disable:
            self.bar.update(self.bar.total - self.bar.n)  # the last bytes (a file's end) are read
        self.bar.close()
