"""Gazetteer and context names (datasets, methods, metrics, devices) as ``doc.ents``: the
entity pass that the ``ml_entities`` component runs."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

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
        self.variants = Variants.from_rules(ruleset)

    def prepare(self, docs: list[Doc]) -> None:
        self.compiled.prepare(docs)

    def __call__(self, doc: Doc) -> Doc:
        found = [_trim(doc, *m) for m in self.compiled.find(doc)]
        found = [m for m in found if not _cuts_a_size(doc, m[2], self.variants.scales)]
        matches = _listed_first(doc, found, self.variants)
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


@dataclass(frozen=True)
class Variants:
    """The lower-case words that name a model's variant: ``glued`` after a hyphen or slash
    ("RoBERTa-base"; CUE roles ``model_variant`` and ``model_variant_word``), ``spaced``
    after a space ("Gemini 2.5 Pro"; role ``model_variant_word`` only: "large" or "base"
    after a space is more often the sentence's word than the model's); ``scales`` are the
    ``parameter_scale`` cues."""

    glued: frozenset[str]
    spaced: frozenset[str]
    scales: frozenset[str]  # of a size split into number and scale ("8" "B")

    @classmethod
    def from_rules(cls, ruleset: RuleSet) -> Variants:
        spaced = frozenset(w.lower() for w in ruleset.cues("model_variant_word"))
        glued = frozenset(w.lower() for w in ruleset.cues("model_variant")) | spaced
        return cls(glued, spaced, frozenset(ruleset.cue_words("parameter_scale")))


def _listed_first(
    doc: Doc, matches: list[tuple[Rule, int, int]], variants: Variants
) -> list[tuple[Rule, int, int]]:
    """A listed name runs on through its variant suffixes before overlaps are settled, and a
    guessed model it then covers gives way to it: "Llama-3-8B" is Llama 3's variant, not an
    unknown sized name; "FLAN-PaLM 62B" holds PaLM 62B, not a guessed FLAN-PaLM. Of listed
    names that start together only the longest runs on ("Nemotron-CC-Math", not Nemotron).
    A method guessed from its shape that a listed method only reaches by running on keeps
    its place ("ResNet-RS" may be the paper's own coinage); a listed dataset's variant is a
    dataset ("KITTI-Fog")."""
    # a guess does not stop a listed name: "Qwen-2.5-Math-7B", not Qwen-2.5 and a guessed Math-7B
    starts = frozenset(s for rule, s, _ in matches if rule.label != "GENERIC" and not _is_guess(rule))
    shapes = frozenset((s, e) for rule, s, e in matches if _is_shape_guess(rule))
    longest: dict[int, int] = {}
    for rule, start, end in matches:
        if _runs_on_listed(rule):
            longest[start] = max(end, longest.get(start, end))
    ran_on = []
    for rule, start, end in matches:
        if _runs_on_listed(rule):
            if end < longest[start]:
                continue
            reach = _reach(doc, rule, start, end, variants, starts)
            if reach > end and rule.label == "METHOD" and (start, reach) in shapes:
                continue
            end = reach
        ran_on.append((rule, start, end))
    reaches = [(start, end) for rule, start, end in ran_on if _is_listed_model(rule)]
    return [
        (rule, start, end)
        for rule, start, end in ran_on
        if not (_is_guessed_model(rule) and any(s <= start and end <= reach for s, reach in reaches))
    ]


def _is_guessed_model(rule: Rule) -> bool:
    return _is_guess(rule) and rule.get("type") == "model"


def _is_shape_guess(rule: Rule) -> bool:
    """A method guessed from its shape alone (no type: not a guessed sized model)."""
    return _is_guess(rule) and rule.label == "METHOD" and rule.get("type") is None


def _runs_on_listed(rule: Rule) -> bool:
    return rule.label in _RUNS_ON and not _is_guess(rule)


def _is_listed_model(rule: Rule) -> bool:
    return _runs_on_listed(rule) and rule.get("type") == "model"


def _cuts_a_size(doc: Doc, end: int, scales: frozenset[str]) -> bool:
    """A name that ends inside a size split into number and scale: "Gemma 2" in "Gemma 2B"
    is Gemma sized 2B, not Gemma 2."""
    return (
        0 < end < len(doc)
        and not doc[end - 1].whitespace_
        and _SIZE_NUMBER.fullmatch(doc[end - 1].text) is not None
        and doc[end].text in scales
    )


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
    doc: Doc, matches: list[tuple[Rule, int, int]], variants: Variants
) -> list[tuple[Rule, int, int]]:
    """A model name runs on through its variant suffixes: "Qwen2-7B-Instruct",
    "RoBERTa-base", "ViT-L/14", "LLaMA-2-70B", "Gemini 2.5 Pro" name one model, not the
    family."""
    starts = frozenset(start for rule, start, _ in matches if rule.label != "GENERIC")
    out = [
        (rule, start, end if _runs_on_listed(rule) else _reach(doc, rule, start, end, variants, starts))
        for rule, start, end in matches
    ]  # listed names ran on already (``_listed_first``)
    if out == matches:
        return out  # nothing ran on: still disjoint
    return resolve_overlaps(out)  # an extended name swallows the generic word it ran over


_RUNS_ON = ("METHOD", "DATASET")  # the labels whose names take variant suffixes
_SPACED_VERSION = re.compile(r"[1-9](?:\.\d)?")  # "Grok 3", "GPT 4.1", "Qwen 2.5"; not "CLIP 16.12" (a score)
_SIZE_NUMBER = re.compile(r"\d+(?:\.\d+)?")  # "8" of "8B", "1.3" of "1.3B"
_UNITS = ("%", "x", "×")  # "Gemini 2.5%" is no version: a number with its unit


def _reach(
    doc: Doc, rule: Rule, start: int, end: int, variants: Variants, starts: frozenset[int] = frozenset()
) -> int:
    """Where a name ends once run on through its variant suffixes: glued ones for methods
    and datasets, spaced ones for a model a rule file lists (a guessed name stays as found)."""
    if rule.label not in _RUNS_ON:
        return end
    end = _run_on(doc, end, variants.glued, starts)
    if not _is_listed_model(rule):
        return end
    return _run_on_spaced(doc, start, end, variants, starts)


def _run_on_spaced(doc: Doc, start: int, end: int, variants: Variants, starts: frozenset[int]) -> int:
    """A listed model runs on over the words a space sets after it: a version when the name
    has none ("Grok 3", "GPT 4.1"), a size ("Llama 3.1 8B") and variant words ("Gemini 2.5
    Pro", "Claude 3.5 Sonnet", "Llama 3.1 8B Instruct"), each maybe with glued suffixes of
    its own ("Gemini 2.5 Flash-Lite"); never into another name."""
    versioned = any(c.isdigit() for i in range(start, end) for c in doc[i].text)
    sized = False
    while end < len(doc) and doc[end - 1].whitespace_ and end not in starts:
        word = doc[end].text
        glued = doc[end + 1].text if end + 1 < len(doc) and not doc[end].whitespace_ else ""
        if word.lower() in variants.spaced:
            end += 1
        elif not sized and _SIZE_NUMBER.fullmatch(word) and glued in variants.scales:
            versioned, sized, end = True, True, end + 2
        elif not versioned and _SPACED_VERSION.fullmatch(word) and glued not in _UNITS:
            versioned, end = True, end + 1
        else:
            break
        end = _run_on(doc, end, variants.glued, starts)
    return end


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
