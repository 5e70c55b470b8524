"""Rule ``example`` texts show their pattern in a short invented sentence: none may repeat a
long run of words from a development abstract (seeds, arXiv, the gold samples)."""

from __future__ import annotations

import json
import re
from functools import lru_cache

import pytest

from extract.rules.ruleset import load_rules

from .conftest import FIXTURES

# as many words in a row as an invented sentence shares with an abstract only by copying
# (5 is too few: stock phrases such as 'show that our method outperforms' recur)
RUN = 6
_WORD = re.compile(r"\w+(?:[.,'’-]\w+)*")
# the sealed holdout is the lead's to read, never a test's
CORPORA = sorted(
    [*(FIXTURES / "seeds").glob("*.txt"), FIXTURES / "arxiv" / "abstracts.jsonl"]
    + [p for p in (FIXTURES / "gold").glob("*_sample.jsonl") if not p.name.startswith("sealed")]
)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def runs(text: str) -> set[tuple[str, ...]]:
    found = words(text)
    return {tuple(found[i : i + RUN]) for i in range(len(found) - RUN + 1)}


def _texts(path) -> list[str]:
    if path.suffix != ".jsonl":
        return [path.read_text("utf-8")]
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [r.get("abstract") or "" for r in records]


@lru_cache(maxsize=1)
def abstract_runs() -> frozenset[tuple[str, ...]]:
    return frozenset(run for path in CORPORA for text in _texts(path) for run in runs(text))


def test_the_corpora_are_read():
    assert len(CORPORA) >= 8
    known = words("We present an easy and efficient method to extend existing sentence embedding models")
    assert tuple(known[:RUN]) in abstract_runs()


def test_a_copied_sentence_is_caught():
    copied = "We present an easy and efficient method to extend existing sentence embedding models."
    assert runs(copied) & abstract_runs()
    assert not runs("We present a quick method that trains on 8 GPUs in a day.") & abstract_runs()


EXAMPLES = [r for r in load_rules(use_env=False).rules if r.example]


@pytest.mark.parametrize("rule", EXAMPLES, ids=lambda r: r.id)
def test_no_example_is_copied_from_an_abstract(rule):
    shared = runs(rule.example) & abstract_runs()
    assert not shared, f"{rule.where}: example copies '{' '.join(sorted(shared)[0])}' from an abstract"
