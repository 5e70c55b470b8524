"""Canonical names, aliases and metric directions, read from the rule files.

A query should find what a user means: ``--dataset gsm8k`` must match rows whose dataset is
``GSM8K``, and ``--metric PPL`` rows whose metric is ``perplexity``. The rule files already
know every canonical name and its aliases, so the vocabulary is derived from them (never
repeated here). Comparisons are case-insensitive (``str.casefold``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from extract.rules.ruleset import Rule, cached_rules

LABELS = ("DATASET", "METRIC", "METHOD")


@dataclass(frozen=True)
class Vocabulary:
    """Per label: casefolded surface (name, pattern, alias) → canonical name."""

    names: dict[str, dict[str, str]]
    directions: dict[str, str]  # casefolded metric surface → "higher" | "lower"

    def resolve(self, name: str, label: str) -> str:
        """The canonical name a user means; a name the rules do not know stays as typed."""
        return self.names[label].get(name.strip().casefold(), name.strip())

    def knows(self, name: str, label: str) -> bool:
        return name.strip().casefold() in self.names[label]

    def canonical(self, values: pd.Series, label: str) -> pd.Series:
        """Each value's canonical name, vectorized (unknown values are kept as they are)."""
        text = values.astype("string")
        return text.str.casefold().map(self.names[label]).astype("string").fillna(text)

    def key(self, values: pd.Series, label: str) -> pd.Series:
        """A comparison key: canonical name, casefolded (so 'GSM8k' and 'GSM8K' compare equal)."""
        return self.canonical(values, label).str.casefold()

    def higher_is_better(self, metrics: pd.Series) -> pd.Series:
        """True / False from the METRIC rule's direction; <NA> for a metric the rules lack."""
        direction = metrics.astype("string").str.casefold().map(self.directions)
        return direction.map({"higher": True, "lower": False}).astype("boolean")


def _surfaces(rule: Rule) -> Iterable[tuple[int, str]]:
    """(precedence, surface): a canonical name wins over another rule's pattern or alias."""
    yield 0, rule.name
    yield 1, rule.pattern
    for alias in rule.aliases:
        yield 2, alias


def _canonical_of(rule: Rule) -> str | None:
    name = rule.name or rule.pattern
    return name if isinstance(name, str) else None


def surface_map(rules: Sequence[Rule]) -> dict[str, str]:
    """Casefolded name / string pattern / string alias → canonical name; by precedence, then
    file order (a stable sort), the first claim on a surface wins."""
    pairs = [
        (rank, surface.casefold(), canonical)
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


@lru_cache(maxsize=8)
def vocabulary(rules: tuple[str | os.PathLike, ...] = ()) -> Vocabulary:
    """The vocabulary of the built-in rules layered with ``rules`` directories (cached)."""
    ruleset = cached_rules(rules)
    names = {label: surface_map(ruleset.by_label(label)) for label in LABELS}
    direction_of = {_canonical_of(r): r.get("direction") for r in ruleset.by_label("METRIC")}
    directions = {s: direction_of[c] for s, c in names["METRIC"].items() if direction_of.get(c)}
    return Vocabulary(names, directions)
