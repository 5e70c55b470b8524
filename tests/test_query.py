"""Leaderboard derivation and queries: filters, ranking direction, best-per, counts, alias
matching, unit refusal, rendering, and bad input (one-line errors, exit code 2)."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings

import pandas as pd
import pytest

import extract
from extract.errors import QueryError, QueryWarning
from extract.query.leaderboard import LEADERBOARD_COLUMNS, derive, leaderboard, write_leaderboard
from extract.query.select import select, view
from extract.show.render import markdown, number, render, table
from extract.table.frames import claims_frame


def claims(*rows: dict) -> pd.DataFrame:
    """A claims table from partial rows (a result with a span unless told otherwise), with
    the ``role`` of each row (whether or not ``claims_frame`` has the column yet)."""
    base = {"kind": "result", "text": "x", "start": 0, "end": 1, "sentence": 0}
    df = claims_frame([{"paper_id": f"p{i}", **base, **row} for i, row in enumerate(rows)])
    return df.assign(role=pd.array([row.get("role") for row in rows], dtype="string"))


def result(value: float, unit: str = "percent", role: str = "score", **context) -> dict:
    return {"value": value, "value_norm": value, "unit": unit, "unit_norm": unit, "role": role, **context}


@pytest.fixture
def scores() -> pd.DataFrame:
    """Two papers' results: accuracy on GSM8K and SST-2 (written as its alias), perplexity."""
    return claims(
        result(61.0, metric="accuracy", dataset="GSM8K", method="LoRA", model="LLaMA", paper_id="a"),
        result(74.5, metric="accuracy", dataset="GSM8K", method="GaLore", model="llama", paper_id="a"),
        result(70.1, metric="accuracy", dataset="GSM8K", method="LoRA", model="Mistral", paper_id="b"),
        result(91.2, metric="accuracy", dataset="SST2", method="LoRA", paper_id="b"),
        result(12.3, "dimensionless", metric="perplexity", dataset="C4", method="GaLore", paper_id="a"),
        result(9.8, "dimensionless", metric="perplexity", dataset="C4", method="LoRA", paper_id="b"),
        result(15.0, "dimensionless", metric="PPL", dataset="C4", method="Adam", paper_id="c"),
        {"paper_id": "a", "kind": "dataset", "name": "GSM8K"},
        {"paper_id": "a", "kind": "method", "name": "GaLore"},
        {"paper_id": "a", "kind": "hardware", "name": "A100", "count": 8},
        {"paper_id": "b", "kind": "hardware", "name": "A100", "count": 64},
        {"paper_id": "b", "kind": "hardware", "name": "GPU"},
        {"paper_id": "c", "kind": "hardware", "name": "H100", "count": 512},
    )


# --- filters and alias matching ---------------------------------------------------------


def test_kind_filter_keeps_only_that_kind(scores):
    found = select(scores, kind="hardware")
    assert set(found["kind"]) == {"hardware"}
    assert list(found["name"]) == ["A100", "A100", "GPU", "H100"]


@pytest.mark.parametrize("typed", ["GSM8K", "gsm8k", "GSM8k", " gsm8K "])
def test_dataset_matches_case_insensitively(scores, typed):
    found = select(scores, dataset=typed, kind="result")
    assert list(found["value_norm"]) == [61.0, 74.5, 70.1]


def test_dataset_filter_finds_mentions_of_the_dataset_too(scores):
    found = select(scores, dataset="gsm8k")
    assert list(found["kind"]) == ["result", "result", "result", "dataset"]


def test_dataset_aliases_from_the_rules_match_both_ways(scores):
    """The rules list 'SST2' and 'Stanford Sentiment Treebank' as aliases of SST-2."""
    for typed in ("SST-2", "sst-2", "Stanford Sentiment Treebank"):
        assert list(select(scores, dataset=typed)["value_norm"]) == [91.2], typed


def test_metric_alias_matches_the_canonical_name(scores):
    by_alias = select(scores, metric="ppl")
    by_name = select(scores, metric="Perplexity")
    assert list(by_alias["value_norm"]) == list(by_name["value_norm"]) == [12.3, 9.8, 15.0]


def test_method_filter_and_method_mentions(scores):
    found = select(scores, method="galore")
    assert list(zip(found["kind"], found["value_norm"].fillna(-1))) == [
        ("result", 74.5),
        ("result", 12.3),
        ("method", -1),
    ]


def test_where_filter_treats_missing_as_no_match(scores):
    found = select(scores, kind="hardware", where="count >= 64")
    assert list(found["name"]) == ["A100", "H100"]
    assert list(select(scores, where="name in ['H100', 'V100']")["name"]) == ["H100"]
    assert list(select(scores, kind="hardware", where="not count < 64")["name"]) == ["A100", "H100"]
    assert list(select(scores, kind="hardware", where="count == None")["name"]) == ["GPU"]


def test_filters_combine(scores):
    found = select(scores, dataset="gsm8k", metric="acc", where="value_norm > 65")
    assert sorted(found["value_norm"]) == [70.1, 74.5]


# --- ranking ----------------------------------------------------------------------------


def test_higher_is_better_ranks_descending(scores):
    found = select(scores, metric="accuracy", dataset="gsm8k", sort="value")
    assert list(found["value_norm"]) == [74.5, 70.1, 61.0]


def test_lower_is_better_ranks_ascending(scores):
    found = select(scores, metric="perplexity", sort="value")
    assert list(found["value_norm"]) == [9.8, 12.3, 15.0]
    assert list(select(scores, metric="perplexity", sort="value", reverse=True)["value_norm"]) == [
        15.0,
        12.3,
        9.8,
    ]


def test_top_keeps_the_best_n(scores):
    assert list(select(scores, metric="perplexity", sort="value", top=1)["method"]) == ["LoRA"]


def test_rows_without_a_known_metric_follow_the_known_direction():
    df = claims(result(3.0, metric="WER"), result(2.0), result(5.0, metric="word error rate"))
    assert list(select(df, sort="value")["value_norm"]) == [2.0, 3.0, 5.0]
    unknown = claims(result(3.0), result(5.0), result(4.0))
    assert list(select(unknown, sort="value")["value_norm"]) == [5.0, 4.0, 3.0]


def test_metrics_of_opposite_directions_are_not_ranked_together():
    df = claims(result(60.0, metric="accuracy"), result(10.0, metric="PPL"), result(2.0, metric="WER"))
    with pytest.raises(QueryError, match=r"higher is better \(accuracy\).*lower is better \(PPL, WER\)"):
        select(df, sort="value")


def test_sort_by_other_columns(scores):
    by_count = select(scores, kind="hardware", sort="count")
    assert list(by_count["count"].fillna(-1)) == [512, 64, 8, -1]
    by_name = select(scores, kind="result", dataset="gsm8k", sort="model")
    assert list(by_name["model"]) == ["LLaMA", "llama", "Mistral"]


# --- unit refusal -----------------------------------------------------------------------


def test_mixed_units_are_refused_with_the_units_named():
    df = claims(
        result(12.0, metric="speedup"), result(3.0, "x", metric="speedup"), result(7.0, metric="speedup")
    )
    with pytest.raises(QueryError) as caught:
        select(df, sort="value")
    message = str(caught.value)
    assert "different units: percent (2), x (1)" in message
    assert "--where \"unit_norm == 'percent'\"" in message
    assert "\n" not in message
    assert list(select(df, where="unit_norm == 'percent'", sort="value")["value_norm"]) == [12.0, 7.0]


def test_best_per_refuses_mixed_units_too():
    df = claims(result(12.0, method="A"), result(3.0, "x", method="B"))
    with pytest.raises(QueryError, match="different units"):
        select(df, best_per="method")


def test_unranked_filters_do_not_need_one_unit(scores):
    assert len(select(scores, kind="result")) == 7


# --- best-per and counts ----------------------------------------------------------------


def test_best_per_method_keeps_each_methods_best_result(scores):
    found = select(scores, dataset="gsm8k", metric="accuracy", best_per="method")
    assert list(zip(found["method"], found["value_norm"])) == [("GaLore", 74.5), ("LoRA", 70.1)]


def test_best_per_respects_lower_is_better(scores):
    found = select(scores, metric="perplexity", best_per="method")
    assert list(zip(found["method"], found["value_norm"])) == [
        ("LoRA", 9.8),
        ("GaLore", 12.3),
        ("Adam", 15.0),
    ]


def test_best_per_model_compares_names_canonically(scores):
    """'LLaMA' and 'llama' are one model: its best is kept once."""
    found = select(scores, dataset="gsm8k", best_per="model")
    assert list(zip(found["model"], found["value_norm"])) == [("llama", 74.5), ("Mistral", 70.1)]


def test_best_per_paper(scores):
    found = select(scores, metric="accuracy", dataset="gsm8k", best_per="paper")
    assert dict(zip(found["paper_id"], found["value_norm"])) == {"a": 74.5, "b": 70.1}


def test_group_counts_count_distinct_papers_and_rows(scores):
    found = select(scores, kind="hardware", group_by="name", count=True)
    assert found.to_dict("records") == [
        {"name": "A100", "n_papers": 2, "n_rows": 2},
        {"name": "GPU", "n_papers": 1, "n_rows": 1},
        {"name": "H100", "n_papers": 1, "n_rows": 1},
    ]
    total = select(scores, kind="result", count=True)
    assert total.to_dict("records") == [{"n_papers": 3, "n_rows": 7}]


# --- leaderboard ------------------------------------------------------------------------


@pytest.fixture
def paper_claims() -> pd.DataFrame:
    return claims(
        result(81.0, metric="Acc", dataset="GSM8K", method="X", model="Llama-2", paper_id="a", text="81%"),
        result(2.1, "dimensionless", metric="FID", dataset="COCO", model="Other", paper_id="a", start=40),
        result(5.0, metric="made-up score", paper_id="a"),
        result(3.0, "x", paper_id="a"),  # neither metric nor dataset: not a leaderboard row
        result(50.0, dataset="MMLU", paper_id="b"),
        {
            "paper_id": "a",
            "kind": "model_size",
            "model": "Llama-2",
            "value_norm": 7e9,
            "unit_norm": "parameter",
        },
        {
            "paper_id": "a",
            "kind": "model_size",
            "name": "Llama-2",
            "value_norm": 13e9,
            "unit_norm": "parameter",
        },
        {"paper_id": "a", "kind": "model_size", "value_norm": 70e9, "unit_norm": "parameter"},
        {"paper_id": "a", "kind": "hardware", "name": "GPU", "count": 64},
        {"paper_id": "a", "kind": "hardware", "name": "A100", "count": 8},
        {"paper_id": "a", "kind": "hardware", "name": "H100"},
        {"paper_id": "a", "kind": "hardware", "name": "A100"},
        {"paper_id": "b", "kind": "hardware", "name": "GPU"},
    )


def test_leaderboard_has_one_row_per_linked_result(paper_claims):
    board = derive(paper_claims)
    assert list(board.columns) == LEADERBOARD_COLUMNS
    assert list(board["value"]) == [81.0, 2.1, 5.0, 50.0]
    assert list(board["text"]) == ["81%", "x", "x", "x"]
    assert list(board["start"]) == [0, 40, 0, 0]


def test_leaderboard_model_size_matches_the_model_else_the_largest(paper_claims):
    board = derive(paper_claims)
    assert list(board["model_size_params"].fillna(-1)) == [13e9, 70e9, 70e9, -1]


def test_leaderboard_hardware_names_devices_and_largest_count(paper_claims):
    board = derive(paper_claims)
    assert list(board["hardware"].fillna("")) == ["A100; H100"] * 3 + ["GPU"]
    assert list(board["n_devices"].fillna(-1)) == [64, 64, 64, -1]


def test_leaderboard_direction_comes_from_the_metric_rules_else_the_name(paper_claims):
    board = derive(paper_claims)
    # Acc (rule: higher), FID (rule: lower), 'made-up score' (no rule, no lower-is-better
    # word in its name: higher), no metric (<NA>)
    assert list(board["higher_is_better"]) == [True, False, True, pd.NA]


def test_leaderboard_titles_come_from_the_papers_table_beside_the_claims(tmp_path, paper_claims):
    paper_claims.to_csv(tmp_path / "c.csv", index=False)
    board = leaderboard(tmp_path / "c.csv")
    assert board["title"].isna().all()
    papers = pd.DataFrame({"paper_id": ["a", "b"], "title": ["Paper A", "Paper B"]})
    papers.to_csv(tmp_path / "c.papers.csv", index=False)
    board = extract.leaderboard(tmp_path / "c.csv")
    assert list(board["title"]) == ["Paper A"] * 3 + ["Paper B"]


def test_queries_over_the_leaderboard_use_its_columns(tmp_path, paper_claims):
    write_leaderboard(_csv(tmp_path, paper_claims), tmp_path / "board.csv")
    found = select(tmp_path / "board.csv", where="model_size_params >= 7e9 and n_devices <= 64")
    assert list(found["value"]) == [81.0, 2.1, 5.0]
    assert list(select(tmp_path / "board.csv", metric="FID", sort="value")["model"]) == ["Other"]


def test_a_leaderboard_made_elsewhere_is_mapped_by_name(tmp_path):
    path = tmp_path / "theirs.csv"
    path.write_text(
        "Paper ID,Benchmark,Metric,Score,Model,Notes\n"
        "p1,gsm8k,Accuracy,55.0,M1,first\n"
        "p2,GSM8K,accuracy,60.5,M2,\n"
        "p3,ImageNet,top-1 error,20.0,M3,\n"
    )
    board = leaderboard(path)
    assert list(board.columns) == LEADERBOARD_COLUMNS + ["notes"]
    assert list(board["higher_is_better"]) == [True, True, False]
    found = select(path, dataset="GSM8k", sort="value")
    assert list(found["model"]) == ["M2", "M1"]


def test_a_leaderboard_missing_columns_is_named(tmp_path):
    path = tmp_path / "theirs.csv"
    path.write_text("paper,dataset,score\np1,GSM8K,55\n")
    with pytest.raises(QueryError, match=r"theirs.csv: missing column 'metric' for a leaderboard"):
        select(path)


def test_a_claims_table_missing_contract_columns_is_named(scores):
    with pytest.raises(QueryError, match=r"missing columns 'unit_norm', 'metric' for a claims table"):
        select(scores.drop(columns=["unit_norm", "metric"]))


def test_non_numeric_values_in_a_claims_table_are_a_clear_error(tmp_path, scores):
    path = tmp_path / "claims.csv"
    written = scores.astype({"value_norm": "string"})
    written.loc[1, "value_norm"] = "n/a%"
    written.to_csv(path, index=False)
    with pytest.raises(QueryError, match=r"column 'value_norm' needs a number, found 'n/a%' \(data row 2\)"):
        select(path)


# --- bad input through the API ----------------------------------------------------------


def test_unknown_metric_is_an_error_with_a_suggestion(scores):
    with pytest.raises(QueryError, match=r"unknown metric 'acuracy'.*did you mean 'accuracy'"):
        select(scores, metric="acuracy")


def test_a_metric_only_the_data_knows_is_fine():
    df = claims(result(1.0, metric="house score"), result(2.0, metric="other"))
    assert list(select(df, metric="House Score")["value_norm"]) == [1.0]


def test_empty_result_is_an_error_naming_the_filters(scores):
    with pytest.raises(QueryError, match=r"no rows match --dataset 'MNIST' --where 'value_norm > 1'"):
        select(scores, dataset="MNIST", where="value_norm > 1")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"where": "value_norm >"}, "--where: bad expression 'value_norm >'"),
        ({"where": "nosuch > 1"}, "name 'nosuch' is not defined"),
        ({"where": "value_norm + 1"}, "arithmetic (+, -, *, / …) is not allowed"),
        ({"where": "kind"}, "is not a condition"),
        ({"sort": "nosuch"}, "--sort: unknown column 'nosuch'"),
        ({"group_by": "nosuch", "count": True}, "--group-by: unknown column 'nosuch'"),
        ({"group_by": "name"}, "--group-by needs --count"),
        ({"kind": "claims"}, "--kind: unknown kind 'claims'"),
        ({"best_per": "team"}, "--best-per: unknown grouping 'team'"),
        ({"top": 0}, "--top needs a positive number"),
        ({"kind": "hardware", "best_per": "model"}, "no rows with a value to rank"),
    ],
)
def test_bad_options_are_one_line_errors(scores, options, message):
    with pytest.raises(QueryError) as caught:
        select(scores, **options)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


# --- rendering --------------------------------------------------------------------------


def test_numbers_are_compact():
    assert [number(v) for v in (7e9, 1.97e10, 65.5, 12288.0, 1.5e6, 0.25)] == [
        "7B",
        "19.7B",
        "65.5",
        "12288",
        "1.5M",
        "0.25",
    ]


def test_terminal_table_aligns_columns_and_truncates():
    df = pd.DataFrame({"title": ["short", "a" * 50], "value": [1.5, 100.0], "ok": [True, pd.NA]})
    lines = table(df, width=10).splitlines()
    assert lines[0] == "title       value  ok"
    assert lines[1] == "----------  -----  ---"
    assert lines[2] == "short         1.5  yes"
    assert lines[3] == "aaaaaaaaa…    100"


def test_markdown_escapes_pipes_and_right_aligns_numbers():
    df = pd.DataFrame({"name": ["a|b", None], "n": [3, 12]})
    assert markdown(df) == "| name |   n |\n| ---- | --: |\n| a\\|b |   3 |\n|      |  12 |\n"


def test_csv_and_json_keep_exact_values(scores):
    found = select(scores, metric="perplexity", sort="value")
    assert pd.read_csv(io.StringIO(render(found, "csv")))["value_norm"].tolist() == [9.8, 12.3, 15.0]
    assert pd.read_json(io.StringIO(render(found, "json")))["method"].tolist() == ["LoRA", "GaLore", "Adam"]


def test_view_shows_useful_columns_only(scores):
    shown = view(select(scores, kind="hardware"))
    assert list(shown.columns) == ["paper_id", "kind", "text", "name", "count"]
    assert list(view(scores, ["name", "count"]).columns) == ["name", "count"]


# --- the seed corpus --------------------------------------------------------------------


def test_seed_gpu_models_with_paper_counts(seed_tables):
    found = select(seed_tables.claims, kind="hardware", group_by="name", count=True)
    hardware = seed_tables.claims[seed_tables.claims["kind"] == "hardware"]
    expected = hardware.groupby("name")["paper_id"].nunique()
    assert dict(zip(found["name"], found["n_papers"])) == expected.to_dict()
    assert list(found["n_papers"]) == sorted(found["n_papers"], reverse=True)
    assert {"A100", "H100"} <= set(found["name"])


def test_seed_gsm8k_ranking(seed_tables):
    found = select(seed_tables.claims, dataset="gsm8k", where="unit_norm == 'percent'", sort="value")
    assert set(found["dataset"]) == {"GSM8K"} and set(found["kind"]) == {"result"}
    assert list(found["value_norm"]) == sorted(found["value_norm"], reverse=True)
    claims_ = seed_tables.claims
    expected = (claims_["dataset"] == "GSM8K") & (claims_["unit_norm"] == "percent")
    assert len(found) == expected.sum() > 5


def test_seed_leaderboard(seed_tables):
    with warnings.catch_warnings():
        warnings.simplefilter("error", QueryWarning)  # a claims table with roles: no warning
        board = leaderboard(seed_tables.claims, seed_tables.papers)
    results = seed_tables.claims.query("kind == 'result' and (metric.notna() or dataset.notna())")
    assert len(board) == (results["role"] == "score").sum() > 30
    assert set(board["role"]) == {"score"}
    assert board["title"].notna().all()
    assert (board["end"] > board["start"]).all()
    sized = board.dropna(subset=["model_size_params"])
    sizes = seed_tables.claims.query("kind == 'model_size'")[["paper_id", "value_norm"]].drop_duplicates()
    stated = sized.merge(
        sizes, left_on=["paper_id", "model_size_params"], right_on=["paper_id", "value_norm"]
    )
    assert len(sized) > 20 and len(stated) == len(sized)  # every size is one its paper states


# --- the command line -------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "extract", *args], capture_output=True, text=True, timeout=120
    )


def _csv(tmp_path, df: pd.DataFrame, name: str = "claims.csv") -> str:
    path = tmp_path / name
    df.to_csv(path, index=False)
    return str(path)


@pytest.mark.slow
def test_cli_leaderboard_then_query(tmp_path, scores):
    source = _csv(tmp_path, scores)
    done = run_cli("leaderboard", source, "-o", str(tmp_path / "board.csv"))
    assert done.returncode == 0, done.stderr
    assert "leaderboard: 7 results of 3 papers" in done.stderr
    assert list(pd.read_csv(tmp_path / "board.csv").columns) == LEADERBOARD_COLUMNS
    done = run_cli(
        "query", str(tmp_path / "board.csv"), "--metric", "ppl", "--best-per", "method", "--format", "csv"
    )
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(io.StringIO(done.stdout))["method"].tolist() == ["LoRA", "GaLore", "Adam"]
    done = run_cli(
        "query", source, "--kind", "hardware", "--group-by", "name", "--count", "--format", "markdown"
    )
    assert done.stdout.splitlines()[:3] == [
        "| name | n_papers | n_rows |",
        "| ---- | -------: | -----: |",
        "| A100 |        2 |      2 |",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "{tmp}/nope.csv"], "{tmp}/nope.csv: no such file"),
        (["leaderboard", "{tmp}/nope.csv", "-o", "{tmp}/b.csv"], "{tmp}/nope.csv: no such file"),
        (["query", "{tmp}/theirs.csv"], "{tmp}/theirs.csv: missing column 'metric' for a leaderboard"),
        (["query", "{claims}", "--metric", "bleurgh"], "unknown metric 'bleurgh'"),
        (["query", "{claims}", "--dataset", "MNIST"], "no rows match --dataset 'MNIST' in {claims}"),
        (["query", "{claims}", "--sort", "value"], "different units: percent (4), dimensionless (3)"),
        (
            ["query", "{claims}", "--kind", "result", "--where", "unit_norm == 'percent' and", "--count"],
            "--where",
        ),
        (["query", "{tmp}/empty.csv"], "{tmp}/empty.csv: empty file"),
    ],
)
@pytest.mark.slow
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, scores, args, message):
    (tmp_path / "theirs.csv").write_text("paper_id,dataset,value\np1,GSM8K,55\n")
    (tmp_path / "empty.csv").write_text("")
    fill = {"tmp": str(tmp_path), "claims": _csv(tmp_path, scores)}
    done = run_cli(*[a.format(**fill) for a in args])
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("extract: error: ")
    assert message.format(**fill) in lines[0]
    assert done.stdout == ""
