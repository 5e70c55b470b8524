"""Bad input, nothing lost: each case asserts the message and the accounting.

Every record read ends up in exactly one bucket: a paper (ok / empty), a duplicate, or a
reject with file, line and reason; whole-file problems are counted as files rejected.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from extract.io.read import expand_inputs, iter_records
from extract.table.batch import FileSink, Summary, local_runner, output_paths, process
from extract.table.frames import CLAIM_COLUMNS, TableWriter

GOOD = "We pre-train a 7B model on 64 A100 GPUs and reach 81.2% accuracy on ImageNet."


def run(nlp, tmp_path: Path, *inputs: Path, strict: bool = False):
    """The batch job with the session pipeline; returns (summary, claims, papers, rejects)."""
    out = tmp_path / "out" / "claims.csv"
    papers_path, rejects_path = output_paths(out, None, None)
    sink = FileSink(TableWriter(out, CLAIM_COLUMNS), papers_path, rejects_path)
    summary = Summary()
    try:
        process(iter_records(expand_inputs(inputs)), local_runner((), 1, nlp), sink, summary, strict)
    except BaseException:
        sink.abort()
        raise
    sink.close()
    assert summary.balanced(), summary.line()
    rejects = (
        pd.read_json(rejects_path, lines=True)
        if rejects_path.stat().st_size
        else pd.DataFrame(columns=["source", "reason"])
    )
    text = {"paper_id": str, "error": str}
    return summary, pd.read_csv(out, dtype=text), pd.read_csv(papers_path, dtype=text), rejects


def jsonl(path: Path, rows: list, opener=open) -> Path:
    with opener(path, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    return path


def test_empty_file(nlp, tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    summary, claims, papers, rejects = run(nlp, tmp_path, path)
    assert (summary.records, len(claims), len(papers), len(rejects)) == (0, 0, 0, 0)
    assert summary.warnings == [f"{path}: empty file"]
    assert list(claims.columns) == CLAIM_COLUMNS  # the table still has its header


def test_binary_file(nlp, tmp_path):
    path = tmp_path / "blob.jsonl"
    path.write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    summary, _, _, rejects = run(nlp, tmp_path, path)
    assert (summary.records, summary.files_rejected) == (0, 1)
    assert rejects.to_dict("records") == [
        {"source": str(path), "reason": "binary file (NUL bytes), not text"}
    ]


def test_non_utf8_file_is_decoded_with_a_warning(nlp, tmp_path):
    path = tmp_path / "latin.jsonl"
    line = json.dumps(
        {"id": "a", "title": "Caf\u00e9 models", "abstract": "Caf\u00e9 reaches 3x speedup."},
        ensure_ascii=False,
    )
    path.write_bytes(line.encode("cp1252") + b"\n")
    summary, claims, papers, _ = run(nlp, tmp_path, path)
    assert summary.ok == 1 and papers["title"].tolist() == ["Caf\u00e9 models"]
    assert summary.warnings == [f"{path}: 1 line(s) not UTF-8, decoded as Windows-1252 (kept)"]
    assert claims["text"].tolist() == ["3x"]


def test_truncated_gzip_keeps_what_came_before(nlp, tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    rows = [{"id": str(i), "title": f"Paper {i}", "abstract": f"{GOOD} Run {i}."} for i in range(300)]
    jsonl(path, rows, gzip.open)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    summary, _, papers, rejects = run(nlp, tmp_path, path)
    assert 0 < summary.ok < 300 and summary.files_rejected == 1
    (reason,) = rejects["reason"]
    assert reason.startswith("truncated or corrupt compressed file after line ")
    assert len(papers) == summary.ok


def test_malformed_line_in_the_middle(nlp, tmp_path):
    path = jsonl(
        tmp_path / "c.jsonl",
        [
            {"id": "1", "title": "A", "abstract": GOOD},
            '{"id": "2", "title": "B", "abstract": ',
            {"id": "3", "title": "C", "abstract": "Gains of 5%."},
        ],
    )
    summary, _, papers, rejects = run(nlp, tmp_path, path)
    assert (summary.records, summary.ok, summary.rejected) == (3, 2, 1)
    assert rejects.to_dict("records") == [
        {"source": f"{path}:2", "reason": "malformed JSON: Expecting value (column 39)"}
    ]
    assert papers["paper_id"].tolist() == ["1", "3"]


@pytest.mark.parametrize(
    "row,reason",
    [
        ({"id": "1", "title": "Only title"}, "missing or empty abstract"),
        ({"id": "1", "title": "T", "abstract": "   "}, "missing or empty abstract"),
        ({"id": "1", "title": "T", "abstract": 42}, "field 'abstract' is int, not text"),
        ({"id": "1"}, "empty record: no title and no abstract"),
    ],
)
def test_missing_or_bad_abstract(nlp, tmp_path, row, reason):
    path = jsonl(tmp_path / "c.jsonl", [row])
    summary, _, _, rejects = run(nlp, tmp_path, path)
    assert (summary.records, summary.rejected) == (1, 1)
    assert rejects.to_dict("records") == [{"source": f"{path}:1", "reason": reason}]


def test_csv_with_quoted_newlines(nlp, tmp_path):
    path = tmp_path / "c.csv"
    pd.DataFrame([{"id": "x", "title": "T", "abstract": "First line.\nIt reaches 81.2% accuracy."}]).to_csv(
        path, index=False
    )
    summary, claims, _, _ = run(nlp, tmp_path, path)
    assert summary.ok == 1 and "81.2%" in claims["text"].tolist()


@pytest.mark.slow
def test_a_5mb_abstract(nlp, tmp_path):
    unit = "Plain words describe the method in some detail. " * 20 + GOOD + " "
    body = unit * (5_000_000 // len(unit))
    path = jsonl(tmp_path / "big.jsonl", [{"id": "big", "title": "Huge", "abstract": body}])
    summary, claims, papers, _ = run(nlp, tmp_path, path)
    assert papers["status"].tolist() == ["ok"] and summary.ok == 1
    assert (claims["kind"] == "hardware").sum() == body.count("A100 GPUs")


def test_duplicate_ids_with_different_text(nlp, tmp_path):
    path = jsonl(
        tmp_path / "c.jsonl",
        [
            {"id": "p", "title": "One", "abstract": GOOD},
            {"id": "p", "title": "Another", "abstract": "Other text, 5%."},
            {"id": "p", "title": "One", "abstract": GOOD},
        ],
    )
    summary, _, papers, rejects = run(nlp, tmp_path, path)
    assert (summary.ok, summary.rejected, summary.duplicates) == (1, 1, 1)
    assert rejects.to_dict("records") == [
        {"source": f"{path}:2", "reason": "duplicate id 'p' with a different title"}
    ]
    assert papers["sources"].tolist() == [f"{path}:1;{path}:3"]


def test_invisible_and_exotic_characters(nlp, tmp_path):
    text = "We train on 1\u2009000 A100\u200b GPUs with 24\u00a0GB memory\x07 and gain 3.5\u202f%."
    path = jsonl(tmp_path / "c.jsonl", [{"id": "u", "title": "T", "abstract": text}])
    _, claims, _, _ = run(nlp, tmp_path, path)
    hardware = claims[claims["kind"] == "hardware"].iloc[0]
    assert (hardware["count"], hardware["name"]) == (1000, "A100")
    assert claims.loc[claims["kind"] == "result", "value"].tolist() == [3.5]
    assert claims["text"].str.contains("[\u200b\u00a0\u2009\x07]").sum() == 0


def test_html_entities_and_mojibake(nlp, tmp_path):
    text = "Accuracy rises by 4&#37; &amp; the modelâ€™s speed by 2x."
    path = jsonl(tmp_path / "c.jsonl", [{"id": "h", "title": "T", "abstract": text}])
    _, claims, _, _ = run(nlp, tmp_path, path)
    assert claims.loc[claims["kind"] == "result", "text"].tolist() == ["4%", "2x"]


def test_latex_heavy_abstract(nlp, tmp_path):
    text = (
        r"\textbf{Ours} reaches 54.6\% on MMLU with $\sim$3$\times$ fewer FLOPs and "
        r"$10^{24}$ FLOPs of compute \cite{x}."
    )
    path = jsonl(tmp_path / "c.jsonl", [{"id": "l", "title": "T", "abstract": text}])
    _, claims, _, _ = run(nlp, tmp_path, path)
    results = claims[claims["kind"] == "result"]
    assert results[["value_norm", "unit_norm", "qualifier"]].values.tolist() == [
        [54.6, "percent", "="],
        [3.0, "x", "~"],
        [1e24, "FLOP", "="],
    ]


def test_unknown_file_type(nlp, tmp_path):
    path = tmp_path / "notes.docx"
    path.write_text("hello", "utf-8")
    summary, _, _, rejects = run(nlp, tmp_path, path)
    assert (summary.records, summary.files_rejected) == (0, 1)
    assert rejects["reason"].item().startswith("unknown file type '.docx'")


def test_a_failing_pipeline_rejects_one_paper_and_goes_on(nlp, tmp_path, monkeypatch):
    from extract.pipeline.claims import ClaimMatcher

    original = ClaimMatcher.__call__

    def explode(self, doc):
        if "EXPLODE" in doc.text:
            raise RuntimeError("boom")
        return original(self, doc)

    monkeypatch.setattr(ClaimMatcher, "__call__", explode)
    path = jsonl(
        tmp_path / "c.jsonl",
        [{"id": "1", "title": "A", "abstract": "EXPLODE 5%."}, {"id": "2", "title": "B", "abstract": GOOD}],
    )
    summary, _, papers, _ = run(nlp, tmp_path, path)
    assert (summary.ok, summary.rejected) == (1, 1)
    assert papers[["paper_id", "status", "error"]].fillna("").values.tolist() == [
        ["1", "rejected", "pipeline failed: RuntimeError: boom"],
        ["2", "ok", ""],
    ]


# ---------------------------------------------------------------- the command line


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "extract", *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_a_path_that_does_not_exist(tmp_path):
    done = cli("batch", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "c.csv"))
    assert (done.returncode, done.stderr) == (
        2,
        f"extract: error: {tmp_path / 'missing.csv'}: no such file or directory\n",
    )


@pytest.mark.slow
def test_an_unwritable_output(tmp_path):
    corpus = jsonl(tmp_path / "c.jsonl", [{"id": "1", "title": "A", "abstract": GOOD}])
    blocked = tmp_path / "file"
    blocked.write_text("", "utf-8")
    done = cli("batch", str(corpus), "-o", str(blocked / "out.csv"), "-q")
    assert done.returncode == 2
    assert done.stderr.startswith(f"extract: error: {blocked / 'out.csv'}: cannot write output")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


@pytest.mark.slow
def test_strict_stops_at_the_first_bad_record_and_writes_nothing(tmp_path):
    rows = [{"id": str(i), "title": f"P{i}", "abstract": GOOD + f" {i}"} for i in range(600)] + ["{broken"]
    corpus = jsonl(tmp_path / "c.jsonl", rows)
    out = tmp_path / "o" / "claims.csv"
    done = cli("batch", str(corpus), "-o", str(out), "--strict", "-q")
    assert done.returncode == 1
    assert (
        done.stderr == f"extract: error: {corpus}:601: malformed JSON: Expecting property name enclosed "
        "in double quotes (column 2) (--strict)\n"
    )
    assert not out.parent.exists() or not any(out.parent.iterdir())  # nothing half-written


@pytest.mark.slow
def test_default_run_continues_counts_and_exits_0(tmp_path):
    corpus = jsonl(
        tmp_path / "c.jsonl",
        [{"id": "1", "title": "A", "abstract": GOOD}, "{broken", {"id": "2", "title": "A", "abstract": GOOD}],
    )
    done = cli("batch", str(corpus), "-o", str(tmp_path / "claims.csv"), "-q")
    assert done.returncode == 0
    assert "3 records read, 1 papers (1 with claims, 0 empty), 1 duplicates, 1 rejected" in done.stderr
    assert (tmp_path / "claims.rejects.jsonl").read_text("utf-8").count("\n") == 1


@pytest.mark.slow
def test_debug_shows_the_traceback(tmp_path):
    done = cli("--debug", "batch", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "c.csv"))
    assert done.returncode != 0 and "Traceback" in done.stderr and "InputError" in done.stderr


@pytest.mark.slow
def test_an_unbuilt_checkout_runs_the_plain_python_loops_and_says_so(tmp_path):
    """Without the compiled module (no C compiler at install, or a checkout never built) the
    same claims come out of the plain-Python loops, with one line saying so."""
    corpus = jsonl(tmp_path / "c.jsonl", [{"id": "1", "title": "A", "abstract": GOOD}])
    blocked = "import sys; sys.modules['extract.text.kernels'] = None; from extract.cli.main import main; "
    runs = {}
    for name, prefix in (("plain", blocked), ("compiled", "import sys; from extract.cli.main import main; ")):
        done = subprocess.run(
            [sys.executable, "-c", prefix + f"sys.exit(main(['batch', {str(corpus)!r}, '-o', '{name}.csv']))"],  # noqa: E501
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
        assert done.returncode == 0 and "Traceback" not in done.stderr
        runs[name] = done.stderr
    assert runs["plain"].count("plain-Python inner loops") == 1 and "plain-Python" not in runs["compiled"]
    assert (tmp_path / "plain.csv").read_bytes() == (tmp_path / "compiled.csv").read_bytes()
