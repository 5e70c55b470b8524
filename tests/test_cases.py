"""Tricky cases as data: one ``{text, expected}`` line each, run by one parametrized test.

``expected`` lists every claim of the file's kind in the text, in order; only the keys a
case gives are compared.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "cases"
KINDS = ("model_size", "hardware", "result")


def _load(kind: str):
    path = CASES / f"{kind}.jsonl"
    for line_no, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if line.strip():
            case = json.loads(line)
            yield pytest.param(kind, case, id=f"{kind}:{line_no}")


def _same(expected, actual) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        if expected is None or actual is None:
            return expected is None and actual is None
        return math.isclose(float(expected), float(actual), rel_tol=1e-6)
    return expected == actual


@pytest.mark.parametrize("kind,case", [p for k in KINDS for p in _load(k)])
def test_case(nlp, kind, case):
    doc = nlp(case["text"])
    found = [c for c in doc._.claims if c.kind == kind]
    got = [{key: getattr(c, key) for key in exp} for c, exp in zip(found, case["expected"])]
    summary = [
        {k: getattr(c, k) for k in ("text", "name", "value_norm", "unit_norm", "count", "qualifier")}
        for c in found
    ]
    assert len(found) == len(case["expected"]), f"{case.get('note')}\ngot: {summary}"
    for exp, actual in zip(case["expected"], got):
        mismatched = {k: (v, actual[k]) for k, v in exp.items() if not _same(v, actual[k])}
        assert not mismatched, f"{case.get('note')}\n(expected, got): {mismatched}\nall: {summary}"
