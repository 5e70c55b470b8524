"""Accuracy on the hand-checked gold set (fixtures/gold), judged per field.

The thresholds are the issues' acceptance bars; the report is printed so a failing run
shows every field's precision, recall and F1.
"""

from __future__ import annotations

import pytest

from extract.evaluate import DEFAULT_SETS, run

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
