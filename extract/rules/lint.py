"""Warnings about rule files that load but will not do what their author meant.

These checks read the entries only (no matcher, no pipeline); the ones that must run the
matcher (which entry wins a clash, patterns shadowed on their own example, aliases no
example exercises) live in ``extract.cli.rules``. A warning never stops a run; ``extract
rules check --strict`` turns them into a failing exit code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from extract.rules.ruleset import ENTITY_LABELS, Rule, RuleSet

# An example is one short sentence: at most this many words.
EXAMPLE_WORDS = 30
# A sentence ends at . ! or ? after a word of three or more letters (not "Mr.", "e.g.",
# "et al.") or a digit, when the next word starts with a capital or a digit.
_SENTENCE_END = re.compile(r"(?:(?<=[A-Za-z]{3})|(?<=\d)|(?<=[)%]))[.!?]\s+(?=[A-Z0-9])")


@dataclass(frozen=True)
class LintWarning:
    """One warning about one entry, printed like the loader's errors."""

    rule: Rule
    message: str

    def line(self) -> str:
        return f"{self.rule.where}: warning: {self.message}"


def surface(text: str) -> str:
    """The text a phrase matches, compared case-blind with its spaces collapsed."""
    return " ".join(text.split()).lower()


def _same_text(a: Rule, text_a: str, b: Rule, text_b: str) -> bool:
    """Do two phrases of ``a`` and ``b`` match the same written text? (one ``ignore_case``
    phrase matches every casing of the other; two exact ones only the same spelling)."""
    if surface(text_a) != surface(text_b):
        return False
    return a.ignore_case or b.ignore_case or " ".join(text_a.split()) == " ".join(text_b.split())


def phrases(rule: Rule) -> list[tuple[str, str]]:
    """(key, text) of each phrase string of ``rule``: 'pattern' or 'aliases[i]'."""
    keys = ["pattern"] + [f"aliases[{i}]" for i in range(len(rule.aliases))]
    return [(k, p) for k, p in zip(keys, (rule.pattern, *rule.aliases)) if isinstance(p, str)]


@dataclass(frozen=True)
class Clash:
    """One written text that phrases of two or more entity entries all match."""

    rules: tuple[Rule, ...]  # in file order, each once
    texts: tuple[str, ...]  # each rule's phrase for it, as the rule writes it


def surface_clashes(ruleset: RuleSet) -> list[Clash]:
    """Texts claimed by more than one entity entry (same label: a duplicate; different
    labels: a conflict). Which entry wins is the matcher's business (``resolve_overlaps``)."""
    by_surface: dict[str, list[tuple[Rule, str]]] = {}
    for rule in ruleset.by_label(*ENTITY_LABELS):
        for _, text in phrases(rule):
            by_surface.setdefault(surface(text), []).append((rule, text))
    clashes = []
    for claims in by_surface.values():
        pairs = [
            (a, b)
            for i, (a, text_a) in enumerate(claims)
            for b, text_b in claims[i + 1 :]
            if a.id != b.id and _same_text(a, text_a, b, text_b)
        ]
        if pairs:
            involved = {r.id: r for pair in pairs for r in pair}
            texts = {r.id: t for r, t in reversed(claims)}  # each rule's first phrase here
            clashes.append(Clash(tuple(involved.values()), tuple(texts[i] for i in involved)))
    return clashes


def repeated_items(ruleset: RuleSet) -> Iterator[LintWarning]:
    """An entry listing the same phrase (or the same token pattern) twice."""
    for rule in ruleset.rules:
        seen: dict[str, tuple[str, Any]] = {}
        keys = ["pattern"] + [f"aliases[{i}]" for i in range(len(rule.aliases))]
        for key, item in zip(keys, (rule.pattern, *rule.aliases)):
            if isinstance(item, str):
                fold = surface(item) if rule.ignore_case else " ".join(item.split())
                ident = "phrase:" + fold
            else:
                ident = "tokens:" + json.dumps(item, sort_keys=True)
            if ident in seen:
                first_key, first = seen[ident]
                how = " (ignore_case)" if isinstance(item, str) and item != first else ""
                yield LintWarning(rule, f"{key} {_shown(item)} repeats {first_key} {_shown(first)}{how}")
            else:
                seen[ident] = (key, item)


def long_examples(ruleset: RuleSet) -> Iterator[LintWarning]:
    """An ``example`` should be one short sentence that shows the pattern, not a passage."""
    for rule in ruleset.rules:
        if not rule.example:
            continue
        words = len(rule.example.split())
        if _SENTENCE_END.search(rule.example.strip()):
            yield LintWarning(rule, "example is longer than one sentence")
        elif words > EXAMPLE_WORDS:
            yield LintWarning(rule, f"example has {words} words (a short sentence: at most {EXAMPLE_WORDS})")


def _shown(item: Any) -> str:
    return json.dumps(item, ensure_ascii=False)
