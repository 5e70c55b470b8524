"""Hostile runs (issue 16): one slow or absurd record never sinks a run, outputs never
replace inputs, a run publishes its whole set of tables or none, and every way a run ends
has its own exit code, with one line and no traceback.
"""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from extract.cli.main import main
from extract.table.batch import extract_table, run_batch
from extract.table.frames import TableWriter

from .test_bad_input import GOOD, cli, jsonl

ROWS = [{"id": "1", "title": "First", "abstract": GOOD}, {"id": "3", "title": "Third", "abstract": GOOD}]


def corpus(tmp_path: Path, middle: dict, name: str = "c.jsonl") -> Path:
    """Two good records around ``middle`` (the hostile one)."""
    return jsonl(tmp_path / name, [ROWS[0], {"id": "2", "title": "Second", **middle}, ROWS[1]])


def statuses(tables) -> dict[str, tuple[str, str]]:
    papers = tables.papers.fillna("")
    return {row.paper_id: (row.status, row.error) for row in papers.itertuples()}


def no_temporary_files(directory: Path) -> bool:
    return not [p for p in directory.rglob("*") if p.name.endswith(".tmp")]


# ---------------------------------------------------------------- the per-record time limit


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_slow_paper_is_rejected_after_the_record_timeout(nlp, tmp_path, monkeypatch, jobs):
    from extract.pipeline.claims import ClaimMatcher

    original = ClaimMatcher.__call__

    def stall(self, doc):
        if "STALL" in doc.text:
            time.sleep(600)
        return original(self, doc)

    monkeypatch.setattr(ClaimMatcher, "__call__", stall)
    path = corpus(tmp_path, {"abstract": "STALL at 5% accuracy."})
    tables = extract_table([path], nlp=nlp, jobs=jobs, record_timeout=1)
    assert statuses(tables) == {
        "1": ("ok", ""),
        "2": ("rejected", "took longer than 1 s"),
        "3": ("ok", ""),
    }
    assert (tables.summary.ok, tables.summary.rejected) == (2, 1) and tables.summary.balanced()


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_catastrophic_user_regex_is_cut_off_by_the_record_timeout(tmp_path, monkeypatch, jobs):
    """A user rule whose REGEX backtracks exponentially on one word. ``rules check`` may
    refuse such patterns (issue 16, item 4), so the rule file carries a stand-in that the
    rule-bit compiler swaps for the catastrophic pattern: the limit must hold either way."""
    import extract.match.rule_bits

    stand_in, catastrophic = "^STANDIN$", r"(a+)+$"
    real_compile = re.compile
    def compile_(p, *a):
        return real_compile(catastrophic if p == stand_in else p, *a)

    monkeypatch.setattr(extract.match.rule_bits.re, "compile", compile_)
    rules = tmp_path / "rules"
    rules.mkdir()
    rule = {"id": "method.user.slow", "label": "METHOD", "pattern": [{"TEXT": {"REGEX": stand_in}}]}
    (rules / "methods.jsonl").write_text(json.dumps(rule) + "\n", "utf-8")
    path = corpus(tmp_path, {"abstract": "a" * 40 + "b reaches 5% accuracy."})
    out = tmp_path / "out" / "claims.csv"
    summary = run_batch([path], out, rules=[rules], show_progress=False, jobs=jobs, record_timeout=1)
    papers = pd.read_csv(out.with_name("claims.papers.csv"), dtype=str).fillna("")
    assert papers[["paper_id", "status", "error"]].values.tolist() == [
        ["1", "ok", ""],
        ["2", "rejected", "took longer than 1 s"],
        ["3", "ok", ""],
    ]
    assert summary.balanced() and summary.rejected == 1


def test_a_negative_record_timeout_is_one_line(tmp_path, capsys):
    path = corpus(tmp_path, {"abstract": GOOD})
    assert main(["batch", str(path), "-o", str(tmp_path / "c.csv"), "--record-timeout", "-1"]) == 2
    assert capsys.readouterr().err == (
        "extract: error: --record-timeout must be 0 (no limit) or a positive number, not -1\n"
    )


# ---------------------------------------------------------------- the pipeline's worst cases


@pytest.mark.slow
def test_a_200kb_run_on_sentence_links_in_linear_time(nlp, tmp_path):
    """No full stop: one sentence of numbers and names (80 KB took > 120 s, now ~0.6 s)."""
    unit = "LLaMA 7B reaches 81.2% accuracy on ImageNet with 64 A100 GPUs, BERT gets 3x over GPT-4 and "
    text = unit * (200_000 // len(unit))
    path = corpus(tmp_path, {"abstract": text})
    tables = extract_table([path], nlp=nlp, record_timeout=60)  # the guard: a minute
    assert statuses(tables)["2"] == ("ok", "")
    results = tables.claims[(tables.claims["paper_id"] == "2") & (tables.claims["kind"] == "result")]
    assert len(results) == 2 * text.count("81.2%")
    # far into the sentence, each result is still linked to the names written beside it
    assert set(results["dataset"].iloc[-40:]) == {"ImageNet"}


def test_a_device_count_beyond_int64_keeps_the_record(nlp, tmp_path):
    path = corpus(tmp_path, {"abstract": "We train on 10000000000000000000 GPUs and reach 5% accuracy."})
    tables = extract_table([path], nlp=nlp)
    assert set(statuses(tables).values()) == {("ok", "")}
    hardware = tables.claims[tables.claims["kind"] == "hardware"].set_index("paper_id")
    assert hardware.loc["2", "name"] == "GPU" and pd.isna(hardware.loc["2", "count"])
    assert hardware.loc["1", "count"] == 64


def test_an_abstract_over_the_length_limit_is_one_rejected_paper(nlp, tmp_path, monkeypatch):
    """spaCy refuses texts over ``nlp.max_length`` (10,000,000 characters; lowered here to
    keep the test small): that raised E088 outside the per-paper guard and ended the run."""
    monkeypatch.setattr(nlp, "max_length", 1000)
    path = corpus(tmp_path, {"abstract": "x " * 501})
    tables = extract_table([path], nlp=nlp)
    assert statuses(tables) == {
        "1": ("ok", ""),
        "2": ("rejected", "abstract longer than 1,000 characters"),
        "3": ("ok", ""),
    }


# ---------------------------------------------------------------- outputs never replace inputs


def _refused(capsys, argv: list[str], *protected: Path) -> str:
    before = {p: p.read_bytes() for p in protected}
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("extract: error: ")
    assert {p: p.read_bytes() for p in protected} == before
    return err


@pytest.mark.parametrize("option", ["-o", "--papers", "--rejects"])
def test_an_output_over_an_input_is_refused(tmp_path, capsys, option):
    victim = corpus(tmp_path, {"abstract": GOOD}, name="victim.jsonl")
    others = {"-o": tmp_path / "c.jsonl", "--papers": tmp_path / "p.jsonl", "--rejects": tmp_path / "r.jsonl"}
    argv = ["batch", str(victim), "-q"]
    for name, path in {**others, option: victim}.items():
        argv += [name, str(path)]
    err = _refused(capsys, argv, victim)
    assert (
        err == f"extract: error: {victim}: {option} would overwrite the input {victim}; choose another path\n"
    )


def test_an_input_named_like_the_default_rejects_table_is_kept(tmp_path, capsys):
    victim = corpus(tmp_path, {"abstract": GOOD}, name="claims.rejects.jsonl")
    _refused(capsys, ["batch", str(victim), "-o", str(tmp_path / "claims.csv")], victim)
    assert not (tmp_path / "claims.csv").exists()


def test_an_input_found_in_a_directory_or_glob_is_kept(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    victim = corpus(data, {"abstract": GOOD}, name="c.jsonl")
    (tmp_path / "link.jsonl").symlink_to(victim)
    _refused(capsys, ["batch", str(data), "-o", str(victim)], victim)
    _refused(capsys, ["batch", str(data / "*.jsonl"), "-o", str(tmp_path / "link.jsonl")], victim)


def test_one_path_for_two_outputs_is_refused(tmp_path, capsys):
    path = corpus(tmp_path, {"abstract": GOOD})
    out = tmp_path / "x.csv"
    err = _refused(capsys, ["batch", str(path), "-o", str(out), "--papers", str(out)], path)
    assert err == f"extract: error: {out}: given for both -o and --papers; choose two paths\n"
    assert list(tmp_path.iterdir()) == [path]  # nothing written, no .tmp


def test_a_leaderboard_over_its_input_is_refused(seed_tables, tmp_path, capsys):
    claims = tmp_path / "c.csv"
    seed_tables.claims.to_csv(claims, index=False)
    _refused(capsys, ["leaderboard", str(claims), "-o", str(claims)], claims)


# ---------------------------------------------------------------- a full disk


def _earlier_run(tmp_path: Path) -> dict[Path, bytes]:
    tables = {tmp_path / name: f"earlier {name}\n".encode() for name in ("c.csv", "c.papers.csv")}
    tables[tmp_path / "c.rejects.jsonl"] = b'{"source": "earlier", "reason": "earlier"}\n'
    for path, data in tables.items():
        path.write_bytes(data)
    return tables


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("failing", ["c.csv", "c.papers.csv", "c.rejects.jsonl"])
def test_a_full_disk_at_close_keeps_the_earlier_set(tmp_path, capsys, monkeypatch, failing):
    (tmp_path / "in").mkdir()
    path = corpus(tmp_path / "in", {"abstract": GOOD})
    earlier = _earlier_run(tmp_path)
    finish = TableWriter.finish
    monkeypatch.setattr(
        TableWriter, "finish", lambda self: _disk_full() if self.path.name == failing else finish(self)
    )
    assert main(["batch", str(path), "-o", str(tmp_path / "c.csv"), "-q"]) == 2
    assert capsys.readouterr().err == (
        f"extract: error: {tmp_path / failing}: cannot write output (No space left on device)\n"
    )
    assert {p: p.read_bytes() for p in earlier} == earlier
    assert no_temporary_files(tmp_path)


@pytest.mark.parametrize("failing", ["c.csv", "c.rejects.jsonl"])
def test_a_full_disk_during_the_run_is_one_line(tmp_path, capsys, monkeypatch, failing):
    (tmp_path / "in").mkdir()
    path = corpus(tmp_path / "in", {"title": "no abstract"})  # one reject, so rejects are written
    write = TableWriter.write
    monkeypatch.setattr(
        TableWriter, "write", lambda self, df: _disk_full() if self.path.name == failing else write(self, df)
    )
    assert main(["batch", str(path), "-o", str(tmp_path / "c.csv"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err == f"extract: error: {tmp_path / failing}: cannot write output (No space left on device)\n"
    assert no_temporary_files(tmp_path) and not (tmp_path / "c.csv").exists()


# ---------------------------------------------------------------- the Dask engine


@pytest.fixture(scope="module")
def dask_client():
    from dask import distributed

    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1) as client:
        yield client


def test_dask_into_an_earlier_runs_directory_replaces_its_partitions(tmp_path, dask_client):
    from extract.table.distributed import run_dask

    path = corpus(tmp_path, {"abstract": GOOD})
    out = tmp_path / "claims"
    out.mkdir()
    stale = pd.DataFrame({"x": [1]})
    for name in ("part-00000.parquet", "part-00007.parquet"):
        stale.to_parquet(out / name)
    (out / "notes.txt").write_text("mine", "utf-8")
    summary = run_dask([path], out, client=dask_client)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "part-00000.parquet"]
    assert len(pd.read_parquet(out / "part-00000.parquet")) == sum(summary.claims.values())


def test_dask_off_a_terminal_prints_the_dashboard_but_no_bar(tmp_path, dask_client, capsys):
    from extract.table.distributed import run_dask

    path = corpus(tmp_path, {"abstract": GOOD})
    run_dask([path], tmp_path / "claims", client=dask_client)
    lines = capsys.readouterr().err.splitlines()
    assert f"extract: Dask dashboard at {dask_client.dashboard_link}" in lines
    assert not [line for line in lines if "%|" in line or "starting Dask" in line]
    run_dask([path], tmp_path / "claims", client=dask_client, show_progress=False)
    assert "dashboard" not in capsys.readouterr().err


def test_dask_with_a_table_suffix_is_refused_with_a_hint(tmp_path, capsys):
    path = corpus(tmp_path, {"abstract": GOOD})
    out = tmp_path / "claims.csv"
    _refused(capsys, ["batch", str(path), "-o", str(out), "--engine", "dask"], path)
    assert not out.exists()


@pytest.mark.slow
def test_an_unreachable_dask_scheduler_is_one_line(tmp_path, capsys):
    path = corpus(tmp_path, {"abstract": GOOD})
    argv = ["batch", str(path), "-o", str(tmp_path / "claims"), "--engine", "dask"]
    assert main([*argv, "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "1"]) == 2
    assert capsys.readouterr().err == (
        "extract: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 1 s (OSError)\n"
    )


# ---------------------------------------------------------------- jobs and exit codes


def test_too_many_jobs_are_capped_with_a_warning():
    from extract.table.batch import max_jobs, resolve_jobs

    warnings: list[str] = []
    assert resolve_jobs(100_000, warnings) == max_jobs() >= 64
    assert warnings == [f"--jobs 100000 is more than this machine can use; using {max_jobs()}"]
    assert resolve_jobs(2, warnings) == 2 and len(warnings) == 1


@pytest.mark.slow
def test_exit_codes_0_success_1_strict_2_expected_error(tmp_path):
    path = corpus(tmp_path, {"abstract": GOOD})
    broken = jsonl(tmp_path / "b.jsonl", [ROWS[0], "{broken"])
    assert cli("batch", str(path), "-o", str(tmp_path / "a.csv"), "-q").returncode == 0
    assert cli("batch", str(broken), "-o", str(tmp_path / "b.csv"), "-q", "--strict").returncode == 1
    assert cli("batch", str(tmp_path / "missing"), "-o", str(tmp_path / "c.csv")).returncode == 2


@pytest.mark.slow
def test_an_internal_error_is_exit_3_and_one_line(tmp_path):
    path = corpus(tmp_path, {"abstract": GOOD})
    code = (
        "import sys, extract.table.batch as b; from extract.cli.main import main\n"
        "def bug(*a, **k): raise RuntimeError('a bug\\nsecond line')\n"
        "b.process = bug\n"
        f"sys.exit(main(['batch', {str(path)!r}, '-o', {str(tmp_path / 'c.csv')!r}, '-q']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stderr) == (
        3,
        "extract: internal error: RuntimeError: a bug; rerun with --debug\n",
    )
    assert no_temporary_files(tmp_path) and not (tmp_path / "c.csv").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    "sig,code,message",
    [
        (signal.SIGTERM, 143, "extract: terminated; no output written\n"),
        (signal.SIGINT, 130, "extract: interrupted; no output written\n"),
    ],
)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_signal_mid_run_leaves_nothing_and_no_traceback(tmp_path, sig, code, message, jobs):
    rows = [{"id": str(i), "title": f"P{i}", "abstract": f"{GOOD} Run {i}."} for i in range(200_000)]
    path = jsonl(tmp_path / "big.jsonl", rows)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "extract",
        "batch",
        str(path),
        "-o",
        str(out / "c.csv"),
        "-q",
        "-j",
        jobs,
    ]
    run = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out.exists() and any(out.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.1)  # the run has started writing
    time.sleep(1)
    run.send_signal(sig)
    _, err = run.communicate(timeout=120)
    assert (run.returncode, err) == (code, message)
    assert not any(out.iterdir())
