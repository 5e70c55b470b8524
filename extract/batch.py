"""Run the whole flow over a corpus: read → dedupe → pipeline → claims/papers/rejects tables.

Records stream through in chunks, so memory holds one chunk of abstracts at a time. Every
record read is counted in exactly one bucket of the ``Summary``: a paper with claims
(``ok``), a paper without (``empty``), a duplicate of an earlier paper, or a reject.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import pandas as pd
from spacy.language import Language

from extract.errors import RecordError
from extract.read import (
    DEFAULT_FIELDS,
    Deduplicator,
    Fields,
    Record,
    Rejected,
    expand_inputs,
    iter_records,
)
from extract.table import (
    CLAIM_COLUMNS,
    PAPER_COLUMNS,
    TableWriter,
    claim_rows,
    claims_frame,
    frame,
    papers_frame,
)

REJECT_COLUMNS = ["source", "reason"]
CHUNK = 256


@dataclass
class Summary:
    """What a run did; the four buckets add up to ``records``."""

    records: int = 0
    ok: int = 0
    empty: int = 0
    duplicates: int = 0
    rejected: int = 0
    claims: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def papers(self) -> int:
        return self.ok + self.empty

    def balanced(self) -> bool:
        return self.records == self.ok + self.empty + self.duplicates + self.rejected

    def line(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.claims.items())) or "none"
        return (
            f"{self.records} records read, {self.papers} papers ({self.ok} with claims, "
            f"{self.empty} empty), {self.duplicates} duplicates, {self.rejected} rejected; "
            f"{sum(self.claims.values())} claims ({kinds}); {self.seconds:.1f} s"
        )


@dataclass
class Tables:
    """The in-memory result of ``extract_table``."""

    claims: pd.DataFrame
    papers: pd.DataFrame
    rejects: pd.DataFrame
    summary: Summary


class Sink:
    """Where a run's rows go: appended to files, or collected for ``extract_table``."""

    def claims(self, rows: list[dict]) -> None: ...

    def papers(self, rows: list[dict]) -> None: ...

    def rejects(self, rows: list[dict]) -> None: ...


class MemorySink(Sink):
    def __init__(self) -> None:
        self.claim_rows: list[dict] = []
        self.paper_rows: list[dict] = []
        self.reject_rows: list[dict] = []

    def claims(self, rows: list[dict]) -> None:
        self.claim_rows.extend(rows)

    def papers(self, rows: list[dict]) -> None:
        self.paper_rows.extend(rows)

    def rejects(self, rows: list[dict]) -> None:
        self.reject_rows.extend(rows)


class FileSink(Sink):
    """Appends to the three output tables; they appear only when the run completes."""

    def __init__(self, claims: Path, papers: Path, rejects: Path) -> None:
        self.writers = [
            TableWriter(claims, CLAIM_COLUMNS),
            TableWriter(papers, PAPER_COLUMNS),
            TableWriter(rejects, REJECT_COLUMNS),
        ]

    def claims(self, rows: list[dict]) -> None:
        if rows:
            self.writers[0].write(claims_frame(rows))

    def papers(self, rows: list[dict]) -> None:
        if rows:
            self.writers[1].write(papers_frame(rows))

    def rejects(self, rows: list[dict]) -> None:
        if rows:
            self.writers[2].write(frame(rows, REJECT_COLUMNS))

    def close(self) -> None:
        for writer in self.writers:
            writer.close()

    def abort(self) -> None:
        for writer in self.writers:
            writer.abort()


def default_rejects_path(output: Path) -> Path:
    """'claims.csv' → 'claims.rejects.jsonl' beside it."""
    return output.with_name(output.stem + ".rejects.jsonl")


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def process(
    records: Iterable[Record | Rejected],
    nlp: Language,
    sink: Sink,
    summary: Summary,
    strict: bool = False,
    progress=None,
) -> None:
    """Deduplicate, extract and hand every row to ``sink``; count everything in ``summary``."""
    dedupe = Deduplicator()
    pending_papers: dict[str, dict] = {}
    for chunk in _chunks(records, CHUNK):
        fresh: list[tuple[str, Record]] = []
        rejects = []
        for item in chunk:
            summary.records += 1
            outcome = item if isinstance(item, Rejected) else dedupe.add(item)
            if isinstance(outcome, Rejected):
                if strict:
                    raise RecordError(outcome.source, outcome.reason)
                summary.rejected += 1
                rejects.append({"source": outcome.source, "reason": outcome.reason})
                continue
            paper_id, is_new = outcome
            if is_new:
                fresh.append((paper_id, item))
            else:
                summary.duplicates += 1
        sink.rejects(rejects)
        sink.claims(_extract_chunk(nlp, fresh, pending_papers, summary))
        if progress is not None:
            progress.update(len(chunk))
    for paper_id, row in pending_papers.items():
        row["sources"] = ";".join(dedupe.sources[paper_id])
    sink.papers(list(pending_papers.values()))


def _extract_chunk(
    nlp: Language, fresh: list[tuple[str, Record]], papers: dict[str, dict], summary: Summary
) -> list[dict]:
    rows: list[dict] = []
    for (paper_id, record), doc in zip(fresh, nlp.pipe(_docs(nlp, fresh))):
        claims = doc._.claims or []
        rows += claim_rows(paper_id, claims)
        summary.claims.update(c.kind for c in claims)
        status = "ok" if claims else "empty"
        setattr(summary, status, getattr(summary, status) + 1)
        papers[paper_id] = {
            "paper_id": paper_id,
            "title": record.title,
            "sources": "",
            "n_claims": len(claims),
            "status": status,
            "error": None,
        }
    return rows


def _docs(nlp: Language, fresh: list[tuple[str, Record]]) -> Iterator:
    """Tokenized docs carrying their title (the proposed-name finder reads it)."""
    for _, record in fresh:
        doc = nlp.make_doc(record.abstract)
        doc._.title = record.title
        yield doc


def extract_table(
    inputs: Sequence[str | os.PathLike],
    rules: Sequence[str | os.PathLike] = (),
    fields: Fields = DEFAULT_FIELDS,
    nlp: Language | None = None,
) -> Tables:
    """The Python API: corpus files in, claims / papers / rejects DataFrames out."""
    from extract.pipeline import build_nlp

    started = time.perf_counter()
    nlp = nlp or build_nlp(rules)
    sink, summary = MemorySink(), Summary()
    process(iter_records(expand_inputs(inputs), fields), nlp, sink, summary)
    summary.seconds = time.perf_counter() - started
    return Tables(
        claims_frame(sink.claim_rows),
        papers_frame(sink.paper_rows),
        frame(sink.reject_rows, REJECT_COLUMNS),
        summary,
    )


def extract_text(text: str, nlp: Language | None = None) -> pd.DataFrame:
    """Claims of one abstract as a DataFrame (paper_id empty)."""
    from extract.pipeline import build_nlp

    doc = (nlp or build_nlp())(text)
    return claims_frame(claim_rows("", doc._.claims or []))


def run_batch(
    inputs: Sequence[str | os.PathLike],
    output: str | os.PathLike,
    papers: str | os.PathLike | None = None,
    rejects: str | os.PathLike | None = None,
    rules: Sequence[str | os.PathLike] = (),
    fields: Fields = DEFAULT_FIELDS,
    strict: bool = False,
    show_progress: bool = True,
) -> Summary:
    """The ``extract batch`` job: write the tables to files, return the summary."""
    from extract.pipeline import build_nlp

    started = time.perf_counter()
    paths = expand_inputs(inputs)
    output = Path(output)
    papers_path = Path(papers) if papers else output.with_name(output.stem + ".papers" + output.suffix)
    rejects_path = Path(rejects) if rejects else default_rejects_path(output)
    nlp = build_nlp(rules)
    sink = FileSink(output, papers_path, rejects_path)
    summary = Summary()
    progress = _progress_bar(paths) if show_progress else None
    try:
        process(iter_records(paths, fields), nlp, sink, summary, strict, progress)
    except BaseException:
        sink.abort()  # a failed or interrupted run leaves no table that looks complete
        raise
    finally:
        if progress is not None:
            progress.close()
    sink.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _progress_bar(paths: list[Path]):
    """A records bar on stderr when it is a terminal (no pre-count pass over the corpus)."""
    from tqdm import tqdm

    return tqdm(
        total=None,
        unit=" records",
        file=sys.stderr,
        mininterval=0.5,
        disable=not sys.stderr.isatty(),
        desc="extract",
    )
