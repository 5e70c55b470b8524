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
import html
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
from extract.keymap import KeyMap


@dataclass(frozen=True)
class Record:
    """One abstract as it stands in one input file."""

    source: str
    title: str
    abstract: str
    id: str | None = None


@dataclass(frozen=True)
class Rejected:
    """An input record (or a whole file) that could not be used, and why.

    ``record`` is False for a problem of a whole file (unknown type, binary, truncated):
    such an entry is reported but is not one of the records read. ``warning`` marks a
    file-level note after which every record was still used (e.g. a non-UTF-8 line).
    """

    source: str
    reason: str
    record: bool = True
    warning: bool = False


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

_SNIFF_BYTES = 8192
_FALLBACK_ENCODING = "cp1252"


class LineReader:
    """The lines of a (possibly gzipped) file, decoded one by one, keeping line ends.

    A line that is not UTF-8 is decoded as Windows-1252 instead of failing (the common
    cause: a file saved by an old editor), and counted in ``fallback_lines`` so the caller
    can warn. A truncated gzip stops the lines and leaves the reason in ``error``: the lines
    before it are still used.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fallback_lines = 0
        self.error: str | None = None
        self.line_no = 0

    def _open(self) -> io.BufferedIOBase:
        return gzip.open(self.path, "rb") if self.path.suffix.lower() == ".gz" else open(self.path, "rb")

    def is_binary(self) -> bool:
        try:
            with self._open() as handle:
                return b"\x00" in handle.read(_SNIFF_BYTES)
        except (EOFError, OSError, zlib.error):
            return False  # a broken gzip is reported while reading, with its line number

    def __iter__(self) -> Iterator[str]:
        try:
            with self._open() as handle:
                for raw in handle:
                    self.line_no += 1
                    try:
                        yield raw.decode("utf-8")
                    except UnicodeDecodeError:
                        self.fallback_lines += 1
                        yield raw.decode(_FALLBACK_ENCODING, errors="replace")
        except (EOFError, OSError, zlib.error) as exc:
            self.error = f"truncated or corrupt compressed file after line {self.line_no} ({exc})"

    def notices(self) -> Iterator[Rejected]:
        """What went wrong with the file as a whole, as file-level rejects."""
        if self.fallback_lines:
            yield Rejected(
                str(self.path),
                f"{self.fallback_lines} line(s) not UTF-8, decoded as Windows-1252 (kept)",
                record=False,
                warning=True,
            )
        if self.error:
            yield Rejected(str(self.path), self.error, record=False)


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CONTROLS = {c: " " for c in [*range(0, 9), 11, 12, *range(14, 32), *range(127, 160)]}
_SPACES = dict.fromkeys(
    map(ord, "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"), " "
)
# A lone surrogate ("\ud800" is valid JSON) cannot be encoded, hashed or written out.
_SURROGATES = dict.fromkeys(range(0xD800, 0xE000), "\ufffd")
_TRANSLATION = {**_CONTROLS, **_SPACES, **_ZERO_WIDTH, **_SURROGATES}
_DIGIT_GROUP_SPACE = re.compile(r"(?<=\d)[\u00a0\u2009\u202f\u2007](?=\d{3}(?!\d))")
_HTML_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_MOJIBAKE = re.compile("[ÃÂâ][\u0080-\u00bf€™œ“”‘’–—¢£¤¥¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾]")


def clean_text(text: str) -> str:
    """The text the extractor sees and offsets index: HTML entities decoded, UTF-8 read as
    Windows-1252 repaired, control and zero-width characters dropped, exotic spaces made
    plain ("24\u00a0GB" → "24 GB"), thin spaces inside numbers removed ("1 000" → "1000"),
    lone surrogates replaced by U+FFFD."""
    if _HTML_ENTITY.search(text):
        text = html.unescape(text)
    if _MOJIBAKE.search(text):
        text = _repair_mojibake(text)
    text = _DIGIT_GROUP_SPACE.sub("", text)
    return text.translate(_TRANSLATION).strip()


def _repair_mojibake(text: str) -> str:
    """'â€™' → '’' when the whole text round-trips; otherwise leave it as it is."""
    try:
        repaired = text.encode(_FALLBACK_ENCODING).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text
    return repaired if len(_MOJIBAKE.findall(repaired)) < len(_MOJIBAKE.findall(text)) else text


def _make_record(source: str, title: str, abstract: str, rid: str | None) -> Record | Rejected:
    title, abstract = clean_text(title), clean_text(abstract)
    if not title and not abstract:
        return Rejected(source, "empty record: no title and no abstract")
    if not abstract:
        return Rejected(source, "missing or empty abstract")
    return Record(source=source, title=title, abstract=abstract, id=rid)


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
    reader = LineReader(path)
    lines = [line.rstrip("\r\n") for line in reader]
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
    yield from reader.notices()


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
    reader = LineReader(path)
    for line_no, line in enumerate(reader, start=1):
        source = f"{path}:{line_no}"
        if not line.strip():
            continue
        try:
            obj = json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as exc:
            yield Rejected(source, f"malformed JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            yield Rejected(source, f"expected a JSON object, got {type(obj).__name__}")
            continue
        yield _record_from_mapping(source, obj, fields)
    yield from reader.notices()


def read_csv(path: Path, fields: Fields) -> Iterator[Record | Rejected]:
    """Read a CSV/TSV with a header row; quoted newlines are part of the field."""
    delimiter = "\t" if _base_suffix(path) == ".tsv" else ","
    reader = LineReader(path)
    rows = csv.DictReader(iter(reader), delimiter=delimiter)
    try:
        header = rows.fieldnames or []
        missing = [name for name in (fields.title, fields.abstract) if name not in header]
        if missing and header:
            yield Rejected(
                str(path), f"missing column(s) {', '.join(missing)}; found {', '.join(header)}", record=False
            )
            return
        for row in rows:
            yield _record_from_mapping(f"{path}:{rows.line_num}", row, fields)
    except csv.Error as exc:
        yield Rejected(f"{path}:{rows.line_num}", f"malformed CSV: {exc}; the rest of the file is skipped")
    yield from reader.notices()


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
    """Read one corpus file, choosing the reader by suffix (``.gz`` is looked through).

    A file that cannot be read at all (unknown type, binary, unreadable) yields one
    file-level ``Rejected`` instead of raising, so one bad file never stops a run.
    """
    suffix = _base_suffix(path)
    readers = {
        **dict.fromkeys(PAGE_SUFFIXES, lambda: read_page_dump(path)),
        **dict.fromkeys(JSONL_SUFFIXES, lambda: read_jsonl(path, fields)),
        **dict.fromkeys(CSV_SUFFIXES, lambda: read_csv(path, fields)),
    }
    if suffix not in readers:
        known = ", ".join(KNOWN_SUFFIXES)
        yield Rejected(
            str(path),
            f"unknown file type '{suffix or path.name}' (expected {known}, optionally .gz)",
            record=False,
        )
        return
    try:
        if path.stat().st_size == 0:
            yield Rejected(str(path), "empty file", record=False, warning=True)
            return
        if LineReader(path).is_binary():
            yield Rejected(str(path), "binary file (NUL bytes), not text", record=False)
            return
        yield from readers[suffix]()
    except PermissionError as exc:
        yield Rejected(str(path), f"cannot read file ({exc.strerror})", record=False)


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


def record_key(record: Record) -> str:
    """What makes two records the same paper: the normalized title (the abstract's start
    when there is no title)."""
    if record.title.strip():
        return title_key(record.title)
    return hashlib.sha1(normalize_title(record.abstract[:500]).encode("utf-8")).hexdigest()[:16]


class Deduplicator:
    """Assigns paper ids and folds repeated papers into one.

    Memory stays flat however large the corpus: per distinct paper it holds the 64-bit
    title hash, per explicit id an id-hash → title-hash pair (both in ``KeyMap``, 8 and 16
    bytes), and sources only for the rare duplicates (``extra_sources``, keyed by title
    hash). The first source of each paper travels with the paper itself.
    """

    def __init__(self) -> None:
        self.seen = KeyMap(with_values=False)
        self.key_of_id = KeyMap()
        self.extra_sources: dict[int, list[str]] = {}

    def add(self, record: Record) -> tuple[str, bool] | Rejected:
        """Return ``(paper_id, is_new)``, or a ``Rejected`` for an id reused by another paper.

        For a duplicate the returned paper id is only the id this record would have had;
        the paper keeps the id of its first record.
        """
        hex_key = record_key(record)
        key = int(hex_key, 16)
        if record.id is not None:
            id_hash = int(hashlib.sha1(record.id.encode("utf-8")).hexdigest()[:16], 16)
            known = self.key_of_id.setdefault(id_hash, key)
            if known != key:
                return Rejected(record.source, f"duplicate id '{record.id}' with a different title")
        paper_id = record.id if record.id is not None else "t" + hex_key
        if key in self.seen:
            self.extra_sources.setdefault(key, []).append(record.source)
            return paper_id, False
        self.seen.setdefault(key)
        return paper_id, True

    def sources_of(self, hex_key: str, first_source: str) -> list[str]:
        """Every source of the paper whose first record had this ``record_key``."""
        return [first_source, *self.extra_sources.get(int(hex_key, 16), [])]


def read_papers(
    inputs: Iterable[str | os.PathLike], fields: Fields = DEFAULT_FIELDS
) -> tuple[list[Paper], list[Rejected], int]:
    """Read and deduplicate a whole corpus in memory (the convenient small-corpus API).

    Returns the distinct papers, the rejects, and the number of records read.
    """
    dedupe = Deduplicator()
    papers: list[Paper] = []
    rejects: list[Rejected] = []
    n_read = 0
    for item in iter_records(expand_inputs(inputs), fields):
        if isinstance(item, Rejected):
            n_read += item.record
            rejects.append(item)
            continue
        n_read += 1
        outcome = dedupe.add(item)
        if isinstance(outcome, Rejected):
            rejects.append(outcome)
        elif outcome[1]:
            papers.append(Paper(outcome[0], item.title, item.abstract, [item.source, record_key(item)]))
    for paper in papers:
        first, key = paper.sources
        paper.sources = dedupe.sources_of(key, first)
    return papers, rejects, n_read
