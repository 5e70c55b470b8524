"""Hostile filters: a ``--where`` condition can compare columns with values, nothing else.

Each escape that ``DataFrame.eval`` allowed (issue 16) must be refused with a one-line
``QueryError`` before anything is evaluated, and must leave no trace on disk.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

from extract.errors import QueryError
from extract.query import filter_where as filter_rows

ESCAPES = [
    "value > 0 and @os.system('touch pwned') == 0",
    "value.to_csv('pwned')",
    "__import__('os').system('touch pwned') == 0",
    "value.__class__ == 1",
    "value[0] == 1",
    "open('pwned', 'w') == 1",
    "(lambda: 1)() == 1",
    "[x for x in value] == 1",
    "f'{value}' == 'x'",
    "(v := 1) == 1",
    "value > 0 if True else False",
    "name == ().__class__.__base__",
    "value == " + "(" * 500 + "1" + ")" * 500,
    " and ".join(["value > 0"] * 400),
    "not " * 100 + "value > 0",
]


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"name": ["A100", "H100", None], "value": [1.0, 2.0, None]})


@pytest.mark.parametrize("expr", ESCAPES)
def test_where_cannot_call_or_reach_anything(frame, expr, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(QueryError) as caught:
        filter_rows(frame, expr)
    assert "\n" not in str(caught.value)
    assert os.listdir(tmp_path) == []


def test_where_keeps_comparisons_and_treats_missing_as_no_match(frame):
    assert list(filter_rows(frame, "value >= 1 and name in ['H100', 'V100']")["name"]) == ["H100"]
    assert list(filter_rows(frame, "not value < 2")["name"]) == ["H100"]
    assert list(filter_rows(frame, "name == None")["value"].isna()) == [True]
