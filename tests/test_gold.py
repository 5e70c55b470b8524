"""Accuracy on the hand-checked gold set (fixtures/gold), judged per field.

The thresholds are the issues' acceptance bars; the report is printed so a failing run
shows every field's precision, recall and F1.
"""

from __future__ import annotations

import pandas as pd
import pytest

from extract.evaluate import DEFAULT_SETS, evaluate, link_accuracy, run
from extract.table.frames import CLAIM_COLUMNS

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def report(nlp):
    gold = FIXTURES / "gold"
    result = run([(gold / g, gold / a) for g, a in DEFAULT_SETS], nlp=nlp)
    print(result.table())
    return result


@pytest.mark.parametrize("field,minimum", [("model_size", 0.95), ("hardware", 0.90), ("result", 0.90)])
def test_f1_meets_the_bar(report, field, minimum):
    assert report.scores[field].f1 >= minimum, report.table()


@pytest.mark.parametrize("field,minimum", [("dataset", 0.90), ("method", 0.80)])
def test_name_f1_meets_the_bar(report, field, minimum):
    assert report.scores[field].f1 >= minimum, report.table()


def test_proposed_method_recall(report):
    assert report.scores["proposed"].recall >= 0.90, report.table()


def test_dataset_link_accuracy(report):
    assert report.dataset_link_accuracy >= 0.80, report.table()


def test_role_accuracy(report):
    assert report.roles["right"] + report.roles["wrong"] > 100, report.table()
    assert link_accuracy(report.roles) >= 0.85, report.table()


def test_metric_and_system_links_are_judged_against_the_gold_names():
    """A row is right when its link names the gold metric / system (aliases folded), or
    when both are empty; a link where gold has none, or the wrong name, is wrong."""
    gold = [
        {
            "id": "p",
            "quantities": [
                {"number": 81.2, "unit": "percent", "metric_text": "top-1 acc.", "system": "FooNet"},
                {"number": 3.0, "unit": "x", "metric_text": None, "system": None},
                {"number": 9.5, "unit": "percent", "metric_text": "BLEU", "system": "BarNet"},
            ],
        }
    ]
    rows = [
        {"value": 81.2, "unit_norm": "percent", "metric": "top-1 acc.", "method": "FooNet", "model": None},
        {"value": 3.0, "unit_norm": "x", "metric": None, "method": None, "model": None},
        {"value": 9.5, "unit_norm": "percent", "metric": "accuracy", "method": None, "model": "FooNet"},
    ]
    claims = pd.DataFrame([{"paper_id": "p", "kind": "result", **r} for r in rows], columns=CLAIM_COLUMNS)
    report = evaluate(gold, claims)
    assert (report.metric_links["right"], report.metric_links["wrong"]) == (2, 1)
    assert (report.system_links["right"], report.system_links["wrong"]) == (2, 1)


def _claims(rows: list[dict]) -> pd.DataFrame:
    """A claims table of result rows for paper 'p', each at its own offsets."""
    full = [
        {"paper_id": "p", "kind": "result", "text": str(r["value"]), "start": 10 * i, "end": 10 * i + 4, **r}
        for i, r in enumerate(rows)
    ]
    return pd.DataFrame(full, columns=CLAIM_COLUMNS)


def test_role_accuracy_counts_matched_rows_whose_gold_gives_a_sure_role():
    gold = [
        {
            "id": "p",
            "quantities": [
                {"text": "76.2%", "number": 76.2, "unit": "percent", "role": "score"},
                {"text": "3x", "number": 3.0, "unit": "x", "role": "delta"},
                {"text": "5%", "number": 5.0, "unit": "percent", "role": "other", "role_unsure": True},
                {"text": "9 days", "number": 9.0, "unit": "second", "role": "cost"},  # never matched
            ],
        }
    ]
    claims = _claims(
        [
            {"value": 76.2, "unit_norm": "percent", "role": "score"},
            {"value": 3.0, "unit_norm": "x", "role": "cost"},
            {"value": 5.0, "unit_norm": "percent", "role": "score"},
        ]
    )
    report = evaluate(gold, claims)
    assert (report.roles["right"], report.roles["wrong"]) == (1, 1)
    assert len(report.role_misses) == 1 and "delta → cost" in report.role_misses[0]
    assert "role accuracy of matched results: 0.500 (1/2)" in report.table()


def test_a_fully_right_row_has_every_field_the_gold_entry_gives():
    """Qualifier (when the gold text opens with one), role, metric, dataset and system; names
    compare as the link accuracies do (aliases folded, both empty is right)."""
    base = {"unit": "percent", "role": "score", "metric_text": "accuracy", "dataset": "MMLU", "system": None}
    gold = [
        {
            "id": "p",
            "quantities": [
                {**base, "text": "up to 70.1%", "number": 70.1},
                {**base, "text": "up to 71.1%", "number": 71.1},  # qualifier lost
                {**base, "text": "72.1%", "number": 72.1},  # dataset wrong
                {**base, "text": "73.1%", "number": 73.1, "system": "FooNet"},  # system given by the model
            ],
        }
    ]
    row = {"unit_norm": "percent", "role": "score", "metric": "accuracy", "dataset": "MMLU", "qualifier": "="}
    claims = _claims(
        [
            {**row, "value": 70.1, "qualifier": "<="},
            {**row, "value": 71.1},
            {**row, "value": 72.1, "dataset": "GSM8K"},
            {**row, "value": 73.1, "model": "FooNet"},
        ]
    )
    report = evaluate(gold, claims)
    assert (report.full_rows["right"], report.full_rows["wrong"]) == (2, 2)


def test_leaderboard_precision_counts_right_scores_among_the_rows_it_takes():
    gold = [
        {
            "id": "p",
            "quantities": [
                {
                    "text": "81.0%",
                    "number": 81.0,
                    "unit": "percent",
                    "role": "score",
                    "metric_text": "accuracy",
                    "dataset": "MMLU",
                    "system": None,
                },
                {
                    "text": "2.0%",
                    "number": 2.0,
                    "unit": "percent",
                    "role": "delta",
                    "metric_text": "accuracy",
                    "dataset": "MMLU",
                    "system": None,
                },
                {
                    "text": "64.0%",
                    "number": 64.0,
                    "unit": "percent",
                    "role": "score",
                    "metric_text": "accuracy",
                    "dataset": "MATH",
                    "system": None,
                },
            ],
        }
    ]
    row = {"unit_norm": "percent", "metric": "accuracy", "dataset": "MMLU"}
    claims = _claims(
        [
            {**row, "value": 81.0, "role": "score"},  # right
            {**row, "value": 2.0, "role": "score"},  # a gain: not a score
            {**row, "value": 64.0, "role": "score"},  # wrong dataset
            {**row, "value": 9.9, "role": "score"},  # no gold entry at all
            {"value": 5.0, "unit_norm": "percent", "role": "score"},  # no metric or dataset: not taken
        ]
    )
    report = evaluate(gold, claims)
    board = report.board_rows
    assert board["right"] == 1
    assert board["wrong"] == 3  # the gain, the wrong dataset, the row gold does not have
    assert "leaderboard rows that are right scores" in report.table()
