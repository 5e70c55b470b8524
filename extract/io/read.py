"""Corpus readers: page dumps, JSON Lines, JSON documents, CSV (each optionally gzipped) →
``Record`` stream.

Readers are generators so memory stays flat however large the corpus is: a line (or CSV
record) longer than ``MAX_RECORD_SIZE`` is rejected without being held. A record that
cannot be used becomes a ``Rejected`` item carrying its ``file:line`` and the reason, so the
caller can account for every input record.
"""

from __future__ import annotations

import codecs
import csv
import glob
import gzip
import hashlib
import html
import itertools
import json
import math
import os
import re
import stat
import sys
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

from extract.errors import InputError
from extract.keymap import KeyMap


@dataclass(frozen=True)
class Record:
    """One abstract as it stands in one input file. ``extra``: every other field of the
    record (date, categories, authors, …) as text (``metadata_text``), in input order."""

    source: str
    title: str
    abstract: str
    id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


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
    extra: dict[str, str] = field(default_factory=dict)


DEFAULT_FIELDS = Fields()
PAGE_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
JSON_SUFFIXES = (".json",)
CSV_SUFFIXES = (".csv", ".tsv")
KNOWN_SUFFIXES = PAGE_SUFFIXES + JSONL_SUFFIXES + JSON_SUFFIXES + CSV_SUFFIXES
STDIN = "-"  # the input '-': standard input (its type seen from its first line)


# ---------------------------------------------------------------- file discovery


def expand_inputs(inputs: Iterable[str | os.PathLike]) -> list[Path]:
    """Turn files, directories and glob patterns into a sorted, de-duplicated file list.

    A path that exists but cannot be looked into (a directory that cannot be listed, a file
    in a directory that cannot be searched) stays in the list, so that reading it reports
    why instead of it vanishing.
    """
    found: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(text)
        kind = "stdin" if text == STDIN else _kind(path)
        if kind == "stdin":
            found.append(path)
        elif kind == "dir":
            found.extend(_corpus_files(path))
        elif kind == "file" or (kind == "unreadable" and not glob.has_magic(text)):
            found.append(path)
        elif glob.has_magic(text):
            found.extend(_glob(text))
        elif kind == "special":
            raise InputError(f"{text}: not a regular file or directory")
        else:
            raise InputError(f"{text}: no such file or directory")
    unique: dict[Path, None] = dict.fromkeys(found)
    return list(unique)


def _kind(path: Path) -> str:
    """'dir', 'file', 'special' (fifo, device…), 'missing', or 'unreadable' (stat refused)."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError:
        return "unreadable"
    return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "special"


def _corpus_files(root: Path) -> list[Path]:
    """Every corpus file below ``root``; a directory that cannot be listed is listed itself."""
    found: list[Path] = []
    for folder, _, names in os.walk(root, onerror=lambda exc: found.append(Path(exc.filename))):
        for name in names:
            path = Path(folder, name)
            if _is_corpus_file(path) and _kind(path) in ("file", "unreadable"):
                found.append(path)
    return sorted(found)


def _glob(pattern: str) -> list[Path]:
    matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if _kind(Path(p)) == "file")
    if matches:
        return matches
    base = Path(pattern)
    while glob.has_magic(str(base)):
        base = base.parent
    try:
        os.scandir(base).close()
    except OSError as exc:
        if _kind(base) == "dir":
            raise InputError(f"{pattern}: cannot read directory {base} ({_why(exc)})") from None
    raise InputError(f"{pattern}: no file matches this pattern")


def _why(exc: OSError) -> str:
    """'Permission denied' rather than '[Errno 13] Permission denied: …' in messages."""
    return exc.strerror or str(exc)


def _is_corpus_file(path: Path) -> bool:
    return _base_suffix(path) in KNOWN_SUFFIXES


def _base_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


# ---------------------------------------------------------------- text access

# The longest line, CSV record or JSON value read: the 10 MB abstract limit
# (``extract.pipeline.language.MAX_LENGTH``) with room for escapes and the other fields. Anything
# longer is rejected as it streams past, never held in memory.
MAX_RECORD_SIZE = 32_000_000
_CHUNK = 1 << 20
_SNIFF_BYTES = 8192
_FALLBACK_ENCODING = "cp1252"
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, None),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BINARY_MAGIC = [
    (re.compile(pattern), name)
    for pattern, name in [
        (rb"PK\x03\x04", "zip"),
        (rb"\x1f\x8b\x08", "gzip"),
        (rb"BZh[1-9]1AY&SY", "bzip2"),
        (rb"\xfd7zXZ\x00", "xz"),
        (rb"\x28\xb5\x2f\xfd", "zstd"),
        (rb"%PDF-", "PDF"),
        (rb"\x89PNG\r\n\x1a\n", "PNG"),
        (rb"\xff\xd8\xff", "JPEG"),
        (rb"\x7fELF", "executable"),
        (rb"SQLite format 3\x00", "SQLite"),
    ]
]
# Bytes no text file holds (tab, line ends, form feed and ESC are text).
_GZIP_MAGIC = b"\x1f\x8b"
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 27), *range(28, 32), 127])
_TEXT_BYTES = bytes(sorted(set(range(256)) - set(_CONTROL_BYTES)))
_BINARY_SHARE = 0.1
_NON_EMPTY = re.compile(rb"[^\n]+")


class Line(NamedTuple):
    """One non-empty line: its number, its text without the line end, or why it is unusable
    (then ``text`` is empty)."""

    no: int
    text: str
    problem: str | None = None


class ReadPosition:
    """How many bytes of the input files have been read, for a progress bar: finished files
    whole, the open one by its file offset (a gzip file by its compressed offset, so the
    total is the files' sizes on disk). Standard input has no size: ``total`` is then None."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self.total: int | None = 0
        self.sizes: dict[Path, int] = {}
        for path in paths:
            try:
                self.sizes[path] = 0 if str(path) == STDIN else path.stat().st_size
            except OSError:
                self.sizes[path] = 0
            if str(path) == STDIN:
                self.total = None
        if self.total is not None:
            self.total = sum(self.sizes.values())
        self.done = 0
        self._open: BinaryIO | None = None

    def watch(self, handle: BinaryIO) -> None:
        self._open = handle

    def file_done(self, path: Path) -> None:
        self.done += self.sizes.get(path, 0)
        self._open = None

    def bytes_read(self) -> int:
        """Bytes read so far (never more than the total)."""
        current = 0
        if self._open is not None:
            try:
                current = self._open.tell()
            except (OSError, ValueError):  # closed, or a pipe
                current = 0
        done = self.done + current
        return done if self.total is None else min(done, self.total)


class LineReader:
    """The non-empty lines of a (possibly gzipped) text file, decoded one by one.

    Universal newlines (``\\n``, ``\\r\\n``, a lone ``\\r``). A UTF-8 BOM is dropped, UTF-16
    and UTF-32 (by BOM, or UTF-16 by its pattern of NUL bytes) are decoded. A file whose start
    is binary (a known magic number, or many control bytes) yields nothing and is reported
    as a whole; otherwise a line with a NUL byte, or longer than ``MAX_RECORD_SIZE`` bytes,
    comes with a ``problem`` and the lines around it are still read. Runs of empty lines are
    counted in bulk, not looped over. A line that is not UTF-8 is decoded as Windows-1252
    (the common cause: a file saved by an old editor) and counted in ``fallback_lines`` so
    the caller can warn. A file that cannot be opened, or a truncated gzip, stops the lines
    and leaves the reason in ``error``: the lines before it are still used.
    """

    def __init__(self, path: Path, position: ReadPosition | None = None) -> None:
        self.path = path
        self.position = position
        self.fallback_lines = 0
        self.error: str | None = None
        self.binary: str | None = None
        self.line_no = 0

    def _open(self) -> BinaryIO:
        if str(self.path) == STDIN:
            raw = sys.stdin.buffer
            return gzip.GzipFile(fileobj=raw) if raw.peek(2)[:2] == _GZIP_MAGIC else raw
        return gzip.open(self.path, "rb") if self.path.suffix.lower() == ".gz" else open(self.path, "rb")

    def __iter__(self) -> Iterator[Line]:
        try:
            handle = self._open()
        except OSError as exc:
            self.error = f"cannot read file ({_why(exc)})"
            return
        if self.position is not None:
            self.position.watch(getattr(handle, "fileobj", None) or handle)  # gzip: the compressed file
        with handle:
            try:
                yield from self._lines(self._text_chunks(handle))
            except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
                self.error = f"truncated or corrupt compressed file after line {self.line_no} ({exc})"
            except OSError as exc:
                self.error = f"read error after line {self.line_no} ({_why(exc)})"

    def _text_chunks(self, handle: BinaryIO) -> Iterator[bytes]:
        """The file's bytes as UTF-8 (or the 8-bit text it is), BOM dropped, in chunks."""
        head = handle.read(_SNIFF_BYTES)
        encoding, head = _detect_encoding(head)
        chunks = itertools.chain([head], iter(lambda: handle.read(_CHUNK), b""))
        if encoding is not None:
            yield from _transcode(chunks, encoding)
            return
        self.binary = _binary_kind(head)
        if self.binary is None:
            yield from chunks

    def _lines(self, chunks: Iterable[bytes]) -> Iterator[Line]:
        """Split chunks at line ends; a line spanning chunks is joined, or dropped once too long."""
        pending: list[bytes] = []  # the start of a line that goes on in the next chunk
        pending_size, skipping, after_cr = 0, False, False
        for chunk in chunks:
            if after_cr and chunk[:1] == b"\n":
                chunk = chunk[1:]  # the \n of a \r\n split between two chunks
            after_cr = chunk[-1:] == b"\r"
            if b"\r" in chunk:
                chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            pos = 0
            if pending or skipping:
                end = chunk.find(b"\n")
                if end < 0:
                    pending_size += len(chunk)
                    skipping = skipping or pending_size > MAX_RECORD_SIZE
                    pending = [] if skipping else [*pending, chunk]
                    continue
                yield self._line(self.line_no + 1, b"".join([*pending, chunk[:end]]), skipping)
                self.line_no += 1
                pending, pending_size, skipping, pos = [], 0, False, end + 1
            for match in _NON_EMPTY.finditer(chunk, pos):
                start, end = match.span()
                self.line_no += chunk.count(b"\n", pos, start)
                pos = end
                if end == len(chunk):
                    pending, pending_size = [chunk[start:]], end - start
                    break
                yield self._line(self.line_no + 1, chunk[start:end], False)
                self.line_no += 1
                pos = end + 1
            else:
                self.line_no += chunk.count(b"\n", pos)
        if pending or skipping:
            yield self._line(self.line_no + 1, b"".join(pending), skipping)
            self.line_no += 1

    def _line(self, no: int, raw: bytes, too_long: bool) -> Line:
        if too_long or len(raw) > MAX_RECORD_SIZE:
            return Line(no, "", f"line longer than {MAX_RECORD_SIZE:,} bytes, not read")
        if b"\x00" in raw:
            return Line(no, "", "line contains a NUL byte (binary data)")
        try:
            return Line(no, raw.decode("utf-8"))
        except UnicodeDecodeError:
            self.fallback_lines += 1
            return Line(no, raw.decode(_FALLBACK_ENCODING, errors="replace"))

    def notices(self) -> Iterator[Rejected]:
        """What went wrong with the file as a whole, as file-level rejects."""
        if self.binary:
            yield Rejected(str(self.path), f"binary file ({self.binary}), not text", record=False)
        if self.fallback_lines:
            yield Rejected(
                str(self.path),
                f"{self.fallback_lines} line(s) not UTF-8, decoded as Windows-1252 (kept)",
                record=False,
                warning=True,
            )
        if self.error:
            yield Rejected(str(self.path), self.error, record=False)


def _detect_encoding(head: bytes) -> tuple[str | None, bytes]:
    """(encoding to decode from, or None for UTF-8 / 8-bit text; the head without its BOM)."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, head[len(bom) :]
    half = len(head) // 2
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if half >= 4 and odd >= 0.3 * half and even <= 0.02 * half:
        return "utf-16-le", head  # ASCII text as UTF-16 without a BOM: every other byte NUL
    if half >= 4 and even >= 0.3 * half and odd <= 0.02 * half:
        return "utf-16-be", head
    return None, head


def _transcode(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    for chunk in itertools.chain(chunks, [None]):
        text = decoder.decode(b"", final=True) if chunk is None else decoder.decode(chunk)
        if text:
            yield text.encode("utf-8", errors="replace")


def _binary_kind(head: bytes) -> str | None:
    """What kind of binary data the file starts with, or None for text."""
    for magic, name in _BINARY_MAGIC:
        if magic.match(head):
            return f"{name} data"
    controls = len(head.translate(None, _TEXT_BYTES))
    if head and controls >= _BINARY_SHARE * len(head):
        return "NUL bytes" if b"\x00" in head else "control bytes"
    return None


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


def _make_record(
    source: str, title: str, abstract: str, rid: str | None, extra: dict[str, str] | None = None
) -> Record | Rejected:
    title, abstract = clean_text(title), clean_text(abstract)
    if not title and not abstract:
        return Rejected(source, "empty record: no title and no abstract")
    if not abstract:
        return Rejected(source, "missing or empty abstract")
    return Record(source=source, title=title, abstract=abstract, id=rid, extra=extra or {})


# ---------------------------------------------------------------- page dumps

_BOILERPLATE = re.compile(
    r"^(new|Subscribe|Daily Papers|by ?AK and the research community"
    r"|Get trending papers in your email inbox( once a day)?!)$"
)
_DATE_LINE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}(, \d{4})?( \d+)?$")
_AUTHORS_LINE = re.compile(r"^\s*•\s*\d+ authors?$")
_META_SEPARATOR = "·"
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=\S)")


def read_page_dump(path: Path, position: ReadPosition | None = None) -> Iterator[Record | Rejected]:
    """Read a Daily-Papers page dump: title line, abstract line, optional metadata lines.

    Three layouts occur: blank-line separated entries with author/date/upvote lines,
    compact title-line/abstract-line pages, and a first title glued to "Subscribe". An
    unusable line (NUL byte, too long) keeps its place, so the entry it belongs to is
    rejected and the pairing of the rest is unchanged.
    """
    reader = LineReader(path, position)
    lines = list(reader)
    metadata = set()
    for i, line in enumerate(lines):
        if line.text.strip() == _META_SEPARATOR:
            metadata.update(_neighbour_lines(lines, i))
    content: list[Line] = []
    for i, line in enumerate(lines):
        text = _GLUED_SUBSCRIBE.sub("", line.text.strip())
        if line.problem is None and (
            not text
            or i in metadata
            or text == _META_SEPARATOR
            or _BOILERPLATE.match(text)
            or _DATE_LINE.match(text)
            or _AUTHORS_LINE.match(text)
        ):
            continue
        content.append(line._replace(text=text))
    for title, abstract in zip(content[0::2], content[1::2]):
        source = f"{path}:{title.no}"
        bad = title if title.problem else abstract if abstract.problem else None
        if bad is not None:
            yield Rejected(source, f"line {bad.no}: {bad.problem}")
        else:
            yield _make_record(source, title.text, abstract.text, None)
    if len(content) % 2:
        yield Rejected(f"{path}:{content[-1].no}", "title without an abstract at end of page")
    yield from reader.notices()


def _neighbour_lines(lines: list[Line], index: int) -> list[int]:
    """The nearest non-blank line before and after a metadata separator."""
    found = []
    for step in (-1, 1):
        j = index + step
        while 0 <= j < len(lines) and not lines[j].problem and not lines[j].text.strip():
            j += step
        if 0 <= j < len(lines):
            found.append(j)
    return found


# ---------------------------------------------------------------- JSON Lines and JSON documents

_DECODER = json.JSONDecoder()
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def read_jsonl(
    path: Path, fields: Fields, position: ReadPosition | None = None
) -> Iterator[Record | Rejected]:
    """Read one JSON object per line; a malformed line is rejected, the rest still read."""
    reader = LineReader(path, position)
    for line in reader:
        source = f"{path}:{line.no}"
        if line.problem:
            yield Rejected(source, line.problem)
        elif line.text.strip():
            obj, problem = _parse_json(line.text)
            yield Rejected(source, problem) if problem else _record_from_object(source, obj, fields)
    yield from reader.notices()


def read_json(
    path: Path, fields: Fields, position: ReadPosition | None = None
) -> Iterator[Record | Rejected]:
    """Read a ``.json`` file: a JSON document (an array of records, one record object, or
    values one after another), or JSON Lines when its first line is a whole JSON value.

    A document whose first value does not parse is read again as JSON Lines, so a JSON
    Lines file with a broken first line still loses only that line.
    """
    reader = LineReader(path, position)
    lines = iter(reader)
    first = next(lines, None)
    if first is None or first.problem or not _starts_document(first.text):
        lines.close()
        yield from read_jsonl(path, fields, position)
        return
    document = _JsonDocument(itertools.chain([first], lines))
    items = _document_records(path, document, fields)
    head = next(items, None)
    if document.top_level_object and not document.parsed:
        lines.close()
        yield from read_jsonl(path, fields, position)
        return
    yield from itertools.chain([] if head is None else [head], items)
    yield from reader.notices()


def _starts_document(text: str) -> bool:
    start = text.lstrip()
    return start.startswith("[") or (start.startswith("{") and _parse_json(text)[1] is not None)


def _parse_json(text: str) -> tuple[object, str | None]:
    """(value, None), or (None, why it is not JSON) — never an exception."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"malformed JSON: {exc.msg} (column {exc.colno})"
    except RecursionError:
        return None, "JSON nested too deeply"
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return None, f"malformed JSON: {exc}"


class _JsonDocument:
    """A JSON text read value by value from a bounded window of its lines."""

    def __init__(self, lines: Iterator[Line]) -> None:
        self.lines = lines
        self.text = ""
        self.pos = 0
        self.broken: str | None = None  # an unusable line ended the text early
        self.top_level_object = False  # the text starts with an object, not an array
        self.parsed = 0  # values read so far

    def _more(self, at_least: int) -> bool:
        """Append at least ``at_least`` characters of whole lines; False at the end."""
        if self.pos > len(self.text) // 2:
            self.text, self.pos = self.text[self.pos :], 0
        parts, size = [], 0
        for line in self.lines:
            if line.problem:
                self.broken = f"line {line.no}: {line.problem}"
                break
            parts.append(line.text + "\n")
            size += len(parts[-1])
            if size >= at_least:
                break
        self.text += "".join(parts)
        return bool(parts)

    def peek(self) -> str:
        """The next character that is not white space ('' at the end), not consumed."""
        while True:
            self.pos = _JSON_SPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if self.broken or not self._more(_CHUNK):
                return ""

    def value(self) -> tuple[object, str | None]:
        """The next value, or why it cannot be read (then the text cannot be followed further)."""
        while True:
            try:
                obj, self.pos = _DECODER.raw_decode(self.text, self.pos)
                self.parsed += 1
                return obj, None
            except RecursionError:
                return None, "JSON nested too deeply"
            except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
                position = getattr(exc, "pos", 0)
                pending = len(self.text) - self.pos
                at_end = _JSON_SPACE.match(self.text, position).end() == len(self.text)
                if at_end and not self.broken and pending < MAX_RECORD_SIZE and self._more(pending):
                    continue
                reason = self.broken or f"malformed JSON: {getattr(exc, 'msg', exc)}"
                if pending >= MAX_RECORD_SIZE:
                    reason = f"JSON value longer than {MAX_RECORD_SIZE:,} characters"
                return None, reason


def _document_records(path: Path, document: _JsonDocument, fields: Fields) -> Iterator[Record | Rejected]:
    """Records of a JSON document: each element of a top-level array, each other top-level
    value; the i-th is named ``file[i]``. A value that does not parse ends the document."""
    index = 0
    while char := document.peek():
        in_array = char == "["
        document.pos += in_array
        document.top_level_object = index == 0 and char == "{"
        while not (in_array and document.peek() == "]"):
            obj, problem = document.value()
            source, index = f"{path}[{index}]", index + 1
            if problem:
                yield Rejected(source, f"{problem}; the rest of the file is not read")
                return
            yield _record_from_object(source, obj, fields)
            if not in_array:
                break
            separator = document.peek()
            if separator == ",":
                document.pos += 1
            elif separator != "]":
                found = f"'{separator}'" if separator else "the end of the file"
                yield Rejected(
                    str(path),
                    f"JSON array: expected ',' or ']' after element {index - 1}, "
                    f"found {found}; the rest of the file is not read",
                    record=False,
                )
                return
        document.pos += in_array
    if document.broken:
        yield Rejected(str(path), f"{document.broken}; the rest of the file is not read", record=False)


# ---------------------------------------------------------------- CSV


class _Stop(Exception):
    """A CSV record cannot be completed: why, and whether its later lines are read again."""

    def __init__(self, reason: str, replay: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.replay = replay


class _CsvRecords:
    """The records of a CSV text as ``(first line, fields)``, or ``(first line, reason)``.

    Every record must have the header's number of fields. A record with a quoted field
    that spans lines must also be well formed (each closing quote followed by the
    delimiter or the line end, closed before the end of the file, under
    ``MAX_RECORD_SIZE``). A record that breaks a rule is rejected and reading resumes at
    the line after its first line, so an unbalanced quote costs one record, not the rest
    of the file.
    """

    def __init__(self, lines: Iterator[Line], delimiter: str) -> None:
        self.lines = lines
        self.delimiter = delimiter
        self.replay: list[Line] = []  # lines to read again, the next one last

    def _next(self) -> Line | None:
        return self.replay.pop() if self.replay else next(self.lines, None)

    def __iter__(self) -> Iterator[tuple[int, list[str] | str]]:
        width = None
        while (first := self._next()) is not None:
            if first.problem:
                yield first.no, first.problem
                continue
            if not first.text.strip():
                continue
            taken = [first]
            try:
                row = self._parse(taken)
                if width is not None and len(row) != width:
                    raise _Stop(f"{len(row)} field(s) where the header has {width}", replay=True)
            except _Stop as stop:
                if stop.replay:
                    self.replay.extend(reversed(taken[1:]))
                yield first.no, stop.reason
                continue
            width = width or len(row)
            yield first.no, row

    def _parse(self, taken: list[Line]) -> list[str]:
        """One record starting at ``taken[0]``; the lines it used are appended to ``taken``."""
        past_end = False

        def feed() -> Iterator[str]:
            nonlocal past_end
            size = len(taken[0].text) + 1
            yield taken[0].text + "\n"
            while (line := self._next()) is not None:
                taken.append(line)
                if line.problem:
                    raise _Stop(f"line {line.no}: {line.problem}", replay=False)
                size += line.no - taken[-2].no + len(line.text)
                if size > MAX_RECORD_SIZE:
                    raise _Stop(f"record longer than {MAX_RECORD_SIZE:,} characters", replay=True)
                yield from _csv_texts(taken[-2:])[1:]
            past_end = True

        try:
            row = next(csv.reader(feed(), delimiter=self.delimiter))
        except csv.Error as exc:
            raise _Stop(f"malformed CSV: {exc}", replay=True) from None
        if len(taken) > 1 or past_end:  # a quoted field ran past its line: it must be well formed
            try:
                next(csv.reader(_csv_texts(taken), delimiter=self.delimiter, strict=True))
            except csv.Error as exc:
                raise _Stop(f"unbalanced quote: a quoted field runs on ({exc})", replay=True) from None
        return row


def _csv_texts(lines: list[Line]) -> list[str]:
    """The lines as the csv module reads them, the empty lines between them put back."""
    texts = [lines[0].text + "\n"]
    for before, line in zip(lines, lines[1:]):
        texts += ["\n"] * (line.no - before.no - 1) + [line.text + "\n"]
    return texts


def read_csv(path: Path, fields: Fields, position: ReadPosition | None = None) -> Iterator[Record | Rejected]:
    """Read a CSV/TSV with a header row; quoted newlines are part of the field."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_SIZE))  # our own limit is the bound
    delimiter = "\t" if _base_suffix(path) == ".tsv" else ","
    reader = LineReader(path, position)
    records = iter(_CsvRecords(iter(reader), delimiter))
    head = next(records, None)
    if head is not None:
        line_no, header = head
        if isinstance(header, str):
            yield Rejected(f"{path}:{line_no}", f"malformed CSV header: {header}", record=False)
            return
        missing = [name for name in (fields.title, fields.abstract) if name not in header]
        if missing:
            found = ", ".join(header)
            yield Rejected(str(path), f"missing column(s) {', '.join(missing)}; found {found}", record=False)
            return
        for line_no, row in records:
            source = f"{path}:{line_no}"
            if isinstance(row, str):
                yield Rejected(source, row)
            else:
                yield _record_from_mapping(source, dict(zip(header, row)), fields)
    yield from reader.notices()


# ---------------------------------------------------------------- fields of a record

# Ids are compared and hashed: lone surrogates cannot be encoded, controls are invisible.
_ID_TRANSLATION = {**_CONTROLS, **_SURROGATES}


def _record_from_object(source: str, obj: object, fields: Fields) -> Record | Rejected:
    if not isinstance(obj, dict):
        return Rejected(source, f"expected a JSON object, got {type(obj).__name__}")
    return _record_from_mapping(source, obj, fields)


def _record_from_mapping(source: str, obj: dict, fields: Fields) -> Record | Rejected:
    title = obj.get(fields.title)
    abstract = obj.get(fields.abstract)
    for name, value in ((fields.title, title), (fields.abstract, abstract)):
        if value is not None and not isinstance(value, str):
            return Rejected(source, f"field '{name}' is {type(value).__name__}, not text")
    rid, problem = _id_text(obj.get(fields.id))
    if problem:
        return Rejected(source, problem)
    return _make_record(source, title or "", abstract or "", rid, _metadata(obj, fields))


def _metadata(obj: dict, fields: Fields) -> dict[str, str]:
    """The record's other fields (not id, title, abstract), each as text; empty ones left out."""
    named = (fields.id, fields.title, fields.abstract)
    found = {}
    for key, value in obj.items():
        text = metadata_text(value)
        name = str(key).translate(_ID_TRANSLATION).strip()
        if key not in named and name and text:
            found[name] = text
    return found


def metadata_text(value: object) -> str:
    """A metadata value as one table cell: text cleaned like an abstract; a number or boolean
    as JSON writes it; a list of those joined by ``"; "`` (``["cs.CL", "cs.LG"]`` →
    ``"cs.CL; cs.LG"``); anything nested as compact JSON; missing (null) as ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float, bool)) for v in value):
        return "; ".join(filter(None, map(metadata_text, value)))
    return clean_text(json.dumps(value, ensure_ascii=False))


def _id_text(value: object) -> tuple[str | None, str | None]:
    """(the id as text or None when absent, or why it cannot be an id). A number is written
    as JSON writes it (``7``, ``2401.1234``); a list, an object or a boolean is no id."""
    if value is None:
        return None, None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None, f"id must be a string or number, not {type(value).__name__}"
    if isinstance(value, float) and not math.isfinite(value):
        return None, f"id must be a finite number, not {value}"
    text = value if isinstance(value, str) else repr(value)
    return text.translate(_ID_TRANSLATION).strip() or None, None


# ---------------------------------------------------------------- dispatch


def read_file(
    path: Path, fields: Fields = DEFAULT_FIELDS, position: ReadPosition | None = None
) -> Iterator[Record | Rejected]:
    """Read one corpus file, choosing the reader by suffix (``.gz`` is looked through).

    A file that cannot be read at all (unknown type, binary, unreadable) yields one
    file-level ``Rejected`` instead of raising, so one bad file never stops a run.
    """
    readers = {
        **dict.fromkeys(PAGE_SUFFIXES, lambda: read_page_dump(path, position)),
        **dict.fromkeys(JSONL_SUFFIXES, lambda: read_jsonl(path, fields, position)),
        **dict.fromkeys(JSON_SUFFIXES, lambda: read_json(path, fields, position)),
        **dict.fromkeys(CSV_SUFFIXES, lambda: read_csv(path, fields, position)),
    }
    if str(path) == STDIN:
        yield from readers.get(_stdin_suffix(fields), readers[".jsonl"])()
        return
    try:
        info = path.stat()
    except OSError as exc:
        yield Rejected(str(path), f"cannot read ({_why(exc)})", record=False)
        return
    suffix = _base_suffix(path)
    if stat.S_ISDIR(info.st_mode):
        yield Rejected(str(path), _directory_problem(path), record=False)
    elif suffix not in readers:
        known = ", ".join(KNOWN_SUFFIXES)
        yield Rejected(
            str(path),
            f"unknown file type '{suffix or path.name}' (expected {known}, optionally .gz)",
            record=False,
        )
    elif info.st_size == 0:
        yield Rejected(str(path), "empty file", record=False, warning=True)
    else:
        yield from readers[suffix]()


def _stdin_suffix(fields: Fields) -> str:
    """What standard input holds, from its first line (gzip looked through): JSON Lines when
    it starts with ``{``, CSV (TSV) when the first line names the abstract column, else a
    page dump. A stream is read once, so a JSON array is read as JSON Lines would be."""
    head = sys.stdin.buffer.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
    if head[:2] == _GZIP_MAGIC:
        head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
    first = head.lstrip().split(b"\n", 1)[0].decode("utf-8", "replace")
    if first.startswith(("{", "[")):
        return ".jsonl"
    if fields.abstract in first:
        return ".tsv" if "\t" in first else ".csv"
    return ".txt"


def _directory_problem(path: Path) -> str:
    """Why a directory in the file list (one that could not be listed) is not read."""
    try:
        os.scandir(path).close()
    except OSError as exc:
        return f"cannot read directory ({_why(exc)}); no file below it is read"
    return "a directory, not a corpus file"


def iter_records(
    paths: Iterable[Path], fields: Fields = DEFAULT_FIELDS, position: ReadPosition | None = None
) -> Iterator[Record | Rejected]:
    """Every record of every file, in order; ``position`` follows the bytes read."""
    for path in paths:
        yield from read_file(path, fields, position)
        if position is not None:
            position.file_done(path)


# ---------------------------------------------------------------- in-memory input

MEMORY_SOURCE = "<memory>"


def is_text_input(item: object) -> bool:
    """Whether an item of ``extract_table``'s inputs is an abstract rather than a path: a
    string with whitespace that names no existing file ("corpus.jsonl" that is missing stays
    a path, so its error says so)."""
    return isinstance(item, str) and any(c.isspace() for c in item) and not os.path.exists(item)


def iter_memory(items: Iterable[object], fields: Fields = DEFAULT_FIELDS) -> Iterator[Record | Rejected]:
    """Records from Python objects: abstracts (str) or mappings with ``fields``' keys (a
    DataFrame's rows come as mappings). A record without an id gets its position (0-based),
    so abstracts without titles are not deduplicated into one; the source is ``<memory>:N``."""
    for position, item in enumerate(items):
        source = f"{MEMORY_SOURCE}:{position + 1}"
        if isinstance(item, str):
            record = _make_record(source, "", item, str(position))
        elif isinstance(item, dict):
            present = {k: v for k, v in item.items() if not _is_missing(v)}
            present.setdefault(fields.id, str(position))
            record = _record_from_mapping(source, present, fields)
        else:
            record = Rejected(source, f"expected an abstract (str) or a mapping, got {type(item).__name__}")
        yield record


def _is_missing(value: object) -> bool:
    """None, or a float NaN (a DataFrame's empty cell)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


# ---------------------------------------------------------------- deduplication


def normalize_title(title: str) -> str:
    """Title key used for deduplication: case, accents, punctuation and spacing folded."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.findall(r"\w+", text))


def title_key(title: str) -> str:
    """A short stable hash of the normalized title (no abstract kept in memory)."""
    return _hash16(normalize_title(title))


def record_key(record: Record) -> str:
    """The record's title key (the abstract's start when there is no title)."""
    if record.title.strip():
        return title_key(record.title)
    return _hash16(normalize_title(record.abstract[:500]))


def _hash16(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _id_key(rid: str) -> int:
    return int(_hash16("id\0" + rid), 16)


class Added(NamedTuple):
    """A record the deduplicator accepted: its paper's id, whether the paper is new, and the
    paper's key (for ``sources_of``)."""

    paper_id: str
    is_new: bool
    key: str


_GENERATED_ID = re.compile(r"t([0-9a-f]{16})")


class Deduplicator:
    """Assigns paper ids and folds repeated papers into one.

    A record with an id belongs to the paper of that id (a different title is rejected). A
    record with a new id joins an earlier paper of the same title when that paper has no id,
    or when it has the same abstract too (one paper listed under two ids); otherwise it is
    a paper of its own, so two papers that only share a title are both kept. A record
    without an id belongs to the first paper of its title. A generated id (``t`` + title
    hash) never names two papers: an explicit id equal to another paper's generated id is
    rejected, and a generated id that an explicit id already took gets a ``-2`` suffix.

    Memory stays flat however large the corpus: in ``KeyMap``s of 16 bytes an entry, per
    distinct title its first paper, per explicit id its title and its title-and-abstract
    hash, per id joined to another paper that paper; sources only for the rare duplicates
    (``extra_sources``). The first source of each paper travels with the paper itself. A
    paper's key is its title hash when it has no id, else its id hash.
    """

    def __init__(self) -> None:
        self.first_of_title = KeyMap()
        self.title_of_id = KeyMap()
        self.paper_of_text = KeyMap()  # hash of title and abstract → paper with an id
        self.joined = KeyMap()  # id hash → the other paper the id's records belong to
        self.suffixed: dict[str, int] = {}  # generated ids given a suffix → their title hash
        self.extra_sources: dict[int, list[str]] = {}

    def add(self, record: Record) -> Added | Rejected:
        """``Added(paper_id, is_new, key)``, or a ``Rejected`` for an id another paper holds.

        For a duplicate the returned paper id is only the id this record would have had;
        the paper keeps the id of its first record.
        """
        title = int(record_key(record), 16)
        if record.id is None:
            return self._add_without_id(record, title)
        id_key = _id_key(record.id)
        known = self.title_of_id.get(id_key)
        if known is not None:
            if known != title:
                return Rejected(record.source, f"duplicate id '{record.id}' with a different title")
            paper = self.joined.get(id_key)
            return self._duplicate(record, id_key if paper is None else paper, record.id)
        owner = self._generated_owner(record.id)
        if owner is not None and owner != title:
            return Rejected(record.source, f"id '{record.id}' is the generated id of another paper")
        self.title_of_id.add_new(id_key, title)
        first = self.first_of_title.get(title)
        text = int(_hash16(f"{title:016x}\0{record.abstract}"), 16)
        paper = title if first == title else self.paper_of_text.setdefault(text, id_key)
        if paper != id_key:
            self.joined.add_new(id_key, paper)
            return self._duplicate(record, paper, record.id)
        if first is None:
            self.first_of_title.add_new(title, id_key)
        return Added(record.id, True, f"{id_key:016x}")

    def _add_without_id(self, record: Record, title: int) -> Added | Rejected:
        first = self.first_of_title.get(title)
        if first is not None:
            return self._duplicate(record, first, f"t{title:016x}")
        self.first_of_title.add_new(title, title)
        paper_id, n = f"t{title:016x}", 1
        while self.title_of_id.get(_id_key(paper_id)) is not None or paper_id in self.suffixed:
            n += 1
            paper_id = f"t{title:016x}-{n}"
        if n > 1:
            self.suffixed[paper_id] = title
        return Added(paper_id, True, f"{title:016x}")

    def _generated_owner(self, rid: str) -> int | None:
        """The title hash of the paper without id whose generated id is ``rid``, if any."""
        if rid in self.suffixed:
            return self.suffixed[rid]
        match = _GENERATED_ID.fullmatch(rid)
        title = int(match[1], 16) if match else None
        return title if title is not None and self.first_of_title.get(title) == title else None

    def _duplicate(self, record: Record, paper: int, paper_id: str) -> Added:
        self.extra_sources.setdefault(paper, []).append(record.source)
        return Added(paper_id, False, f"{paper:016x}")

    def sources_of(self, key: str, first_source: str) -> list[str]:
        """Every source of the paper with this key (``Added.key``)."""
        return [first_source, *self.extra_sources.get(int(key, 16), [])]


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
        elif outcome.is_new:
            papers.append(
                Paper(outcome.paper_id, item.title, item.abstract, [item.source, outcome.key], item.extra)
            )
    for paper in papers:
        first, key = paper.sources
        paper.sources = dedupe.sources_of(key, first)
    return papers, rejects, n_read
