"""Corpus readers: page dumps, JSONL, CSV (each optionally gzipped) → ``Record`` stream.

Readers are generators so memory stays flat however large the corpus is. A record that
cannot be used becomes a ``Rejected`` item carrying its ``file:line`` and the reason, so the
caller can account for every input record.
"""

from __future__ import annotations

import csv
import glob
import gzip
import hashlib
import io
import json
import os
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from extract.errors import InputError


@dataclass(frozen=True)
class Record:
    """One abstract as it stands in one input file."""

    source: str
    title: str
    abstract: str
    id: str | None = None


@dataclass(frozen=True)
class Rejected:
    """An input record (or a whole file) that could not be used, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class Fields:
    """Which input columns hold the id, title and abstract (configurable per corpus)."""

    id: str = "id"
    title: str = "title"
    abstract: str = "abstract"


@dataclass
class Paper:
    """A distinct paper after deduplication, with every place it was read from."""

    paper_id: str
    title: str
    abstract: str
    sources: list[str] = field(default_factory=list)


DEFAULT_FIELDS = Fields()
PAGE_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv", ".tsv")
KNOWN_SUFFIXES = PAGE_SUFFIXES + JSONL_SUFFIXES + CSV_SUFFIXES


# ---------------------------------------------------------------- file discovery


def expand_inputs(inputs: Iterable[str | os.PathLike]) -> list[Path]:
    """Turn files, directories and glob patterns into a sorted, de-duplicated file list."""
    found: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and _is_corpus_file(p)))
        elif path.is_file():
            found.append(path)
        elif glob.has_magic(text):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not matches:
                raise InputError(f"{text}: no file matches this pattern")
            found.extend(matches)
        else:
            raise InputError(f"{text}: no such file or directory")
    unique: dict[Path, None] = dict.fromkeys(found)
    return list(unique)


def _is_corpus_file(path: Path) -> bool:
    return _base_suffix(path) in KNOWN_SUFFIXES


def _base_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


# ---------------------------------------------------------------- text access


def _open_text(path: Path) -> io.TextIOBase:
    """Open a (possibly gzipped) file as UTF-8 text; undecodable bytes become U+FFFD.

    Replacing instead of failing keeps every other record of a mostly-good file; the
    record that held the bad bytes is flagged by ``_check_text`` below.
    """
    raw = gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")


def _check_text(source: str, title: str, abstract: str) -> Rejected | None:
    if "\x00" in abstract or "\x00" in title:
        return Rejected(source, "binary content (NUL bytes)")
    if not title.strip() and not abstract.strip():
        return Rejected(source, "empty record: no title and no abstract")
    if not abstract.strip():
        return Rejected(source, "missing or empty abstract")
    return None


def _make_record(source: str, title: str, abstract: str, rid: str | None) -> Record | Rejected:
    problem = _check_text(source, title, abstract)
    if problem:
        return problem
    return Record(source=source, title=title.strip(), abstract=abstract.strip(), id=rid)


# ---------------------------------------------------------------- page dumps

_BOILERPLATE = re.compile(
    r"^(new|Subscribe|Daily Papers|by ?AK and the research community"
    r"|Get trending papers in your email inbox( once a day)?!)$"
)
_DATE_LINE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}(, \d{4})?( \d+)?$")
_AUTHORS_LINE = re.compile(r"^\s*•\s*\d+ authors?$")
_META_SEPARATOR = "·"
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=\S)")


def read_page_dump(path: Path) -> Iterator[Record | Rejected]:
    """Read a Daily-Papers page dump: title line, abstract line, optional metadata lines.

    Three layouts occur: blank-line separated entries with author/date/upvote lines,
    compact title-line/abstract-line pages, and a first title glued to "Subscribe".
    """
    with _open_text(path) as handle:
        lines = [line.rstrip("\r\n") for line in handle]
    metadata = set()
    for i, line in enumerate(lines):
        if line.strip() == _META_SEPARATOR:
            metadata.update(_neighbour_lines(lines, i))
    content: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        text = _GLUED_SUBSCRIBE.sub("", line.strip())
        if (
            not text
            or i in metadata
            or text == _META_SEPARATOR
            or _BOILERPLATE.match(text)
            or _DATE_LINE.match(text)
            or _AUTHORS_LINE.match(text)
        ):
            continue
        content.append((i + 1, text))
    for (line_no, title), (_, abstract) in zip(content[0::2], content[1::2]):
        yield _make_record(f"{path}:{line_no}", title, abstract, None)
    if len(content) % 2:
        line_no, title = content[-1]
        yield Rejected(f"{path}:{line_no}", "title without an abstract at end of page")


def _neighbour_lines(lines: list[str], index: int) -> list[int]:
    """The nearest non-blank line before and after a metadata separator."""
    found = []
    for step in (-1, 1):
        j = index + step
        while 0 <= j < len(lines) and not lines[j].strip():
            j += step
        if 0 <= j < len(lines):
            found.append(j)
    return found


# ---------------------------------------------------------------- JSONL and CSV


def read_jsonl(path: Path, fields: Fields) -> Iterator[Record | Rejected]:
    """Read one JSON object per line; a malformed line is rejected, the rest still read."""
    with _open_text(path) as handle:
        for line_no, line in _numbered_lines(path, handle):
            source = f"{path}:{line_no}"
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Rejected(source, f"malformed JSON: {exc.msg} (column {exc.colno})")
                continue
            if not isinstance(obj, dict):
                yield Rejected(source, f"expected a JSON object, got {type(obj).__name__}")
                continue
            yield _record_from_mapping(source, obj, fields)


def _numbered_lines(path: Path, handle: io.TextIOBase) -> Iterator[tuple[int, str]]:
    try:
        yield from enumerate(handle, start=1)
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError(f"{path}: truncated or corrupt compressed file ({exc})") from exc


def read_csv(path: Path, fields: Fields) -> Iterator[Record | Rejected]:
    """Read a CSV/TSV with a header row; quoted newlines are part of the field."""
    delimiter = "\t" if _base_suffix(path) == ".tsv" else ","
    with _open_text(path) as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        try:
            header = reader.fieldnames or []
            missing = [name for name in (fields.title, fields.abstract) if name not in header]
            if missing:
                raise InputError(
                    f"{path}:1: missing column(s) {', '.join(missing)}; found {', '.join(header)}"
                )
            for row in reader:
                yield _record_from_mapping(f"{path}:{reader.line_num}", row, fields)
        except csv.Error as exc:
            yield Rejected(f"{path}:{reader.line_num}", f"malformed CSV: {exc}")
        except (EOFError, OSError, zlib.error) as exc:
            raise InputError(f"{path}: truncated or corrupt compressed file ({exc})") from exc


def _record_from_mapping(source: str, obj: dict, fields: Fields) -> Record | Rejected:
    title = obj.get(fields.title)
    abstract = obj.get(fields.abstract)
    for name, value in ((fields.title, title), (fields.abstract, abstract)):
        if value is not None and not isinstance(value, str):
            return Rejected(source, f"field '{name}' is {type(value).__name__}, not text")
    rid = obj.get(fields.id)
    rid = None if rid in (None, "") else str(rid)
    return _make_record(source, title or "", abstract or "", rid)


# ---------------------------------------------------------------- dispatch


def read_file(path: Path, fields: Fields = DEFAULT_FIELDS) -> Iterator[Record | Rejected]:
    """Read one corpus file, choosing the reader by suffix (``.gz`` is looked through)."""
    suffix = _base_suffix(path)
    if suffix in PAGE_SUFFIXES:
        yield from read_page_dump(path)
    elif suffix in JSONL_SUFFIXES:
        yield from read_jsonl(path, fields)
    elif suffix in CSV_SUFFIXES:
        yield from read_csv(path, fields)
    else:
        raise InputError(
            f"{path}: unknown file type '{suffix or path.name}' "
            f"(expected one of {', '.join(KNOWN_SUFFIXES)}, optionally .gz)"
        )


def iter_records(paths: Iterable[Path], fields: Fields = DEFAULT_FIELDS) -> Iterator[Record | Rejected]:
    """Every record of every file, in order."""
    for path in paths:
        yield from read_file(path, fields)


# ---------------------------------------------------------------- deduplication


def normalize_title(title: str) -> str:
    """Title key used for deduplication: case, accents, punctuation and spacing folded."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.findall(r"\w+", text))


def title_key(title: str) -> str:
    """A short stable hash of the normalized title (no abstract kept in memory)."""
    return hashlib.sha1(normalize_title(title).encode("utf-8")).hexdigest()[:16]


class Deduplicator:
    """Assigns paper ids and folds repeated papers into one, remembering every source.

    Only hashes and ids are held, never abstracts, so memory grows with the number of
    distinct papers, not with their text.
    """

    def __init__(self) -> None:
        self.paper_of_title: dict[str, str] = {}
        self.title_of_id: dict[str, str] = {}
        self.sources: dict[str, list[str]] = {}
        self.titles: dict[str, str] = {}

    def add(self, record: Record) -> tuple[str, bool] | Rejected:
        """Return ``(paper_id, is_new)`` or a ``Rejected`` for a conflicting id."""
        key = title_key(record.title) if record.title.strip() else _text_key(record.abstract)
        if record.id is not None and record.id in self.title_of_id:
            if self.title_of_id[record.id] != key:
                return Rejected(record.source, f"duplicate id '{record.id}' with a different title")
        paper_id = self.paper_of_title.get(key)
        if paper_id is not None:
            self.sources[paper_id].append(record.source)
            return paper_id, False
        paper_id = record.id if record.id is not None else "t" + key
        self.paper_of_title[key] = paper_id
        if record.id is not None:
            self.title_of_id[record.id] = key
        self.sources[paper_id] = [record.source]
        self.titles[paper_id] = record.title
        return paper_id, True


def _text_key(text: str) -> str:
    return hashlib.sha1(normalize_title(text[:500]).encode("utf-8")).hexdigest()[:16]


def read_papers(
    inputs: Iterable[str | os.PathLike], fields: Fields = DEFAULT_FIELDS
) -> tuple[list[Paper], list[Rejected], int]:
    """Read and deduplicate a whole corpus in memory (the convenient small-corpus API).

    Returns the distinct papers, the rejects, and the number of records read.
    """
    dedupe = Deduplicator()
    papers: dict[str, Paper] = {}
    rejects: list[Rejected] = []
    n_read = 0
    for item in iter_records(expand_inputs(inputs), fields):
        n_read += 1
        if isinstance(item, Rejected):
            rejects.append(item)
            continue
        outcome = dedupe.add(item)
        if isinstance(outcome, Rejected):
            rejects.append(outcome)
            continue
        paper_id, is_new = outcome
        if is_new:
            papers[paper_id] = Paper(paper_id, item.title, item.abstract)
        papers[paper_id].sources = dedupe.sources[paper_id]
    return list(papers.values()), rejects, n_read
