"""Properties over arbitrary and mutated text (hypothesis): extraction never raises, every
span is the abstract's slice, every normalized value is finite, and runs are deterministic.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.io.read import clean_text, read_papers

from .conftest import SEEDS, examples

EXAMPLES = settings(
    max_examples=examples(200),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Characters that stress the tokenizer rules and the number parser.
TRICKY = list("0123456789.,%×x$~-–/()[]{}^\\_ BKMTGbe") + [
    "\u00a0",
    "\u2009",
    "\u200b",
    "\n",
    "\t",
    "GPUs",
    "A100",
    "tokens",
    "\\%",
    "$\\times$",
]
SEED_ABSTRACTS = [p.abstract for p in read_papers([SEEDS])[0]][:60]


def claims_of(nlp, text: str) -> list[tuple]:
    doc = nlp(text)
    return [(c.kind, c.start, c.end, c.text, c.value_norm, c.unit_norm, c.name, c.rule) for c in doc._.claims]


def check(nlp, text: str) -> None:
    first = claims_of(nlp, text)
    for kind, start, end, span, value, _unit, _name, _rule in first:
        assert text[start:end] == span, (kind, span)
        assert value is None or math.isfinite(value), (kind, span, value)
    assert claims_of(nlp, text) == first  # deterministic


@EXAMPLES
@given(st.lists(st.one_of(st.characters(), st.sampled_from(TRICKY)), max_size=120).map("".join))
def test_arbitrary_unicode_text(nlp, text):
    check(nlp, text)
    check(nlp, clean_text(text))


@st.composite
def mutated_abstracts(draw) -> str:
    text = draw(st.sampled_from(SEED_ABSTRACTS))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 5))
        insert = "".join(draw(st.lists(st.sampled_from(TRICKY), max_size=4)))
        text = text[:at] + insert + text[at + cut :]
    return text


@pytest.mark.slow
@EXAMPLES
@given(mutated_abstracts())
def test_mutated_real_abstracts(nlp, text):
    check(nlp, text)
