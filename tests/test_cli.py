"""The command line, run as a user would: a subprocess from a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from extract.table.frames import CLAIM_COLUMNS, PAPER_COLUMNS

from .conftest import SEEDS


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "extract", *args], capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_batch_over_the_seed_pages(tmp_path, suffix):
    out = tmp_path / f"claims{suffix}"
    papers = tmp_path / f"papers{suffix}"
    done = run_cli("batch", str(SEEDS), "-o", str(out), "--papers", str(papers))
    assert done.returncode == 0, done.stderr
    assert "634 records read, 549 papers" in done.stderr
    assert "85 duplicates, 0 rejected" in done.stderr
    assert "Traceback" not in done.stderr
    read = pd.read_csv if suffix == ".csv" else pd.read_parquet
    assert list(read(out).columns) == CLAIM_COLUMNS
    assert list(read(papers).columns) == PAPER_COLUMNS
    assert len(read(papers)) == 549
    assert (tmp_path / "claims.rejects.jsonl").exists()


@pytest.mark.slow
def test_glob_input_and_default_papers_path(tmp_path):
    out = tmp_path / "c.jsonl"
    done = run_cli("batch", str(SEEDS / "000_*.txt"), "-o", str(out), "-q")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "c.papers.jsonl").exists()
    assert "39 records read" in done.stderr


@pytest.mark.slow
def test_missing_input_is_one_line_and_exit_2(tmp_path):
    done = run_cli("batch", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "c.csv"))
    assert done.returncode == 2
    assert done.stderr.strip() == f"extract: error: {tmp_path / 'nope.jsonl'}: no such file or directory"
    assert not (tmp_path / "c.csv").exists()


@pytest.mark.slow
def test_building_a_pipeline_does_not_import_pandas():
    """Start-up (issue 6) pays only for spaCy and pint; the table code loads on first use."""
    import subprocess
    import sys

    code = "import sys, extract; extract.build_nlp(); print('pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    import extract

    assert callable(extract.extract_table) and set(extract.__all__) == set(extract._WHERE)


@pytest.mark.slow
def test_modules_import_as_modules_and_the_api_is_listed():
    """``import extract.query as q`` is the module; the API functions are attributes of
    ``extract`` that ``dir()`` lists, and importing a stage never rebinds them."""
    import subprocess
    import sys

    code = (
        "import types, extract.query as q, extract.query.select, extract.query.leaderboard, extract; "
        "print(isinstance(q, types.ModuleType), isinstance(extract.query.select, types.ModuleType), "
        "callable(extract.select), callable(extract.leaderboard), "
        "{'select', 'leaderboard', 'extract_table', 'build_nlp'} <= set(dir(extract)), "
        "extract.__version__ != '')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True"] * 6
