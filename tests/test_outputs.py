"""Output conventions: ``-o -`` (stdout), ``batch -`` (stdin), gzipped and TSV tables, the
Dask engine's refusal of a file name, and a run where every input was rejected."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from extract.table.batch import output_paths, run_batch
from extract.table.frames import CLAIM_COLUMNS, read_table, table_stem, table_suffix

LINES = [
    {"id": "a1", "title": "One", "abstract": "We train a 7B model on 8 A100 GPUs.", "date": "2025-01-02"},
    {"id": "a2", "title": "Two", "abstract": "We reach 81.2% accuracy on GSM8K."},
]
JSONL = "".join(json.dumps(r) + "\n" for r in LINES)


def run_cli(*args: str, stdin: bytes | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "extract", *args], input=stdin, capture_output=True, timeout=300, cwd=cwd
    )


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_claims_to_stdout(tmp_path, fmt):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(JSONL, encoding="utf-8")
    done = run_cli("batch", str(corpus), "-o", "-", "--format", fmt, "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    claims = pd.read_csv(io.StringIO(text)) if fmt == "csv" else pd.read_json(io.StringIO(text), lines=True)
    assert list(claims.columns) == CLAIM_COLUMNS
    assert {"model_size", "hardware", "result"} <= set(claims["kind"])
    assert b"2 records read" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.jsonl"]  # no papers or rejects file


@pytest.mark.slow
@pytest.mark.parametrize("compress", [False, True])
def test_batch_reads_stdin(tmp_path, compress):
    data = gzip.compress(JSONL.encode()) if compress else JSONL.encode()
    out = tmp_path / "claims.csv"
    done = run_cli("batch", "-", "-o", str(out), "-q", stdin=data)
    assert done.returncode == 0, done.stderr
    papers = read_table(tmp_path / "claims.papers.csv")
    assert papers["sources"].tolist() == ["-:1", "-:2"] and papers["date"].tolist()[0] == "2025-01-02"


@pytest.mark.slow
def test_stdin_csv_is_recognised(tmp_path):
    csv_text = 'title,abstract\nOne,"We use 16 H100 GPUs."\n'
    done = run_cli("batch", "-", "-o", "-", "-q", stdin=csv_text.encode())
    assert done.returncode == 0, done.stderr
    claims = pd.read_csv(io.StringIO(done.stdout.decode()))
    assert claims.loc[claims["kind"] == "hardware", "count"].tolist() == [16]


@pytest.mark.parametrize("suffix", [".csv.gz", ".jsonl.gz", ".tsv", ".tsv.gz"])
def test_compressed_and_tsv_tables(tmp_path, suffix):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(JSONL, encoding="utf-8")
    out = tmp_path / f"claims{suffix}"
    run_batch([corpus], out, show_progress=False)
    papers_path = tmp_path / f"claims.papers{suffix}"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["c.jsonl", out.name, papers_path.name, "claims.rejects.jsonl"]
    )
    if suffix.endswith(".gz"):
        assert out.read_bytes()[:2] == b"\x1f\x8b"
    if suffix.startswith(".tsv"):
        head = (gzip.open(out, "rt") if suffix.endswith(".gz") else open(out)).readline()
        assert head.rstrip("\n").split("\t") == CLAIM_COLUMNS
    claims = read_table(out)
    assert list(claims.columns) == CLAIM_COLUMNS and len(claims) >= 3
    assert read_table(papers_path)["paper_id"].tolist() == ["a1", "a2"]


def test_table_names():
    from pathlib import Path

    assert (table_suffix("x/claims.csv.gz"), table_stem(Path("x/claims.csv.gz"))) == (".csv.gz", "claims")
    assert table_suffix("claims.txt") == ""
    papers, rejects = output_paths(Path("out/c.jsonl.gz"), None, None)
    assert (str(papers), str(rejects)) == ("out/c.papers.jsonl.gz", "out/c.rejects.jsonl")
    assert output_paths(Path("-"), None, None) == (None, None)


@pytest.mark.slow
def test_format_that_contradicts_the_suffix_is_refused(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(JSONL, encoding="utf-8")
    done = run_cli("batch", str(corpus), "-o", str(tmp_path / "c.csv"), "--format", "jsonl")
    assert done.returncode == 2
    assert done.stderr.decode().strip().startswith(f"extract: error: {tmp_path / 'c.csv'}: --format jsonl")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["claims.csv", "claims.csv.gz", "-"])
def test_dask_engine_refuses_a_file_name_in_one_line(tmp_path, name):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(JSONL, encoding="utf-8")
    done = run_cli("batch", str(corpus), "--engine", "dask", "-o", name, cwd=tmp_path)
    err = done.stderr.decode().strip()
    assert done.returncode == 2 and len(err.splitlines()) == 1 and err.startswith("extract: error: ")
    assert "without a suffix" in err or "not a stream" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.jsonl"]


@pytest.mark.slow
def test_every_input_rejected_is_an_error(tmp_path):
    corpus = tmp_path / "wrong.csv"
    corpus.write_text("name,text\na,b\n", encoding="utf-8")
    done = run_cli("batch", str(corpus), "-o", str(tmp_path / "c.csv"), "-q")
    err = done.stderr.decode().splitlines()
    assert done.returncode == 4
    assert err[-2] == f"extract: rejected: {corpus}: missing column(s) title, abstract; found name, text"
    assert err[-1] == "extract: error: every input was rejected; no paper was read"
    assert (tmp_path / "c.rejects.jsonl").exists()  # the reasons are kept


@pytest.mark.slow
def test_a_run_with_one_good_file_is_a_success(tmp_path):
    (tmp_path / "wrong.csv").write_text("name,text\na,b\n", encoding="utf-8")
    (tmp_path / "good.jsonl").write_text(JSONL, encoding="utf-8")
    done = run_cli("batch", str(tmp_path), "-o", str(tmp_path / "out" / "c.csv"), "-q")
    assert done.returncode == 0, done.stderr


def test_progress_bar_shows_total_percent_and_papers_from_the_start(tmp_path):
    from pathlib import Path

    from extract.io.read import ReadPosition, iter_records
    from extract.table.batch import Progress

    corpus = tmp_path / "c.jsonl"
    corpus.write_text(JSONL * 200, encoding="utf-8")
    shown = io.StringIO()
    position = ReadPosition([corpus])
    progress = Progress(position, file=shown)
    assert "loading rules:   0%" in shown.getvalue()  # before any work
    assert position.total == corpus.stat().st_size
    records = iter_records([corpus], position=position)
    for _ in range(len(LINES) * 200):
        next(records)
    progress.running()
    progress.update(400)
    assert position.bytes_read() == position.total
    progress.close()
    last = shown.getvalue().rsplit("\r", 1)[-1]
    assert "100%" in last and "400 papers" in last and f"{position.total / 1024:.1f}k" in last
    assert ReadPosition([Path("-")]).total is None  # stdin: a papers counter instead


@pytest.mark.slow
def test_final_summary_names_the_outputs_and_the_rate(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(JSONL, encoding="utf-8")
    out = tmp_path / "c.csv"
    done = run_cli("batch", str(corpus), "-o", str(out))
    lines = done.stderr.decode().strip().splitlines()
    assert lines[0] == "extract: 2 records read, 2 papers (2 with claims, 0 empty), 0 duplicates, 0 rejected"
    assert lines[1].startswith("extract: ") and " claims: " in lines[1]
    assert lines[2] == f"extract: wrote {out}, {tmp_path / 'c.papers.csv'}, {tmp_path / 'c.rejects.jsonl'}"
    seconds = float(lines[3].split()[1])
    assert seconds > 0.3 and lines[3].endswith("records/s")  # start-up (imports, rules) included


def _run_on_a_terminal(args: list[str], cwd) -> tuple[int, str]:
    """Run the CLI with its stderr on a pseudo-terminal (so the bar is on); (exit code, stderr)."""
    import os
    import pty
    import select

    master, slave = pty.openpty()
    command = [sys.executable, "-m", "extract", *args]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=slave, cwd=cwd)
    os.close(slave)
    shown = bytearray()
    while True:
        ready, _, _ = select.select([master], [], [], 1.0)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every writer closed the terminal
            break
        if not data:
            break
        shown += data
    os.close(master)
    return proc.wait(timeout=300), shown.decode("utf-8", "replace")


@pytest.mark.slow
def test_dask_engine_shows_the_bar_and_the_dashboard(tmp_path):
    abstract = "We train a {}B model on 8 A100 GPUs."
    rows = [{"id": f"p{i}", "title": f"Paper {i}", "abstract": abstract.format(i + 1)} for i in range(60)]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, err = _run_on_a_terminal(["batch", "c.jsonl", "--engine", "dask", "-o", "claims"], tmp_path)
    assert code == 0, err
    assert "extract: starting Dask:" in err  # the bar is there while the cluster starts
    assert "extract: Dask dashboard at http" in err
    frames = [f for f in err.replace("\n", "\r").split("\r") if f.startswith("extract: 100%")]
    assert frames and "60 papers" in frames[-1]
    size = (tmp_path / "c.jsonl").stat().st_size / 1024
    assert f"{size:.3g}k/{size:.3g}k" in frames[-1]  # the input's bytes read of its total
    assert f"extract: wrote claims, {Path('claims.papers.parquet')}, claims.rejects.jsonl" in err
    assert len(list((tmp_path / "claims").glob("part-*.parquet"))) >= 1


@pytest.mark.slow
def test_dask_engine_quiet_prints_no_bar(tmp_path):
    (tmp_path / "c.jsonl").write_text(JSONL, encoding="utf-8")
    done = run_cli("batch", "c.jsonl", "--engine", "dask", "-o", "claims", "-q", cwd=tmp_path)
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert "%" not in err and "dashboard" not in err
    assert "extract: 2 records read, 2 papers (2 with claims, 0 empty), 0 duplicates, 0 rejected" in err
