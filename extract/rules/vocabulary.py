"""Canonical names, aliases and metric directions, read from the rule files.

A query should find what a user means: ``--dataset gsm8k`` must match rows whose dataset is
``GSM8K``, ``--metric PPL`` rows whose metric is ``perplexity``, and a leaderboard made
elsewhere writes names its own way (Papers with Code: ``Top 1 Accuracy``, ``Word Error Rate
(WER)``, ``Test perplexity``, ``Cityscapes val``). The rule files already know every
canonical name and its aliases, so the vocabulary is derived from them (never repeated
here), and names are compared by a *name key* that ignores case, punctuation, split
qualifiers (CUE role ``name_qualifier``: test, val, dev…) and an abbreviation written in
parentheses after its long form.

Every metric has a direction: its METRIC entry's ``direction``, else one read from its name
(CUE role ``lower_is_better``: error, loss, perplexity, latency… → lower is better; any other
name → higher).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from extract.rules.ruleset import Rule, RuleSet, cached_rules

LABELS = ("DATASET", "METRIC", "METHOD")
# 'mAP@0.5', 'SQuAD1.1', 'R^2', 'HumanEval+' stay one token (R@1 is not R-1, MBPP+ not MBPP)
_TOKEN = re.compile(r"[^\W_]+(?:[.@:^][^\W_]+)*\+*")
_AROUND_AT = re.compile(r"\s*@\s*")  # 'mAP @0.5' = 'mAP@0.5'
_PARENTHESISED = re.compile(r"\(([^()]*)\)")

Phrase = tuple[str, ...]


def tokens(text: str) -> list[str]:
    """Casefolded word tokens; punctuation other than '.', '@', ':', '^' inside a token (and
    '+' at its end) splits."""
    return _TOKEN.findall(_AROUND_AT.sub("@", text.casefold()))


def is_abbreviation(short: str, long: str) -> bool:
    """Whether ``short`` abbreviates the end of ``long`` (Schwartz & Hearst 2003, simplified:
    its letters appear in order in the last words, the first one starting a word)."""
    letters = "".join(tokens(short))
    words = tokens(long)
    if not 2 <= len(letters) <= 10 or not letters[0].isalpha():
        return False
    for start in range(len(words) - 1, -1, -1):
        if words[start].startswith(letters[0]) and _in_order(letters[1:], "".join(words[start:])[1:]):
            return True
    return False


def _in_order(letters: str, text: str) -> bool:
    found = iter(text)
    return all(letter in found for letter in letters)


def split_abbreviation(name: str) -> tuple[str, str | None]:
    """'Word Error Rate (WER)' → ('Word Error Rate', 'WER'); 'SDR (bass)' stays whole."""
    for match in _PARENTHESISED.finditer(name):
        if is_abbreviation(match.group(1), name[: match.start()]):
            return (name[: match.start()] + name[match.end() :]).strip(), match.group(1).strip()
    return name, None


def _without(words: list[str], phrases: Sequence[Phrase]) -> list[str]:
    """``words`` with every occurrence of the phrases taken out (longest phrase first)."""
    out, i = [], 0
    while i < len(words):
        hit = next((p for p in phrases if tuple(words[i : i + len(p)]) == p), None)
        if hit:
            i += len(hit)
        else:
            out.append(words[i])
            i += 1
    return out


def _contains(words: list[str], phrase: Phrase) -> bool:
    return any(tuple(words[i : i + len(phrase)]) == phrase for i in range(len(words) - len(phrase) + 1))


def _phrases(words: Iterable[str]) -> tuple[Phrase, ...]:
    """Cue words as token phrases, longest first (so 'test-dev' goes before 'test')."""
    found = {tuple(tokens(w)) for w in words}
    return tuple(sorted((p for p in found if p), key=len, reverse=True))


@dataclass(frozen=True)
class Vocabulary:
    """Per label: name key (of every name, pattern, alias) → canonical name; metric directions."""

    names: dict[str, dict[str, str]]
    directions: dict[str, str]  # canonical metric name → "higher" | "lower"
    qualifiers: tuple[Phrase, ...] = ()  # CUE name_qualifier
    lower_cues: tuple[Phrase, ...] = ()  # CUE lower_is_better
    _keys: dict[str, tuple[str, str | None]] = field(default_factory=dict, compare=False, repr=False)

    def name_key(self, name: str) -> str:
        """The form names are compared in: 'Top 1 Accuracy', 'top-1 accuracy (%)' → 'top 1
        accuracy'; 'Test perplexity' → 'perplexity'; 'Word Error Rate (WER)' → 'word error rate'."""
        return self._split_key(name)[0]

    def _split_key(self, name: str) -> tuple[str, str | None]:
        """(key of the name without its parenthesised abbreviation, key of the abbreviation)."""
        cached = self._keys.get(name)
        if cached is None:
            long, short = split_abbreviation(name)
            words = tokens(long)
            kept = _without(words, self.qualifiers) or words
            cached = (" ".join(kept), " ".join(tokens(short)) if short else None)
            self._keys[name] = cached
        return cached

    def lookup(self, name: str, label: str) -> str | None:
        """The canonical name the rules give ``name`` (by its key, else its abbreviation's)."""
        key, short = self._split_key(name)
        known = self.names[label]
        return known.get(key) or (known.get(short) if short else None)

    def resolve(self, name: str, label: str) -> str:
        """The canonical name a user means; a name the rules do not know stays as typed."""
        return self.lookup(name, label) or name.strip()

    def knows(self, name: str, label: str) -> bool:
        return self.lookup(name, label) is not None

    def canonical(self, values: pd.Series, label: str) -> pd.Series:
        """Each value's canonical name (unknown values are kept as they are)."""
        text = values.astype("string")
        names = {v: self.lookup(v, label) for v in text.dropna().unique()}
        return text.map(names).astype("string").fillna(text)

    def key(self, values: pd.Series, label: str) -> pd.Series:
        """A comparison key per value: the name key of its canonical name, so 'GSM8k' and
        'GSM8K', 'WER' and 'Word Error Rate (WER)' compare equal."""
        return self.canonical(values, label).map(self.name_key, na_action="ignore").astype("string")

    def key_of(self, name: str, label: str) -> str:
        """The comparison key of one name, as ``key`` gives it for a value."""
        return self.name_key(self.resolve(name, label))

    def direction(self, metric: str) -> bool:
        """Higher is better? From the METRIC rule, else from the name's words."""
        known = self.directions.get(self.lookup(metric, "METRIC") or "")
        if known:
            return known == "higher"
        key, short = self._split_key(metric)
        words = key.split() + (short.split() if short else [])
        return not any(_contains(words, cue) for cue in self.lower_cues)

    def higher_is_better(self, metrics: pd.Series) -> pd.Series:
        """True / False per metric (``direction``); <NA> where there is no metric."""
        text = metrics.astype("string")
        found = {m: self.direction(m) for m in text.dropna().unique()}
        return text.map(found).astype("boolean")


def _surfaces(rule: Rule) -> Iterable[tuple[int, str]]:
    """(precedence, surface): a canonical name wins over another rule's pattern or alias."""
    yield 0, rule.name
    yield 1, rule.pattern
    for alias in rule.aliases:
        yield 2, alias


def _canonical_of(rule: Rule) -> str | None:
    name = rule.name or rule.pattern
    return name if isinstance(name, str) else None


def surface_map(rules: Sequence[Rule], key=str.casefold) -> dict[str, str]:
    """``key`` of every name / string pattern / string alias → canonical name; by precedence,
    then file order (a stable sort), the first claim on a key wins."""
    pairs = [
        (rank, key(surface), canonical)
        for rule in rules
        if (canonical := _canonical_of(rule))
        for rank, surface in _surfaces(rule)
        if isinstance(surface, str) and surface.strip()
    ]
    pairs.sort(key=lambda item: item[0])
    out: dict[str, str] = {}
    for _, surface, canonical in pairs:
        out.setdefault(surface, canonical)
    return out


def build(ruleset: RuleSet) -> Vocabulary:
    """The vocabulary of one rule set."""
    bare = Vocabulary(
        {}, {}, _phrases(ruleset.cues("name_qualifier")), _phrases(ruleset.cues("lower_is_better"))
    )
    names = {label: surface_map(ruleset.by_label(label), bare.name_key) for label in LABELS}
    directions = {_canonical_of(r): r.get("direction") for r in ruleset.by_label("METRIC")}
    known = {name: d for name, d in directions.items() if name and d}
    return Vocabulary(names, known, bare.qualifiers, bare.lower_cues)


@lru_cache(maxsize=8)
def vocabulary(rules: tuple[str | os.PathLike, ...] = ()) -> Vocabulary:
    """The vocabulary of the built-in rules layered with ``rules`` directories (cached)."""
    return build(cached_rules(rules))
