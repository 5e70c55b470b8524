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
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd
from spacy.language import Language

from extract.batch import Batch, ChunkResult, FileSink, Summary, extract_chunk, run_into
from extract.errors import ExtractError, OutputError
from extract.read import DEFAULT_FIELDS, Fields, expand_inputs, iter_records
from extract.table import CLAIM_COLUMNS, TableWriter


@lru_cache(maxsize=4)
def _pipeline(rules: tuple[str, ...]) -> Language:
    """One pipeline per worker process and rule set, built on the worker's first task."""
    from extract.pipeline import build_nlp

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
    """Claims as one Parquet file per chunk in a directory, merged into one file on request."""

    def __init__(self, directory: Path, merge_to: Path | None) -> None:
        self.directory = directory
        self.merge_to = merge_to
        self.written: list[Path] = []
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{directory}: cannot write output ({exc.strerror})") from exc

    def write(self, df: pd.DataFrame) -> None:
        path = self.directory / f"part-{len(self.written):05d}.parquet"
        with TableWriter(path, CLAIM_COLUMNS) as writer:
            writer.write(df)
        self.written.append(path)

    def close(self) -> None:
        if self.merge_to is not None:
            with TableWriter(self.merge_to, CLAIM_COLUMNS) as writer:
                for part in self.written:
                    writer.write(pd.read_parquet(part))

    def abort(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)


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
) -> Summary:
    """``extract batch --engine dask``: ``output`` is the claims directory (``--merge``:
    ``output`` is one Parquet file and the partitions go to ``OUTPUT.parts/``)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise ExtractError("the dask engine needs the optional extra: pip install '.[dask]'") from exc
    started = time.perf_counter()
    output = Path(output)
    if merge and output.suffix != ".parquet":
        raise OutputError(f"{output}: --merge writes one Parquet file; name it *.parquet")
    directory = output.with_name(output.name + ".parts") if merge else output
    stem = output.with_suffix("") if merge else output
    papers_path = Path(papers) if papers else stem.with_name(stem.name + ".papers.parquet")
    rejects_path = Path(rejects) if rejects else stem.with_name(stem.name + ".rejects.jsonl")
    owned = None
    if client is None:
        owned = Client(scheduler) if scheduler else Client(LocalCluster(processes=True))
        client = owned
    sink = FileSink(PartitionWriter(directory, output if merge else None), papers_path, rejects_path)
    try:
        records = iter_records(expand_inputs(inputs), fields)
        return run_into(sink, records, dask_runner(client, rules), strict, started)
    finally:
        if owned is not None:
            owned.close()
