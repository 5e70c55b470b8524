"""The plain-Python inner loops give exactly what the compiled ones give."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import extract.match.anchors as anchors
from extract.pipeline.build import build_nlp
from extract.text import kernels, pure_kernels

from .conftest import FIXTURES, ROOT, examples


def _claims_with(monkeypatch, nlp, texts, module):
    monkeypatch.setattr(anchors, "PatternTable", module.PatternTable)
    for component in ("ml_entities", "ml_claims"):  # matchers compile their tables on first use
        _reset_tables(nlp.get_pipe(component))
    return [doc._.claims for doc in nlp.pipe(texts)]


def _reset_tables(component):
    for value in vars(component).values():
        for inner in [value, *vars(value).values()] if hasattr(value, "__dict__") else [value]:
            tokens = getattr(inner, "tokens", None)
            if isinstance(tokens, anchors.AnchoredMatcher):
                tokens._table = None


def _texts(n: int) -> list[str]:
    import json

    lines = (FIXTURES / "arxiv" / "abstracts.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["abstract"] for line in lines[:n]]


@pytest.mark.slow
def test_the_pipeline_finds_the_same_claims_with_either_pattern_table(monkeypatch):
    nlp = build_nlp()
    texts = _texts(60) + ["Our model scores 81.2 , 79.4 , 77.0 , 75.5 , 74.1 and 66.1 % on six tasks."]
    compiled = _claims_with(monkeypatch, nlp, texts, kernels)
    plain = _claims_with(monkeypatch, nlp, texts, pure_kernels)
    assert plain == compiled and sum(map(len, compiled)) > 100


@settings(max_examples=examples(200), deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.booleans()), max_size=40),
    st.lists(st.integers(0, 6), max_size=4, unique=True),
)
def test_sentence_starts_agree(tokens, finals):
    columns = numpy.array(tokens or numpy.zeros((0, 2)), dtype=numpy.uint64).reshape(-1, 2)
    finals_array = numpy.array(sorted(finals), dtype=numpy.uint64)
    assert (
        kernels.sentence_starts(columns, finals_array).tolist()
        == pure_kernels.sentence_starts(columns, finals_array).tolist()
    )


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(st.text("abwe ", min_size=1, max_size=4), min_size=1, max_size=5),
    st.text("abwe .", max_size=60),
)
def test_word_finders_agree(words, text):
    assert kernels.WordFinder(words).starts(text) == pure_kernels.WordFinder(words).starts(text)


def test_word_finder_refuses_the_same_words():
    for module in (kernels, pure_kernels):
        with pytest.raises(ValueError):
            module.WordFinder(["é"])


@pytest.mark.slow
def test_the_seed_corpus_gives_byte_identical_claims_in_plain_python(tmp_path):
    outputs = {}
    for name, value in (("compiled", ""), ("python", "python")):
        env = {**os.environ, "EXTRACT_KERNELS": value}
        out = tmp_path / f"{name}.csv"
        done = subprocess.run(
            [sys.executable, "-m", "extract", "batch", str(FIXTURES / "seeds"), "-o", str(out), "-j", "1"],
            capture_output=True, text=True, timeout=900, cwd=ROOT, env=env,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outputs[name] = out.read_bytes()
    assert outputs["python"] == outputs["compiled"]
