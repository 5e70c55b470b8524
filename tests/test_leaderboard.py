"""The leaderboard of scores (roles, the deltas view), metric directions, name matching across
spellings, and importing leaderboard-style tables: string ids, column clashes, numbers as
people write them (rejected rows counted), and the real Papers-with-Code file."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from extract.errors import QueryError, QueryWarning
from extract.query.cells import parse_number
from extract.query.leaderboard import (
    LEADERBOARD_COLUMNS,
    derive,
    import_leaderboard,
    leaderboard,
    parse_directions,
    write_leaderboard,
)
from extract.query.select import select
from extract.rules.ruleset import cached_rules
from extract.rules.vocabulary import _surfaces, is_abbreviation, surface_map, vocabulary
from extract.table.frames import read_table, write_table
from tests.test_query import claims, result

ROOT = Path(__file__).resolve().parents[1]
PWC = ROOT / "fixtures" / "arxiv" / "leaderboard_results.jsonl"  # the real PwC rows (1,110)
ABSTRACTS = ROOT / "fixtures" / "arxiv" / "abstracts.jsonl"  # their papers, with titles


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "extract", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def mixed() -> pd.DataFrame:
    """One paper's results of every role."""
    return claims(
        result(76.2, metric="accuracy", dataset="MMLU", method="Ours", paper_id="a"),
        result(3.2, "dimensionless", metric="FID", dataset="COCO", model="Gen", paper_id="a"),
        result(5.0, "percentage_point", role="delta", metric="accuracy", dataset="MMLU", paper_id="a"),
        result(3.0, "x", role="delta", metric="speedup", paper_id="a"),
        result(4.0, "second", role="cost", metric="latency", paper_id="a"),
        result(1e9, "token", role="scale", dataset="C4", paper_id="a"),
        result(0.5, role="other", metric="accuracy", paper_id="a"),
    )


@pytest.fixture(scope="module")
def pwc() -> pd.DataFrame:
    return pd.DataFrame([json.loads(line) for line in PWC.read_text("utf-8").splitlines()])


# --- roles ------------------------------------------------------------------------------


def test_the_leaderboard_takes_scores_only(mixed):
    board = derive(mixed)
    assert list(zip(board["metric"], board["value"])) == [("accuracy", 76.2), ("FID", 3.2)]
    assert set(board["role"]) == {"score"}
    assert list(board["system"]) == ["Ours", "Gen"]  # the method, else the model


def test_the_deltas_view_takes_gains_and_drops_only(mixed):
    deltas = derive(mixed, deltas=True)
    assert list(zip(deltas["metric"], deltas["value"], deltas["unit"])) == [
        ("accuracy", 5.0, "percentage_point"),
        ("speedup", 3.0, "x"),
    ]
    assert set(deltas["role"]) == {"delta"}


def test_claims_without_a_role_column_give_every_result_with_a_warning(mixed):
    with pytest.warns(QueryWarning, match=r"no 'role' column .* every linked result is taken"):
        board = derive(mixed.drop(columns="role"))
    assert len(board) == 7  # every role: each row has a metric or a dataset
    assert board["role"].isna().all()


def test_the_deltas_view_needs_roles(mixed, tmp_path):
    with pytest.raises(QueryError, match="deltas view needs a 'role' column"):
        derive(mixed.drop(columns="role"), deltas=True)
    (tmp_path / "theirs.csv").write_text("paper_id,dataset,metric,value\np1,GSM8K,accuracy,55\n")
    with pytest.raises(QueryError, match="deltas view needs a claims table"):
        leaderboard(tmp_path / "theirs.csv", deltas=True)


@pytest.mark.slow
def test_cli_scores_and_deltas(tmp_path, mixed):
    mixed.to_csv(tmp_path / "claims.csv", index=False)
    done = run_cli("leaderboard", str(tmp_path / "claims.csv"), "-o", str(tmp_path / "board.csv"))
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"extract: leaderboard: 2 results of 1 papers → {tmp_path / 'board.csv'}"
    done = run_cli("leaderboard", str(tmp_path / "claims.csv"), "-o", str(tmp_path / "d.csv"), "--deltas")
    assert "leaderboard: 2 deltas of 1 papers" in done.stderr
    assert list(pd.read_csv(tmp_path / "d.csv")["role"]) == ["delta", "delta"]
    mixed.drop(columns="role").to_csv(tmp_path / "old.csv", index=False)
    done = run_cli("leaderboard", str(tmp_path / "old.csv"), "-o", str(tmp_path / "b2.csv"))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 0 and len(lines) == 2
    assert lines[0].startswith(f"extract: warning: {tmp_path / 'old.csv'}: no 'role' column")


# --- directions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "higher"),
    [
        ("accuracy", True),  # the rule's direction
        ("FID", False),
        ("Word Error Rate (WER)", False),  # a rule, through its PwC spelling
        ("Test perplexity", False),
        ("reconstruction error", False),  # no rule: the name's words decide
        ("inference time (ms)", False),
        ("Number of params", False),
        ("text-to-video Median Rank", False),
        ("NegLL", False),
        ("Rank-1", True),  # 'rank' alone is no lower-is-better word ('mean rank' is)
        ("made-up score", True),
        ("Hits@3", True),
    ],
)
def test_every_metric_has_a_direction(metric, higher):
    assert vocabulary().direction(metric) is higher


def test_lower_is_better_words_are_rule_data(tmp_path):
    cue = {"id": "cue.lower.mine", "label": "CUE", "role": "lower_is_better", "pattern": "bpp"}
    (tmp_path / "cues.jsonl").write_text(json.dumps(cue) + "\n")
    assert vocabulary().direction("compressed bpp") is True
    assert vocabulary((str(tmp_path),)).direction("compressed bpp") is False


def test_users_override_directions_by_metric_name(mixed):
    board = derive(mixed, overrides={"Frechet Inception Distance": True})  # an alias of FID
    assert list(board["higher_is_better"]) == [True, True]
    percent = {"metric": "accuracy", "where": "unit_norm == 'percent'", "sort": "value"}
    assert list(select(mixed, **percent)["value_norm"]) == [76.2, 0.5]
    assert list(select(mixed, **percent, directions={"acc": False})["value_norm"]) == [0.5, 76.2]


def test_a_direction_column_of_an_imported_table_is_kept_unless_overridden(tmp_path):
    path = tmp_path / "theirs.csv"
    path.write_text(
        "paper_id,dataset,metric,value,higher_is_better\n"
        "p1,D,house score,1,lower\np2,D,house score,3,\np3,D,accuracy,50,\n"
    )
    assert list(leaderboard(path)["higher_is_better"]) == [False, True, True]
    assert list(leaderboard(path, directions={"house score": True})["higher_is_better"]) == [True] * 3


@pytest.mark.parametrize("item", ["WER", "WER=maybe", "=false"])
def test_bad_direction_options_are_errors(item):
    with pytest.raises(QueryError, match=r"--higher-is-better: expected METRIC=true or METRIC=false"):
        parse_directions([item])


def test_an_override_of_an_unknown_metric_is_a_typo(mixed):
    with pytest.raises(QueryError, match=r"--higher-is-better: unknown metric 'acuracy'.*'accuracy'"):
        derive(mixed, overrides={"acuracy": False})


@pytest.mark.slow
def test_cli_direction_override_ranks_the_other_way(tmp_path):
    path = tmp_path / "theirs.csv"
    path.write_text("paper,benchmark,metric,score,model\np1,D,MOS,3.1,A\np2,D,MOS,4.2,B\n")
    base = ["query", str(path), "--sort", "value", "--format", "csv"]
    assert pd.read_csv(io.StringIO(run_cli(*base).stdout))["model"].tolist() == ["B", "A"]
    done = run_cli(*base, "--higher-is-better", "mos=false")
    assert done.returncode == 0, done.stderr
    found = pd.read_csv(io.StringIO(done.stdout))
    assert found["model"].tolist() == ["A", "B"] and not found["higher_is_better"].any()


# --- names across spellings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "label", "canonical"),
    [
        ("Top 1 Accuracy", "METRIC", "top-1 accuracy"),
        ("Word Error Rate (WER)", "METRIC", "WER"),
        ("Percentage error", "METRIC", "error rate"),
        ("Test perplexity", "METRIC", "perplexity"),
        ("Accuracy (%)", "METRIC", "accuracy"),
        ("mAP @0.5", "METRIC", "mAP"),
        ("R@1", "METRIC", "Recall@1"),
        ("R-1", "METRIC", "ROUGE-1"),
        ("Cityscapes val", "DATASET", "Cityscapes"),
        ("COCO test-dev", "DATASET", "COCO"),
        ("HumanEval+", "DATASET", "HumanEval+"),
    ],
)
def test_spellings_resolve_to_canonical_names(written, label, canonical):
    assert vocabulary().resolve(written, label) == canonical


def test_a_parenthesised_word_that_is_no_abbreviation_is_part_of_the_name():
    vocab = vocabulary()
    assert vocab.name_key("SDR (bass)") != vocab.name_key("SDR (drums)")
    assert is_abbreviation("WER", "Word Error Rate") and is_abbreviation("EAO", "Expected Average Overlap")
    assert not is_abbreviation("bass", "SDR") and not is_abbreviation("10% missing", "MSE")


def test_a_name_of_split_words_only_is_kept():
    assert vocabulary().name_key("Test") == "test"


def test_name_keys_merge_no_names_the_rules_keep_apart():
    """Every name, pattern and alias resolves as it did when names compared by case only."""
    rules, vocab = cached_rules(()), vocabulary()
    for label in ("DATASET", "METRIC", "METHOD"):
        by_case = surface_map(rules.by_label(label))
        for rule in rules.by_label(label):
            for _, surface in _surfaces(rule):
                if isinstance(surface, str) and surface.strip() and surface.casefold() in by_case:
                    assert vocab.lookup(surface, label) == by_case[surface.casefold()], (label, surface)


# --- reading tables: ids are text ---------------------------------------------------------


def test_arxiv_ids_stay_text_in_every_format(tmp_path):
    df = pd.DataFrame({"id": ["2003.13630", "1207.4708"], "dataset": ["D", "D"], "metric": ["F1", "F1"]})
    df["value"] = [1.0, 2.0]
    for suffix in (".csv", ".jsonl", ".parquet"):
        write_table(df, tmp_path / f"t{suffix}")
        assert list(read_table(tmp_path / f"t{suffix}")["id"]) == ["2003.13630", "1207.4708"], suffix
    assert list(select(tmp_path / "t.csv")["paper_id"]) == ["2003.13630", "1207.4708"]


def test_a_json_number_id_keeps_its_digits(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"paper_id": 2003.13630, "x": 1.50}\n{"paper_id": 42, "x": 2}\n')
    df = read_table(path)
    assert list(df["paper_id"]) == ["2003.13630", "42"]
    assert list(df["x"]) == [1.5, 2.0] and df["x"].dtype == "float64"


def test_a_bad_json_line_is_named(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(QueryError, match=r"t.jsonl:2: not JSON"):
        read_table(path)


def test_titles_come_from_the_papers_table_when_ids_look_like_numbers(tmp_path):
    rows = claims(
        result(70.0, metric="accuracy", dataset="MMLU", paper_id="2003.13630"),
        result(50.0, metric="accuracy", dataset="MMLU", paper_id="1207.4708"),
    )
    write_table(rows, tmp_path / "claims.csv")
    papers = pd.DataFrame({"paper_id": ["1207.4708", "2003.13630"], "title": ["Old", "New"]})
    write_table(papers, tmp_path / "claims.papers.csv")
    board = leaderboard(tmp_path / "claims.csv")
    assert list(zip(board["paper_id"], board["title"])) == [("2003.13630", "New"), ("1207.4708", "Old")]


# --- importing leaderboard-style tables ---------------------------------------------------


def test_columns_that_collide_are_named(tmp_path):
    path = tmp_path / "theirs.csv"
    path.write_text("Paper,Benchmark,Dataset,Metric,Score\np1,a,b,F1,1\n")
    with pytest.raises(QueryError) as caught:
        leaderboard(path)
    assert "several columns map to 'dataset': 'Benchmark', 'Dataset' (rename or drop all but one)" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("cell", "read"),
    [
        ("220k", (220e3, False)),
        ("5.7M", (5.7e6, False)),
        ("23M", (23e6, False)),
        ("3.1m", (3.1e6, False)),
        ("7B", (7e9, False)),
        ("1.2e3", (1200.0, False)),
        ("85.2%", (85.2, True)),
        (" 99.9 %", (99.9, True)),
        ("1,024", (1024.0, False)),
        ("-3.5", (-3.5, False)),
        ("+2", (2.0, False)),
        (".999", (0.999, False)),
        (12, (12.0, False)),
        ("n/a", None),
        ("1,5", None),
        ("74.4 ± 0.3", None),
        ("1e400", None),
        (True, None),
    ],
)
def test_numbers_as_people_write_them(cell, read):
    assert parse_number(cell) == read


def test_unreadable_rows_are_rejected_and_counted_not_the_file(tmp_path):
    path = tmp_path / "theirs.csv"
    path.write_text(
        "id,dataset,metric,value,params\n"
        "p1,D,F1,85.2%,220k\np2,D,F1,about 5,5.7M\np3,D,F1,80,lots\np4,D,F1,1.2e1,\n"
    )
    imported = import_leaderboard(read_table(path), str(path))
    assert list(imported.board["paper_id"]) == ["p1", "p4"]
    assert list(imported.board["value"]) == [85.2, 12.0]
    assert list(imported.board["unit"].fillna("")) == ["percent", ""]
    assert list(imported.board["model_size_params"].fillna(-1)) == [220e3, -1]
    assert imported.rejected[["id", "data_row", "reason"]].to_dict("records") == [
        {"id": "p2", "data_row": 2, "reason": "column 'value' needs a number, found 'about 5'"},
        {"id": "p3", "data_row": 3, "reason": "column 'model_size_params' needs a number, found 'lots'"},
    ]
    with pytest.warns(QueryWarning, match=r"2 of 4 rows rejected: column 'value' .* \(data row 2\); 1 more"):
        assert len(leaderboard(path)) == 2


def test_the_real_papers_with_code_file_imports(pwc):
    with warnings.catch_warnings():
        warnings.simplefilter("error", QueryWarning)  # no row is rejected: no warning
        imported = import_leaderboard(read_table(PWC), str(PWC), papers=read_table(ABSTRACTS))
    board = imported.board
    assert len(board) == len(pwc) == 1110 and imported.rejected.empty
    assert list(board.columns[: len(LEADERBOARD_COLUMNS)]) == LEADERBOARD_COLUMNS
    assert {"task", "raw_value", "paper_date"} <= set(board.columns)  # a task is no dataset
    assert list(board["paper_id"]) == list(pwc["id"])  # '2003.13630' stays itself
    assert "2003.13630" in set(board["paper_id"])
    assert board["title"].notna().all()
    written = pwc["value"].map(lambda v: isinstance(v, str)).to_numpy()
    assert written.sum() == 28 and board.loc[written, "value"].notna().all()  # '220k', '185M'… read
    for cell, value in (("220k", 220e3), ("185M", 1.85e8), ("3.1m", 3.1e6), ("5.7M", 5.7e6)):
        assert set(board.loc[(pwc["value"] == cell).to_numpy(), "value"]) == {value}, cell


def test_pwc_spellings_are_found_and_ranked(pwc):
    wer = select(PWC, metric="WER", sort="value")
    assert set(wer["metric"]) == {"Word Error Rate (WER)"}
    assert len(wer) == (pwc["metric"] == "Word Error Rate (WER)").sum()
    assert list(wer["value"]) == sorted(wer["value"])  # lower is better
    cityscapes = select(PWC, dataset="Cityscapes")
    assert set(cityscapes["dataset"]) == {"Cityscapes test", "Cityscapes val"}
    assert len(cityscapes) == pwc["dataset"].str.startswith("Cityscapes").sum()
    errors = select(PWC, metric="Percentage error", sort="value")
    assert not errors["higher_is_better"].any() and list(errors["value"]) == sorted(errors["value"])
    assert set(select(PWC, metric="top-1 accuracy")["metric"]) == {"Top 1 Accuracy", "Top-1 Accuracy"}
    top1 = select(PWC, metric="top-1 accuracy", dataset="imagenet", sort="value")
    expected = (pwc["dataset"] == "ImageNet") & pwc["metric"].isin(["Top 1 Accuracy", "Top-1 Accuracy"])
    assert len(top1) == expected.sum() > 10
    assert list(top1["value"]) == sorted(top1["value"], reverse=True)
    best = select(PWC, metric="top-1 accuracy", dataset="imagenet", best_per="method")
    assert best["system"].is_unique and best["value"].iloc[0] == top1["value"].max()
    perplexity = select(PWC, metric="perplexity", dataset="WikiText-2", sort="value")
    assert set(perplexity["metric"]) == {"Test perplexity", "Validation perplexity"}
    assert list(perplexity["value"]) == sorted(perplexity["value"])


@pytest.mark.slow
def test_cli_imports_the_real_file_with_titles(tmp_path):
    out = tmp_path / "pwc.csv"
    done = run_cli("leaderboard", str(PWC), "-o", str(out), "--papers", str(ABSTRACTS))
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"extract: leaderboard: 1110 results of 182 papers → {out}"
    board = read_table(out)
    assert board["title"].notna().all() and "2003.13630" in set(board["paper_id"])
    done = run_cli("query", str(out), "--metric", "WER", "--top", "1", "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert "Word Error Rate (WER)" in done.stdout


def test_write_leaderboard_takes_a_papers_file(tmp_path):
    board = write_leaderboard(PWC, tmp_path / "b.parquet", papers=ABSTRACTS)
    assert board["title"].notna().all()
    assert read_table(tmp_path / "b.parquet")["paper_id"].tolist() == board["paper_id"].tolist()
