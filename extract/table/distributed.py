"""The Dask engine: the same chunk extraction, run on a Dask distributed cluster.

The client reads and deduplicates the corpus (a stream, so any size), submits each chunk
of new papers as a task, and writes results in submission order: claims as partitioned
Parquet (``part-00000.parquet``, … in the output directory; one file with ``merge``), the
papers and rejects tables as single files. Output rows are identical to the local engine.
At most ``window`` chunks are in flight, so client memory stays flat.

Dask is an optional extra: ``pip install .[dask]``.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd
from spacy.language import Language

from extract.errors import ExtractError, OutputError
from extract.io.read import DEFAULT_FIELDS, Fields, ReadPosition, expand_inputs, iter_records
from extract.table.batch import (
    Batch,
    ChunkResult,
    FileSink,
    Progress,
    Summary,
    check_outputs,
    extract_chunk,
    run_into,
)
from extract.table.frames import CLAIM_COLUMNS, STDOUT, TableWriter, table_stem, table_suffix


@lru_cache(maxsize=4)
def _pipeline(rules: tuple[str, ...]) -> Language:
    """One pipeline per worker process and rule set, built on the worker's first task."""
    from extract.pipeline.build import build_nlp

    return build_nlp(rules)


def _extract_on_worker(items: list, rules: tuple[str, ...]) -> ChunkResult:
    return extract_chunk(_pipeline(rules), items)


def dask_runner(client, rules: Sequence[str | os.PathLike], window: int = 8):
    """Submit chunks to ``client`` and yield (batch, result) in submission order."""
    rule_dirs = tuple(str(r) for r in rules)

    def run(stream: Iterable[Batch]) -> Iterator[tuple[Batch, ChunkResult]]:
        in_flight: deque = deque()
        for batch in stream:
            in_flight.append((batch, client.submit(_extract_on_worker, batch.items, rule_dirs, pure=False)))
            if len(in_flight) >= window:
                done, future = in_flight.popleft()
                yield done, future.result()
        while in_flight:
            done, future = in_flight.popleft()
            yield done, future.result()

    return run


class PartitionWriter:
    """Claims as one Parquet file per chunk in a directory, merged into one file on request.

    Partitions are written as temporary files and published with the papers and rejects
    tables (``FileSink.close``); publishing removes the ``part-*.parquet`` files an earlier
    run left in the directory (only those: other files are not this tool's), so the
    directory holds exactly this run's claims. A failed run leaves the earlier set as it was.
    """

    def __init__(self, directory: Path, merge_to: Path | None) -> None:
        self.path = directory
        self.merge_to = merge_to
        self.parts: list[TableWriter] = []
        self.merged: TableWriter | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{directory}: cannot write output ({exc.strerror})") from exc

    def write(self, df: pd.DataFrame) -> None:
        part = TableWriter(self.path / f"part-{len(self.parts):05d}.parquet", CLAIM_COLUMNS)
        self.parts.append(part)
        part.write(df)
        part.finish()

    def finish(self) -> None:
        if self.merge_to is not None:
            self.merged = TableWriter(self.merge_to, CLAIM_COLUMNS)
            for part in self.parts:
                self.merged.write(pd.read_parquet(part.tmp))
            self.merged.finish()

    def publish(self) -> None:
        written = {part.path for part in self.parts}
        for stale in self.path.glob("part-*.parquet"):
            if _PART_NAME.fullmatch(stale.name) and stale not in written:
                stale.unlink()
        for writer in [*self.parts, *([self.merged] if self.merged else [])]:
            writer.publish()

    def abort(self) -> None:
        for writer in [*self.parts, *([self.merged] if self.merged else [])]:
            writer.abort()


_PART_NAME = re.compile(r"part-\d{5,}\.parquet")
SCHEDULER_TIMEOUT = 10.0  # seconds to reach a --scheduler before giving up with one line


def _connect(scheduler: str | None, timeout: float):
    """A client of ``scheduler`` (a LocalCluster when None); an unreachable one is one line."""
    from dask.distributed import Client, LocalCluster

    if not scheduler:
        return Client(LocalCluster(processes=True))
    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ExtractError(
            f"cannot reach the Dask scheduler at {scheduler} within {timeout:g} s ({type(exc).__name__})"
        ) from exc


def run_dask(
    inputs: Sequence[str | os.PathLike],
    output: str | os.PathLike,
    papers: str | os.PathLike | None = None,
    rejects: str | os.PathLike | None = None,
    rules: Sequence[str | os.PathLike] = (),
    fields: Fields = DEFAULT_FIELDS,
    strict: bool = False,
    scheduler: str | None = None,
    merge: bool = False,
    client=None,
    scheduler_timeout: float = SCHEDULER_TIMEOUT,
    show_progress: bool = True,
) -> Summary:
    """``extract batch --engine dask``: ``output`` is the claims directory (``--merge``:
    ``output`` is one Parquet file and the partitions go to ``OUTPUT.parts/``). On a
    terminal the local engine's bar shows from the start (while the cluster starts) and
    moves as chunks come back; ``show_progress`` also prints the dashboard's address."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError as exc:
        raise ExtractError("the dask engine needs the optional extra: pip install '.[dask]'") from exc
    started = time.perf_counter()
    output = Path(output)
    if merge and output.suffix != ".parquet":
        raise OutputError(f"{output}: --merge writes one Parquet file; name it *.parquet")
    if str(output) == STDOUT:
        raise OutputError("-o -: --engine dask writes Parquet partitions, not a stream; use --engine local")
    if not merge and table_suffix(output):
        raise OutputError(
            f"{output}: --engine dask writes a directory of Parquet partitions; "
            f"name it without a suffix, or add --merge for one {table_stem(output)}.parquet"
        )
    directory = output.with_name(output.name + ".parts") if merge else output
    stem = output.with_suffix("") if merge else output
    papers_path = Path(papers) if papers else stem.with_name(stem.name + ".papers.parquet")
    rejects_path = Path(rejects) if rejects else stem.with_name(stem.name + ".rejects.jsonl")
    paths = expand_inputs(inputs)
    check_outputs(paths, {"-o": output, "--papers": papers_path, "--rejects": rejects_path})
    position = ReadPosition(paths)
    progress = Progress(position, show_progress and sys.stderr.isatty(), desc="extract: starting Dask")
    summary = Summary(outputs=[str(p) for p in (output, papers_path, rejects_path)])
    owned = None
    try:
        if client is None:
            client = owned = _connect(scheduler, scheduler_timeout)
        if show_progress:
            progress.note(f"extract: Dask dashboard at {client.dashboard_link or 'none (no dashboard)'}")
        progress.running()
        sink = FileSink(PartitionWriter(directory, output if merge else None), papers_path, rejects_path)
        records = iter_records(paths, fields, position)
        return run_into(sink, records, dask_runner(client, rules), strict, started, progress, summary)
    finally:
        progress.close()
        if owned is not None:
            owned.close()
