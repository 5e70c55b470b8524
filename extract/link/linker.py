"""Attach context to claims: what each result measures, on which dataset, by which method
and model, against which baseline; the model a size belongs to; merged hardware mentions.

All functions are pure: they take the Doc (its entities and sentences) and claims and
return new claim lists. Context comes from the claim's sentence; the previous sentence is
used only when the sentence points back to it ("it", "our model", "respectively").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

import numpy
from spacy.attrs import LOWER
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from extract.claim import Claim
from extract.keymap import find_sorted
from extract.link.roles import RoleCues, assign_roles
from extract.text.doc import doc_text, sentence_index, sentence_of, sentence_span, sentence_text

DEVICE_CLASSES = {"GPU", "TPU"}
_COORDINATION = {",", "and", "or", "/", "&"}
_ELABORATION = {"(", "e.g.", "e.g", ",", "such", "as", "like", "including", "i.e.", "namely", ":"}


def inherit_model_names(doc: Doc, claims: list[Claim]) -> list[Claim]:
    """'LLaMA 1B and 7B': the unnamed 7B belongs to the LLaMA named just before it."""
    out: list[Claim] = []
    previous: Claim | None = None
    for claim in claims:
        if claim.kind == "model_size":
            if claim.name is None and previous is not None and previous.name:
                between = doc_text(doc)[previous.end : claim.start].split()
                if previous.sentence == claim.sentence and all(w in _COORDINATION for w in between):
                    claim = claim.but(name=previous.name)
            previous = claim
        out.append(claim)
    return out


def merge_elaborated_hardware(doc: Doc, claims: list[Claim]) -> list[Claim]:
    """'consumer GPUs with 24GB memory (e.g., NVIDIA RTX 4090)' is one mention of the device.

    A class-only mention (GPU/TPU, no count) that is immediately elaborated by a specific
    device hands its memory to that device and is dropped, as ANNOTATION.md's example does.
    """
    hardware = [c for c in claims if c.kind == "hardware"]
    dropped: set[int] = set()
    replaced: dict[int, Claim] = {}
    for general, specific in zip(hardware, hardware[1:]):
        if general.name not in DEVICE_CLASSES or general.count is not None:
            continue
        if specific.name in DEVICE_CLASSES or specific.sentence != general.sentence:
            continue
        gap = doc_text(doc)[general.end : specific.start].replace("(", " ( ").split()
        if not gap or not all(w.rstrip(",") in _ELABORATION or w == "" for w in gap):
            continue
        dropped.add(id(general))
        if specific.value is None and general.value is not None:
            replaced[id(specific)] = specific.but(
                value=general.value,
                unit=general.unit,
                value_norm=general.value_norm,
                unit_norm=general.unit_norm,
            )
    return [replaced.get(id(c), c) for c in claims if id(c) not in dropped]


@dataclass(frozen=True)
class Mention:
    """A named entity of the doc with its canonical name (token offsets)."""

    label: str
    name: str
    start: int
    end: int
    sentence: int
    is_model: bool


_BACK_REFERENCE = re.compile(
    r"\b(?:it|its|this|these|they|their|our (?:model|method|approach|framework|system)s?|"
    r"the (?:model|method|approach)|respectively)\b",
    re.IGNORECASE,
)
_WE = re.compile(r"\b(?:we|our|ours)\b", re.IGNORECASE)
_BASELINE_CUES = {
    "outperforms",
    "outperforming",
    "outperform",
    "outperformed",
    "surpasses",
    "surpassing",
    "surpass",
    "beats",
    "beating",
    "exceeds",
    "exceeding",
    "over",
    "than",
    "versus",
    "vs",
    "vs.",
    "against",
    "compared",
    "relative",
}


_BASELINE_CUE_IDS = numpy.array(sorted(get_string_id(w) for w in _BASELINE_CUES), dtype=numpy.uint64)


def mentions(doc: Doc, names: dict[str, str], models: set[str]) -> list[Mention]:
    """METRIC / DATASET / METHOD entities; ``names`` maps rule ids to canonical names."""
    starts = sentence_index(doc)
    found = []
    for ent in doc.ents:
        if ent.label_ not in ("METRIC", "DATASET", "METHOD"):
            continue
        name = names.get(ent.ent_id_) or ent.text
        found.append(
            Mention(
                ent.label_, name, ent.start, ent.end, sentence_of(starts, ent.start), ent.ent_id_ in models
            )
        )
    return found


# Linking looks this many tokens to each side of a claim, within its sentence (and at the
# last tokens of the previous sentence). Abstract sentences are far shorter (the longest of
# the seed and arXiv fixtures: 140 tokens), so this bounds only run-on text, where every
# claim scanning its whole sentence made linking quadratic (an 80 KB sentence: > 120 s).
LINK_WINDOW = 256


def link_results(doc: Doc, claims: list[Claim], found: list[Mention], proposed: list[str]) -> list[Claim]:
    """Fill metric, dataset, method, model and baseline of every result row."""
    by_sentence: dict[int, list[Mention]] = {}
    for mention in found:
        by_sentence.setdefault(mention.sentence, []).append(mention)
    starts = {index: [m.start for m in group] for index, group in by_sentence.items()}
    results = [c for c in claims if c.kind == "result"]
    respectively = _respectively_pairs(doc, results, by_sentence)
    size_names: dict[int, str] = {}  # the first named model size of each sentence
    for claim in claims:
        if claim.kind == "model_size" and claim.name:
            size_names.setdefault(claim.sentence, claim.name)

    def near(index: int, lo: int, hi: int) -> list[Mention]:
        """The mentions of sentence ``index`` that start in tokens [lo, hi)."""
        group, at = by_sentence.get(index, []), starts.get(index, [])
        return group[bisect_left(at, lo) : bisect_left(at, hi)]

    out = []
    for claim in claims:
        if claim.kind not in ("result", "model_size"):
            out.append(claim)
            continue
        token = doc.char_span(claim.start, claim.end, alignment_mode="expand")
        sentence = sentence_span(doc, claim.sentence)
        lo, hi = max(sentence.start, token.start - LINK_WINDOW), min(sentence.end, token.end + LINK_WINDOW)
        here = near(claim.sentence, lo, hi)
        text = _tokens_text(doc, lo, hi)
        back = _BACK_REFERENCE.search(text)
        previous = near(claim.sentence - 1, sentence.start - LINK_WINDOW, sentence.start) if back else []
        if claim.kind == "model_size":
            out.append(
                claim.but(
                    model=claim.name or _nearest(here, token, "METHOD", True),
                    method=_method(here, token, text, proposed),
                )
            )
            continue
        paired = respectively.get(id(claim), {})
        dataset = (
            paired.get("DATASET") or _nearest(here, token, "DATASET") or _nearest(previous, token, "DATASET")
        )
        metric = paired.get("METRIC") or _nearest(here, token, "METRIC", after_bonus=True)
        out.append(
            claim.but(
                metric=metric,
                dataset=dataset,
                method=_method(here, token, text, proposed) or _method(previous, token, "", proposed),
                model=_nearest(here, token, "METHOD", models_only=True) or size_names.get(claim.sentence),
                baseline=_baseline(doc, here, lo, hi),
            )
        )
    return out


def _tokens_text(doc: Doc, lo: int, hi: int) -> str:
    """The text of tokens [lo, hi), sliced from the doc's text."""
    if lo >= hi:
        return ""
    last = doc[hi - 1]
    return doc_text(doc)[doc[lo].idx : last.idx + len(last.text)]


def _distance(mention: Mention, span: Span) -> int:
    if mention.end <= span.start:
        return span.start - mention.end
    if mention.start >= span.end:
        return mention.start - span.end
    return 0


def _nearest(
    mentions_: list[Mention],
    span: Span,
    label: str,
    models_only: bool = False,
    after_bonus: bool = False,
) -> str | None:
    """The closest mention of ``label``. A metric written right after the number ("85%
    accuracy") and a dataset introduced after it ("7.9% on MATH") win ties; a model is
    usually the sentence's subject, before the number."""
    candidates = [m for m in mentions_ if m.label == label and (m.is_model or not models_only)]
    if not candidates:
        return None
    doc = span.doc

    def cost(m: Mention) -> float:
        d = _distance(m, span)
        if m.start < span.end:
            return d
        if models_only:
            return d + 3
        if after_bonus and d <= 2:
            return d - 1.5
        # the words between are read only for a near dataset (read for every candidate,
        # they made linking cubic in the length of a sentence)
        if (
            label == "DATASET"
            and d <= 4
            and {t.lower_ for t in doc[span.end : m.start]} & _DATASET_PREPOSITIONS
        ):
            return d - 2.5
        return d

    return min(candidates, key=cost).name


_DATASET_PREPOSITIONS = {"on", "in", "for", "across", "from"}


def _method(mentions_: list[Mention], span: Span, text: str, proposed: list[str]) -> str | None:
    """The paper's own method when the sentence names it or speaks as 'we/our'; else the
    nearest method named before the number (the sentence's subject)."""
    names = [m for m in mentions_ if m.label == "METHOD"]
    own = [m.name for m in names if m.name in proposed]
    if own:
        return own[0]
    if proposed and _WE.search(text):
        return proposed[0]
    before = [m for m in names if m.end <= span.start]
    return before[-1].name if before else None


def _baseline(doc: Doc, mentions_: list[Mention], lo: int, hi: int) -> str | None:
    """'outperforms LoRA by 3%', 'over GPT-4', '2x faster than FlashAttention': the first
    method after the first cue word of tokens [lo, hi) (the claim's sentence, or its window)."""
    cues = _baseline_cues(doc)
    first = bisect_left(cues, lo)
    if first == len(cues) or cues[first] >= hi:
        return None
    cue = cues[first]
    after = [m for m in mentions_ if m.label == "METHOD" and m.start > cue]
    return after[0].name if after else None


def _baseline_cues(doc: Doc) -> list[int]:
    """Token indexes of every baseline cue word, found once per doc from its LOWER column."""
    cues = doc.user_data.get("baseline_cues")
    if cues is None:
        found = find_sorted(_BASELINE_CUE_IDS, doc.to_array(LOWER))[1] if len(doc) else []
        cues = doc.user_data["baseline_cues"] = numpy.flatnonzero(found).tolist()
    return cues


def _respectively_pairs(doc, results, by_sentence) -> dict[int, dict[str, str]]:
    """'on A, B and C ... 14%, 7% and 9% respectively' pairs values with names in order."""
    pairs: dict[int, dict[str, str]] = {}
    by_index: dict[int, list[Claim]] = {}
    for claim in results:
        by_index.setdefault(claim.sentence, []).append(claim)
    for index, values in by_index.items():
        if "respectively" not in sentence_text(doc, index).lower():
            continue
        for label in ("DATASET", "METRIC"):
            names = [m.name for m in by_sentence.get(index, []) if m.label == label]
            names = list(dict.fromkeys(names))
            if len(names) > 1 and len(names) == len(values):
                for claim, name in zip(values, names):
                    pairs.setdefault(id(claim), {})[label] = name
    return pairs


def link_claims(
    doc: Doc,
    claims: list[Claim],
    names: dict[str, str] | None = None,
    models: set[str] | None = None,
    proposed: list[str] | None = None,
    roles: RoleCues | None = None,
) -> list[Claim]:
    """Every linking step, in order; with ``roles`` cues, each result's role last."""
    claims = merge_elaborated_hardware(doc, claims)
    claims = inherit_model_names(doc, claims)
    found = mentions(doc, names or {}, models or set())
    claims = link_results(doc, claims, found, proposed or [])
    return assign_roles(doc, claims, roles) if roles is not None else claims
