"""Hostile input files (issue 16): one bad record never costs the others, nothing is lost.

Each case reads through ``read_papers`` and checks the reconciliation "records read =
papers + duplicates + rejected"; the hypothesis tests at the end feed arbitrary bytes, JSON
values and CSV text to the readers.
"""

from __future__ import annotations

import codecs
import csv
import ctypes
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import extract.io.read
from extract.errors import InputError
from extract.io.read import Deduplicator, Rejected, expand_inputs, read_file, read_papers
from extract.table.batch import Summary, batches

from .test_bad_input import GOOD, jsonl, run


def read_all(*inputs: Path) -> tuple[list, list[Rejected], int]:
    """``read_papers`` with its accounting checked: every record read is a paper, a
    duplicate or a reject."""
    papers, rejects, n_read = read_papers(inputs)
    duplicates = sum(len(p.sources) - 1 for p in papers)
    assert n_read == len(papers) + duplicates + sum(r.record for r in rejects)
    return papers, rejects, n_read


def csv_lines(path: Path, lines: list[str], newline: str = "\n") -> Path:
    path.write_text(newline.join(lines) + newline, "utf-8", newline="")
    return path


def rows(n: int) -> list[str]:
    """A header and ``n`` plain CSV rows c1..cn (no quotes)."""
    return ["id,title,abstract"] + [
        f"c{i},Title {i},Abstract {i} reaches {i}% accuracy." for i in range(1, n + 1)
    ]


# ---------------------------------------------------------------- CSV


@pytest.mark.parametrize("quoted", [False, True], ids=["rows-unquoted", "rows-quoted"])
def test_an_unbalanced_quote_costs_one_csv_record_not_the_rest_of_the_file(tmp_path, quoted):
    lines = rows(100)
    if quoted:
        lines = [lines[0]] + ['"' + '","'.join(line.split(",")) + '"' for line in lines[1:]]
    lines[4] = 'c4,Title 4,"Abstract 4 with an unbalanced quote'
    path = csv_lines(tmp_path / "c.csv", lines)
    papers, rejects, n_read = read_all(path)
    assert (n_read, len(papers)) == (100, 99)
    (reject,) = rejects
    assert reject.source == f"{path}:5" and reject.reason.startswith("unbalanced quote")
    assert papers[-1].abstract == "Abstract 100 reaches 100% accuracy."  # not swallowed by row 4


def test_an_unbalanced_quote_in_a_batch_run_is_one_reject(nlp, tmp_path):
    lines = rows(6)
    lines[2] = f'c2,Title 2,"{GOOD}'
    summary, _, papers, rejects = run(nlp, tmp_path, csv_lines(tmp_path / "c.csv", lines))
    assert (summary.records, summary.papers, summary.rejected) == (6, 5, 1)
    assert papers["paper_id"].tolist() == ["c1", "c3", "c4", "c5", "c6"]
    assert rejects["source"].tolist() == [f"{tmp_path / 'c.csv'}:3"]


def test_a_row_with_the_wrong_number_of_fields_is_rejected(tmp_path):
    lines = rows(3)
    lines[2] = "c2,Title 2,Abstract 2,an extra field"
    papers, rejects, _ = read_all(csv_lines(tmp_path / "c.csv", lines))
    assert [p.paper_id for p in papers] == ["c1", "c3"]
    assert [r.reason for r in rejects] == ["4 field(s) where the header has 3"]


def test_quoted_newlines_and_blank_lines_inside_a_field_survive(tmp_path):
    path = csv_lines(
        tmp_path / "c.csv", ["id,title,abstract", 'a,T,"Para one.', "", "", 'Para two."', "b,U,V"]
    )
    papers, rejects, _ = read_all(path)
    assert not rejects and [p.abstract for p in papers] == ["Para one.\n\n\nPara two.", "V"]


def test_a_140kb_csv_field_is_read(tmp_path):
    big = "Long abstract words. " * 7000
    path = csv_lines(tmp_path / "c.csv", [*rows(2), f"big,Big,{big}", "c4,Title 4,Abstract 4."])
    papers, rejects, _ = read_all(path)
    assert not rejects and [p.paper_id for p in papers] == ["c1", "c2", "big", "c4"]
    assert len(papers[2].abstract) == len(big.strip()) > 131_072


def test_a_csv_line_over_the_limit_costs_that_record_only(tmp_path, monkeypatch):
    monkeypatch.setattr(extract.io.read, "MAX_RECORD_SIZE", 100_000)
    after = [f"d{i},D {i},Abstract." for i in range(7)]
    path = csv_lines(tmp_path / "c.csv", [*rows(2), f"big,Big,{'x' * 140_000}", *after])
    papers, rejects, _ = read_all(path)
    assert [(r.source, r.reason) for r in rejects] == [
        (f"{path}:4", "line longer than 100,000 bytes, not read")
    ]
    assert [p.paper_id for p in papers] == ["c1", "c2", *[f"d{i}" for i in range(7)]]


def test_a_quoted_field_running_on_over_the_limit_costs_that_record_only(tmp_path, monkeypatch):
    monkeypatch.setattr(extract.io.read, "MAX_RECORD_SIZE", 100_000)
    unclosed = f'huge,Huge,"{"Unclosed and long. " * 1000}'
    after = [f"d{i},D {i},{'y' * 30_000}" for i in range(5)]
    path = csv_lines(tmp_path / "c.csv", [*rows(2), unclosed, *after])
    papers, rejects, _ = read_all(path)
    assert [(r.source, r.reason) for r in rejects] == [(f"{path}:4", "record longer than 100,000 characters")]
    assert [p.paper_id for p in papers] == ["c1", "c2", *[f"d{i}" for i in range(5)]]


# ---------------------------------------------------------------- encodings, NUL bytes, line ends

RECORD = {"id": "p1", "title": "Caf\u00e9 models", "abstract": "We reach 3x speedup."}


@pytest.mark.parametrize(
    "name,text",
    [
        ("id-first.csv", "id,title,abstract\np1,Caf\u00e9 models,We reach 3x speedup.\n"),
        ("title-first.csv", "title,abstract,id\nCaf\u00e9 models,We reach 3x speedup.,p1\n"),
        ("c.jsonl", json.dumps(RECORD) + "\n"),
    ],
)
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be-bom", "utf-16-le", "utf-32"])
def test_byte_order_marks_and_utf16_are_decoded(tmp_path, name, text, encoding):
    if encoding == "utf-16-be-bom":
        data = codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)  # utf-16-le: no BOM at all, told apart by its NUL bytes
    path = tmp_path / name
    path.write_bytes(data)
    papers, rejects, _ = read_all(path)
    assert not rejects
    assert [(p.paper_id, p.title, p.abstract) for p in papers] == [
        ("p1", RECORD["title"], RECORD["abstract"])
    ]


def test_a_nul_byte_rejects_its_line_not_the_file(tmp_path):
    path = tmp_path / "c.jsonl"
    lines = [json.dumps({"id": str(i), "title": f"T{i}", "abstract": "A."}).encode() for i in range(3)]
    lines[1] = lines[1].replace(b"T1", b"T\x001")
    path.write_bytes(b"\n".join(lines) + b"\n")
    papers, rejects, n_read = read_all(path)
    assert [p.paper_id for p in papers] == ["0", "2"]
    assert [(r.source, r.reason) for r in rejects] == [
        (f"{path}:2", "line contains a NUL byte (binary data)")
    ]


@pytest.mark.parametrize(
    "data,kind",
    [(b"\x89PNG\r\n\x1a\n" + b"title,abstract\n" * 10, "PNG data"), (bytes(range(256)) * 4, "NUL bytes")],
)
def test_a_really_binary_file_is_rejected_whole(tmp_path, data, kind):
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    papers, rejects, n_read = read_all(path)
    assert (len(papers), n_read) == (0, 0)
    assert [(r.reason, r.record) for r in rejects] == [(f"binary file ({kind}), not text", False)]


@pytest.mark.parametrize("suffix,last", [(".jsonl", 3), (".csv", 4), (".txt", 4)])
def test_cr_only_line_ends_are_line_breaks(tmp_path, suffix, last):
    path = tmp_path / f"c{suffix}"
    if suffix == ".csv":
        csv_lines(path, rows(3), newline="\r")
    elif suffix == ".txt":
        path.write_bytes(b"Title one\rAbstract one.\r\rTitle two\rAbstract two.\r")
    else:
        jsonl(path, [{"title": f"T{i}", "abstract": "A."} for i in range(3)])
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    papers, rejects, n_read = read_all(path)
    assert not rejects and len(papers) == n_read == (2 if suffix == ".txt" else 3)
    assert papers[-1].sources == [f"{path}:{last}"]


# ---------------------------------------------------------------- JSON documents and nesting


@pytest.mark.parametrize("indent", [None, 2])
def test_a_json_array_is_one_record_per_element(tmp_path, indent):
    elements = [{"id": "a", "title": "A", "abstract": "X."}, 7, {"id": "b", "title": "B", "abstract": "Y."}]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(elements, indent=indent), "utf-8")
    papers, rejects, n_read = read_all(path)
    assert n_read == 3 and [p.paper_id for p in papers] == ["a", "b"]
    assert [p.sources for p in papers] == [[f"{path}[0]"], [f"{path}[2]"]]
    assert [(r.source, r.reason) for r in rejects] == [(f"{path}[1]", "expected a JSON object, got int")]


def test_a_json_file_holding_one_object_is_one_record(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"id": "a", "title": "A", "abstract": "X."}, indent=2), "utf-8")
    (paper,), rejects, _ = read_all(path)
    assert not rejects and paper.paper_id == "a"


def test_a_json_file_in_lines_with_a_broken_first_line_loses_only_that_line(tmp_path):
    path = jsonl(tmp_path / "c.json", ['{"id": "a", "title": ', {"id": "b", "title": "B", "abstract": "Y."}])
    papers, rejects, _ = read_all(path)
    assert [p.paper_id for p in papers] == ["b"] and [r.source for r in rejects] == [f"{path}:1"]


DEEP = '{"id": "deep", "title": "D", "abstract": "X.", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"
FIRST = {"id": "a", "title": "A", "abstract": "X."}


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_json_nested_thousands_deep_is_one_rejected_line(tmp_path, suffix):
    path = jsonl(tmp_path / f"c{suffix}", [FIRST, DEEP, {"id": "b", "title": "B", "abstract": "Y."}])
    papers, rejects, n_read = read_all(path)
    assert [p.paper_id for p in papers] == ["a", "b"] and n_read == 3
    assert [(r.source, r.reason) for r in rejects] == [(f"{path}:2", "JSON nested too deeply")]


def test_json_nested_thousands_deep_in_a_json_array_is_one_rejected_element(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(f"[{json.dumps(FIRST)},\n{DEEP}]", "utf-8")
    papers, rejects, n_read = read_all(path)
    assert [p.paper_id for p in papers] == ["a"] and n_read == 2
    assert [(r.source, r.reason) for r in rejects] == [
        (f"{path}[1]", "JSON nested too deeply; the rest of the file is not read")
    ]


# ---------------------------------------------------------------- bounded memory and time


def test_a_gigantic_line_is_rejected_without_being_held_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(extract.io.read, "MAX_RECORD_SIZE", 1_000_000)
    path = tmp_path / "c.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(json.dumps({"id": "a", "title": "A", "abstract": "X."}).encode() + b"\n")
        handle.write(b'{"id": "huge", "title": "H", "abstract": "')
        for _ in range(50):
            handle.write(b"words " * 170_000)  # 50 MB on one line
        handle.write(b'"}\n' + json.dumps({"id": "b", "title": "B", "abstract": "Y."}).encode() + b"\n")
    tracemalloc.start()
    try:
        papers, rejects, _ = read_all(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [p.paper_id for p in papers] == ["a", "b"]
    assert [(r.source, r.reason) for r in rejects] == [
        (f"{path}:2", "line longer than 1,000,000 bytes, not read")
    ]
    assert peak < 12_000_000  # a chunk and the limit, not the 50 MB line


def test_millions_of_blank_lines_are_skipped_fast(tmp_path):
    path = tmp_path / "c.jsonl.gz"
    record = json.dumps({"id": "a", "title": "A", "abstract": "X."}).encode()
    path.write_bytes(gzip.compress(b"\n" * 50_000_000 + record + b"\r\n" * 1_000_000, compresslevel=1))
    started = time.perf_counter()
    (paper,), rejects, n_read = read_all(path)
    assert time.perf_counter() - started < 10  # line by line it took ~26 s; counted in bulk, < 1 s
    assert (n_read, rejects, paper.sources) == (1, [], [f"{path}:50000001"])


# ---------------------------------------------------------------- unreadable inputs

_PROBE = """
import json, sys
from extract.errors import InputError
from extract.io.read import expand_inputs, iter_records
try:
    open(sys.argv[1]).close()
    sys.exit("permissions are not enforced for this process")
except PermissionError:
    pass
try:
    items = [[type(i).__name__, i.source, getattr(i, "reason", ""), getattr(i, "record", True)]
             for i in iter_records(expand_inputs(sys.argv[2:]))]
    print(json.dumps(items))
except InputError as exc:
    print(json.dumps(str(exc)))
"""


def _drop_dac_override() -> None:
    """Run in the child before exec: root ignores file permissions through two capabilities;
    dropping them from the bounding set makes chmod 000 deny for real."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0):  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def read_unprivileged(tmp_path: Path, *inputs: str):
    """What reading ``inputs`` gives in a process for which permissions really apply."""
    probe = tmp_path / "probe"
    probe.write_text("", "utf-8")
    probe.chmod(0)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(probe), *inputs],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_drop_dac_override if os.geteuid() == 0 else None,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def locked(tmp_path):
    """corpus/ with a readable file, an unreadable file and an unreadable subdirectory."""
    corpus = tmp_path / "corpus"
    (corpus / "locked").mkdir(parents=True)
    jsonl(corpus / "a.jsonl", [{"id": "a", "title": "A", "abstract": "X."}])
    jsonl(corpus / "locked" / "b.jsonl", [{"id": "b", "title": "B", "abstract": "Y."}])
    jsonl(corpus / "secret.jsonl", [{"id": "s", "title": "S", "abstract": "Z."}])
    for path in (corpus / "locked", corpus / "secret.jsonl"):
        path.chmod(0)
    yield corpus
    for path in (corpus / "locked", corpus / "secret.jsonl"):
        path.chmod(0o755)


def test_an_unreadable_subdirectory_and_file_are_reported(tmp_path, locked):
    assert read_unprivileged(tmp_path, str(locked)) == [
        ["Record", f"{locked}/a.jsonl:1", "", True],
        [
            "Rejected",
            f"{locked}/locked",
            "cannot read directory (Permission denied); no file below it is read",
            False,
        ],
        ["Rejected", f"{locked}/secret.jsonl", "cannot read file (Permission denied)", False],
    ]


def test_an_unreadable_directory_given_directly_is_a_counted_reject(tmp_path, locked):
    assert read_unprivileged(tmp_path, str(locked / "locked")) == [
        [
            "Rejected",
            f"{locked}/locked",
            "cannot read directory (Permission denied); no file below it is read",
            False,
        ]
    ]


def test_a_glob_into_an_unreadable_directory_is_one_line(tmp_path, locked):
    pattern = f"{locked}/locked/*.jsonl"
    assert read_unprivileged(tmp_path, pattern) == (
        f"{pattern}: cannot read directory {locked}/locked (Permission denied)"
    )
    assert read_unprivileged(tmp_path, f"{locked}/locked/b.jsonl") == [
        ["Rejected", f"{locked}/locked/b.jsonl", "cannot read (Permission denied)", False]
    ]


def test_a_special_file_is_refused(tmp_path):
    fifo = tmp_path / "c.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        expand_inputs([fifo])


# ---------------------------------------------------------------- ids


def test_an_explicit_id_never_takes_another_papers_generated_id(tmp_path):
    no_id = {"title": "Alpha", "abstract": "X."}
    papers, _, _ = read_all(jsonl(tmp_path / "probe.jsonl", [no_id]))
    generated = papers[0].paper_id
    taker = {"id": generated, "title": "Beta", "abstract": "Y."}
    papers, rejects, _ = read_all(jsonl(tmp_path / "after.jsonl", [no_id, taker]))
    assert [p.paper_id for p in papers] == [generated]
    assert [r.reason for r in rejects] == [f"id '{generated}' is the generated id of another paper"]
    papers, rejects, _ = read_all(jsonl(tmp_path / "before.jsonl", [taker, no_id]))
    assert not rejects and [p.paper_id for p in papers] == [generated, f"{generated}-2"]


def test_same_title_different_ids_and_abstracts_are_two_papers(tmp_path):
    path = jsonl(
        tmp_path / "c.jsonl",
        [
            {"id": "x", "title": "Scaling Laws", "abstract": "Language models scale."},
            {"id": "y", "title": "Scaling laws", "abstract": "Vision models scale differently."},
            {"id": "z", "title": "Scaling Laws", "abstract": "Language models scale."},  # x under a second id
            {"title": "Scaling Laws", "abstract": "Language models scale."},  # no id: x by title
            {"id": "y", "title": "Scaling Laws", "abstract": "Vision models scale differently."},
        ],
    )
    papers, rejects, _ = read_all(path)
    assert not rejects
    assert [(p.paper_id, p.abstract, p.sources) for p in papers] == [
        ("x", "Language models scale.", [f"{path}:1", f"{path}:3", f"{path}:4"]),
        ("y", "Vision models scale differently.", [f"{path}:2", f"{path}:5"]),
    ]


@pytest.mark.parametrize(
    "rid,reason",
    [
        (["a", 1], "id must be a string or number, not list"),
        ({"k": 1}, "id must be a string or number, not dict"),
        (True, "id must be a string or number, not bool"),
        (float("inf"), "id must be a finite number, not inf"),
    ],
)
def test_ids_that_are_not_strings_or_numbers_are_rejected(tmp_path, rid, reason):
    path = jsonl(
        tmp_path / "c.jsonl",
        [{"id": rid, "title": "A", "abstract": "X."}, {"id": 2401.5, "title": "B", "abstract": "Y."}],
    )
    papers, rejects, _ = read_all(path)
    assert [p.paper_id for p in papers] == ["2401.5"]
    assert [(r.source, r.reason) for r in rejects] == [(f"{path}:1", reason)]


def test_an_id_with_a_lone_surrogate_is_kept(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a\\ud800", "title": "A", "abstract": "X."}\n', "utf-8")
    (paper,), rejects, _ = read_all(path)
    assert not rejects and paper.paper_id == "a\ufffd"


# ---------------------------------------------------------------- arbitrary input (hypothesis)

ARBITRARY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
FIELD = st.one_of(st.text(max_size=40), JSON_VALUES)
RECORDS = st.fixed_dictionaries({}, optional={"id": FIELD, "title": FIELD, "abstract": FIELD})
VALUES = st.one_of(JSON_VALUES, RECORDS)
# CSV text without control characters (which would make the file binary), plus the
# characters that matter to the csv module.
CSV_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from('\n\r\t",; '), max_size=40
)


def account(path: Path) -> int:
    """Read ``path`` through the batch accounting; the number of records it read, after
    checking that each is a new paper, a duplicate or a reject naming the file."""
    summary = Summary()
    items = [
        item
        for batch in batches(read_file(path), summary, Deduplicator(), strict=False)
        for item in batch.items
    ]
    assert summary.records == len(items) + summary.duplicates + summary.rejected
    return summary.records


def account_of(name: str, data: bytes) -> int:
    """``account`` of a file holding ``data`` (hypothesis cannot use ``tmp_path``)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, name)
        path.write_bytes(data)
        return account(path)


# Pieces of JSON, CSV and encodings, so that arbitrary bytes often come close to a record.
FRAGMENTS = [b'{"title": "T", "abstract": "A"', b'"id": ', b"[", b"]", b"{", b"}", b",", b":", b'"', b'""']
FRAGMENTS += [
    b"\n",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"title,abstract\n",
    b"\xe9",
    b"\t",
]
BYTES = st.one_of(
    st.binary(max_size=600),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=4)), max_size=60).map(b"".join),
)


@ARBITRARY
@given(BYTES, st.sampled_from([".jsonl", ".json", ".csv", ".tsv", ".txt", ".jsonl.gz"]))
def test_arbitrary_bytes_never_crash_a_reader(data, suffix):
    if suffix.endswith(".gz"):
        data = gzip.compress(data) if data[:1] != b"\x00" else data  # a damaged gzip, sometimes
    n_read = account_of(f"c{suffix}", data)
    if suffix in (".jsonl", ".csv", ".txt"):
        assert n_read <= data.count(b"\n") + data.count(b"\r") + 1  # no phantom records


@ARBITRARY
@given(st.lists(VALUES, max_size=8), st.booleans())
def test_arbitrary_json_lines_are_each_one_record(values, ascii_only):
    lines = [json.dumps(v, ensure_ascii=ascii_only) for v in values]
    assert account_of("c.jsonl", "".join(line + "\n" for line in lines).encode("utf-8")) == len(values)


@ARBITRARY
@given(st.one_of(st.lists(VALUES, max_size=8), VALUES), st.sampled_from([None, 2]))
def test_arbitrary_json_documents_are_one_record_per_value(document, indent):
    data = json.dumps(document, indent=indent, ensure_ascii=False).encode("utf-8")
    assert account_of("c.json", data) == (len(document) if isinstance(document, list) else 1)


@ARBITRARY
@given(
    st.lists(st.lists(CSV_TEXT, min_size=3, max_size=3), max_size=8),
    st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_arbitrary_csv_rows_are_each_one_record(table, quoting):
    text = io.StringIO(newline="")
    csv.writer(text, quoting=quoting).writerows([["id", "title", "abstract"], *table])
    assert account_of("c.csv", text.getvalue().encode("utf-8")) == len(table)


@ARBITRARY
@given(CSV_TEXT.map(lambda t: "id,title,abstract\n" + t))
def test_arbitrary_csv_text_never_crashes(text):
    assert account_of("c.csv", text.encode("utf-8")) <= text.count("\n") + text.count("\r") + 1
