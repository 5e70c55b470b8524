"""The plain-Python inner loops give exactly what the compiled ones give."""

from __future__ import annotations

import os
import subprocess
import sys
from unittest import mock

import numpy
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

import extract.match.anchors as anchors
from extract.match.rule_bits import RuleBits
from extract.pipeline.build import build_nlp
from extract.text import kernels, pure_kernels

from .conftest import FIXTURES, ROOT, examples
from .test_anchors import WORDS, _doc, pattern_tokens


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


BLANK = spacy.blank("en")
REGEX_TEST = {"TEXT": {"REGEX": "^[a-z]+$"}}  # a Python test: its group runs a spaCy Matcher
window_tokens = st.one_of(pattern_tokens, st.just(REGEX_TEST), st.just({**REGEX_TEST, "OP": "+"}))


def _anchored_matches(patterns, doc, within, module):
    anchored = anchors.AnchoredMatcher(BLANK.vocab, RuleBits())
    for i, pattern in enumerate(patterns):
        anchored.add(f"p{i}", pattern, pattern)
    with mock.patch.object(anchors, "PatternTable", module.PatternTable):
        return anchored(doc, within)


@settings(max_examples=examples(300), deadline=None)
@given(
    patterns=st.lists(st.lists(window_tokens, min_size=1, max_size=4), min_size=1, max_size=6),
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=14),
    sentence_starts=st.sets(st.integers(1, 13)),
    cuts=st.lists(st.integers(0, 14), max_size=6),
)
def test_either_pattern_table_finds_the_same_matches_in_the_same_order(
    patterns, words, sentence_starts, cuts
):
    """Anchored scans, their reaches (to a sentence's edges for unbounded repeats), windows,
    sequences and the groups' spaCy Matchers: compiled and plain Python agree exactly."""
    doc = _doc(BLANK, " ".join(words))
    for i in range(len(doc)):
        doc[i].is_sent_start = i == 0 or i in sentence_starts
    edges = sorted({min(c, len(doc)) for c in cuts})
    within = [(s, e) for s, e in zip(edges[::2], edges[1::2]) if s < e] or [(0, len(doc))]
    compiled = _anchored_matches(patterns, doc, within, kernels)
    assert compiled == _anchored_matches(patterns, doc, within, pure_kernels)
    assert all(any(s <= m[1] and m[2] <= e for s, e in within) for m in compiled)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.one_of(st.integers(0, 40), st.integers(0, 2**64 - 1)), max_size=300))
def test_distinct_values_agree(values):
    array = numpy.array(values, dtype=numpy.uint64)
    words, where = kernels.distinct_words(array)
    plain_words, plain_where = pure_kernels.distinct_words(array)
    assert words.tolist() == plain_words.tolist() == list(dict.fromkeys(values))
    assert where.tolist() == plain_where.tolist()
    assert words[where].tolist() == values
