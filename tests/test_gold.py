"""Accuracy on the hand-checked gold set (fixtures/gold), judged per field.

The thresholds are the issues' acceptance bars; the report is printed so a failing run
shows every field's precision, recall and F1.
"""

from __future__ import annotations

import pandas as pd
import pytest

from extract.evaluate import DEFAULT_SETS, evaluate, run
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
