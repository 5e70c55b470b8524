"""Gazetteer and context names (datasets, methods, metrics, devices) as ``doc.ents``: the
entity pass that the ``ml_entities`` component runs."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from spacy.language import Language
from spacy.tokens import Doc, Span

from extract.match.devices import drop_bare_codes
from extract.match.matcher import CompiledRules, resolve_overlaps
from extract.rules.ruleset import ENTITY_LABELS, Rule, RuleSet


class EntityFinder:
    """Marks every gazetteer name; later patterns refer to them through ``ENT_TYPE``.

    Two passes: names and shapes first; then the context rules that look at those
    entities (``ENT_TYPE`` in their pattern: "CIFAR-100, Tiny-ImageNet and ImageNet100"),
    repeated while they find new names along a list. A context match may replace a name
    guessed from shape, never a name a gazetteer lists.
    """

    ROUNDS = 3

    def __init__(self, nlp: Language, ruleset: RuleSet) -> None:
        rules = ruleset.by_label(*ENTITY_LABELS)
        macros = ruleset.macros()
        contextual = [r for r in rules if _uses_entities(r)]
        self.compiled = CompiledRules(
            nlp.vocab, nlp.make_doc, [r for r in rules if r not in contextual], macros
        )
        # the context rules' word tests are mostly the shape rules' own: one table, one code per word
        self.contextual = CompiledRules(nlp.vocab, nlp.make_doc, contextual, macros, self.compiled.bits)
        self.device_context = frozenset(ruleset.cues("device_context"))
        self.variants = frozenset(w.lower() for w in ruleset.cues("model_variant"))

    def prepare(self, docs: list[Doc]) -> None:
        self.compiled.prepare(docs)

    def __call__(self, doc: Doc) -> Doc:
        matches = _listed_first(doc, [_trim(doc, *m) for m in self.compiled.find(doc)], self.variants)
        matches = _extend_variants(doc, resolve_overlaps([m for m in matches if m[1] < m[2]]), self.variants)
        matches = drop_bare_codes(doc, matches, self.device_context)
        self._set(doc, matches)
        for _ in range(self.ROUNDS if len(self.contextual) else 0):
            if not any(rule.label == "DATASET" for rule, _, _ in matches):
                break  # every context rule needs a known dataset (its anchor)
            found = [_trim(doc, *m) for m in self.contextual.find(doc)]
            merged = _merge_context(matches, [m for m in found if m[1] < m[2]])
            if merged == matches:
                break
            matches = merged
            self._set(doc, matches)
        return doc

    @staticmethod
    def _set(doc: Doc, matches: list[tuple[Rule, int, int]]) -> None:
        doc.ents = [Span(doc, s, e, label=rule.label, span_id=rule.id) for rule, s, e in matches]


def _listed_first(
    doc: Doc, matches: list[tuple[Rule, int, int]], variants: frozenset[str]
) -> list[tuple[Rule, int, int]]:
    """A guessed model that a listed model, run on through its variant suffixes, covers
    gives way to it: "Llama-3-8B" is Llama 3's variant, not an unknown sized name."""
    reaches = [
        (start, _run_on(doc, end, variants) if rule.label in _RUNS_ON else end)
        for rule, start, end in matches
        if not _is_guess(rule) and rule.get("type") == "model"
    ]
    return [
        (rule, start, end)
        for rule, start, end in matches
        if not (
            _is_guess(rule)
            and rule.get("type") == "model"
            and any(s <= start and end <= reach for s, reach in reaches)
        )
    ]


def _uses_entities(rule: Rule) -> bool:
    patterns = [rule.pattern, *rule.aliases]
    return any(
        isinstance(p, list) and any(isinstance(t, dict) and "ENT_TYPE" in t for t in p) for p in patterns
    )


def _is_guess(rule: Rule) -> bool:
    return ".shape." in rule.id or ".context." in rule.id


def _merge_context(
    matches: list[tuple[Rule, int, int]], found: list[tuple[Rule, int, int]]
) -> list[tuple[Rule, int, int]]:
    """Add context matches; they replace overlapping guesses, never listed names.

    ``matches`` are entities, so disjoint: sorted by start, their ends are sorted too, and
    the ones overlapping a match are one slice, found by binary search (a scan per match
    made long abstracts quadratic)."""
    current = sorted(matches, key=lambda m: m[1])
    for rule, start, end in resolve_overlaps(found):
        first = bisect_right(current, start, key=lambda m: m[2])  # the first ending after start
        last = bisect_left(current, end, lo=first, key=lambda m: m[1])  # the first starting at end
        overlapping = current[first:last]
        if any(not _is_guess(m[0]) for m in overlapping):
            continue
        if any(m[1] == start and m[2] == end and m[0].label == rule.label for m in overlapping):
            continue
        current[first:last] = [(rule, start, end)]
    return current


def _extend_variants(
    doc: Doc, matches: list[tuple[Rule, int, int]], variants: frozenset[str]
) -> list[tuple[Rule, int, int]]:
    """A model name runs on through glued variant suffixes: "Qwen2-7B-Instruct",
    "RoBERTa-base", "ViT-L/14", "LLaMA-2-70B" name one model, not the family. ``variants``
    are the lower-case suffix words (CUE role ``model_variant``)."""
    starts = frozenset(start for rule, start, _ in matches if rule.label != "GENERIC")
    out = [
        (rule, start, _run_on(doc, end, variants, starts) if rule.label in _RUNS_ON else end)
        for rule, start, end in matches
    ]
    if out == matches:
        return out  # nothing ran on: still disjoint
    return resolve_overlaps(out)  # an extended name swallows the generic word it ran over


_RUNS_ON = ("METHOD", "DATASET")  # the labels whose names take variant suffixes


def _run_on(doc: Doc, end: int, variants: frozenset[str], starts: frozenset[int] = frozenset()) -> int:
    """Where a name ending at ``end`` ends once run on through its glued variant suffixes
    ("-7B", "/14", "-Instruct"), stopping before another name (one of ``starts``)."""
    while (
        end + 1 < len(doc)
        and doc[end].text in ("-", "/")
        and not doc[end - 1].whitespace_
        and not doc[end].whitespace_
        and end not in starts
        and end + 1 not in starts
        and _is_variant(doc[end + 1].text, variants)
    ):
        end += 2
        # a size splits into number + scale ("7" "B"): keep the scale
        if end < len(doc) and not doc[end - 1].whitespace_ and doc[end].text in "BMKT":
            end += 1
    return end


def _is_variant(text: str, variants: frozenset[str]) -> bool:
    return (
        text[:1].isdigit()
        or text[:1].isupper()
        or text.lower() in variants
        or bool(re.fullmatch(r"v\d+(?:\.\d+)?", text))
    )


def _trim(doc: Doc, rule: Rule, start: int, end: int) -> tuple[Rule, int, int]:
    """Keep only the name inside a context rule's match: its ``span`` slice ([start, end]
    token offsets, like a capture group), minus ``trim`` cue words at the edges."""
    if rule.get("span"):
        offsets = range(start, end)[slice(*rule.get("span"))]
        start, end = (offsets[0], offsets[-1] + 1) if offsets else (start, start)
    words = rule.get("trim")
    if words:
        while start < end and doc[start].lower_ in words:
            start += 1
        while end > start and doc[end - 1].lower_ in words:
            end -= 1
    return rule, start, end
