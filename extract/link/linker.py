"""Attach context to claims: what each result measures, on which dataset, by which method
and model, against which baseline (``extract.link.results``, from the sentence's structure:
``extract.link.scope``); the model a size belongs to; merged hardware mentions.

All functions are pure: they take the Doc (its entities and sentences) and claims and
return new claim lists. Context comes from the claim's sentence; the previous sentence is
used only when the sentence points back to it ("it", "our model", "respectively").
"""

from __future__ import annotations

from spacy.tokens import Doc

from extract.claim import Claim
from extract.link.results import LINK_WINDOW, SentenceTrace, link_sentence
from extract.link.roles import RoleCues, assign_roles
from extract.link.scope import Cues, Mention
from extract.rules.ruleset import DEFAULT_METRIC_VALUES, RuleSet, cached_rules
from extract.text.doc import doc_text, lower_words, sentence_bounds, sentence_index, sentence_of

DEVICE_CLASSES = {"GPU", "TPU"}


def inherit_model_names(doc: Doc, claims: list[Claim], cues: Cues) -> list[Claim]:
    """'LLaMA 1B and 7B': the unnamed 7B belongs to the LLaMA named just before it."""
    out: list[Claim] = []
    previous: Claim | None = None
    for claim in claims:
        if claim.kind == "model_size":
            if claim.name is None and previous is not None and previous.name:
                between = doc_text(doc)[previous.end : claim.start].split()
                if previous.sentence == claim.sentence and all(
                    w.lower() in cues.coordinator for w in between
                ):
                    claim = claim.but(name=previous.name)
            previous = claim
        out.append(claim)
    return out


def merge_elaborated_hardware(doc: Doc, claims: list[Claim], cues: Cues) -> list[Claim]:
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
        if not gap or not all(w.rstrip(",").lower() in cues.elaboration or w == "" for w in gap):
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


def mentions(
    doc: Doc, names: dict[str, str], models: set[str], fits: dict[str, frozenset[str]]
) -> list[Mention]:
    """METRIC / DATASET / METHOD entities; ``names`` maps rule ids to canonical names, ``fits``
    metric rule ids to the kinds of value they are written in."""
    starts = sentence_index(doc)
    text = doc_text(doc)  # (Span.text joins tokens)
    found = []
    for ent in doc.ents:
        label = ent.label_
        if label not in ("METRIC", "DATASET", "METHOD"):
            continue
        rule = ent.ent_id_
        found.append(
            Mention(
                label,
                names.get(rule) or text[ent.start_char : ent.end_char],
                ent.start,
                ent.end,
                sentence_of(starts, ent.start),
                rule in models,
                fits.get(rule, frozenset()),
            )
        )
    return found


def link_results(
    doc: Doc,
    claims: list[Claim],
    found: list[Mention],
    proposed: list[str],
    cues: Cues,
    traces: dict[int, SentenceTrace] | None = None,
) -> list[Claim]:
    """Fill metric, dataset, method, model and baseline of every result row (sentence by
    sentence, ``extract.link.results``) and model and method of every model size;
    ``traces`` (explain only) gets each sentence's ``SentenceTrace``."""
    by_sentence: dict[int, list[Mention]] = {}
    for mention in found:
        by_sentence.setdefault(mention.sentence, []).append(mention)
    size_names: dict[int, str] = {}  # the first named model size of each sentence
    spans: dict[int, tuple[int, int]] = {}
    results: dict[int, list[tuple[Claim, int, int]]] = {}
    for claim in claims:
        if claim.kind == "model_size" and claim.name:
            size_names.setdefault(claim.sentence, claim.name)
        if claim.kind in ("result", "model_size"):
            token = doc.char_span(claim.start, claim.end, alignment_mode="expand")
            spans[id(claim)] = (token.start, token.end)
            if claim.kind == "result":
                results.setdefault(claim.sentence, []).append((claim, token.start, token.end))

    def window(index: int, first: int, last: int) -> tuple[int, int, list[Mention], list[Mention]]:
        opens, closes = sentence_bounds(doc, index)
        lo, hi = max(opens, first - LINK_WINDOW), min(closes, last + LINK_WINDOW)
        here = [m for m in by_sentence.get(index, []) if lo <= m.start < hi]
        before = [m for m in by_sentence.get(index - 1, []) if m.start >= opens - LINK_WINDOW]
        return lo, hi, here, before

    links: dict[int, dict] = {}
    for index, group in results.items():
        group.sort(key=lambda r: r[1])
        lo, hi, here, before = window(index, group[0][1], group[-1][2])
        trace = None if traces is None else traces.setdefault(index, SentenceTrace())
        size_name = size_names.get(index)
        links.update(link_sentence(doc, index, group, here, before, cues, proposed, size_name, lo, hi, trace))
    out = []
    for claim in claims:
        if claim.kind == "result":
            claim = claim.but(**links[id(claim)])
        elif claim.kind == "model_size":
            start, end = spans[id(claim)]
            lo, hi, here, _ = window(claim.sentence, start, end)
            claim = claim.but(
                model=claim.name or _nearest_model(here, start, end),
                method=_size_method(doc, here, start, lo, hi, proposed, cues),
            )
        out.append(claim)
    return out


def _nearest_model(found: list[Mention], start: int, end: int) -> str | None:
    """The model a size belongs to: the closest model name, one written before it preferred."""
    models = [m for m in found if m.label == "METHOD" and m.is_model]

    def cost(m: Mention) -> int:
        return start - m.end if m.end <= start else m.start - end + 3

    return min(models, key=cost).name if models else None


def _size_method(
    doc: Doc, found: list[Mention], start: int, lo: int, hi: int, proposed: list[str], cues: Cues
) -> str | None:
    """The paper's own method when the sentence names it or speaks as 'we/our'; else the
    nearest method named before the size."""
    methods = [m for m in found if m.label == "METHOD"]
    own = [m.name for m in methods if m.name in proposed]
    if own:
        return own[0]
    if proposed and any(w in cues.own_system for w in lower_words(doc, lo, hi)):
        return proposed[0]
    before = [m for m in methods if m.end <= start]
    return before[-1].name if before else None


def link_claims(
    doc: Doc,
    claims: list[Claim],
    names: dict[str, str] | None = None,
    models: set[str] | None = None,
    proposed: list[str] | None = None,
    cues: Cues | None = None,
    fits: dict[str, frozenset[str]] | None = None,
    roles: RoleCues | None = None,
) -> list[Claim]:
    """Every linking step, in order, each result's role first (a change fits more metrics than
    a level). ``cues``, ``fits`` and ``roles`` default to the built-in rules'."""
    if cues is None or fits is None:
        ruleset = cached_rules(use_env=False)
        cues = cues or Cues.from_rules(ruleset)
        fits = metric_fits(ruleset) if fits is None else fits
    if roles is None:
        roles = RoleCues.from_rules(cached_rules(use_env=False))
    claims = assign_roles(doc, merge_elaborated_hardware(doc, claims, cues), roles)
    claims = inherit_model_names(doc, claims, cues)
    found = mentions(doc, names or {}, models or set(), fits)
    return link_results(doc, claims, found, proposed or [], cues)


def metric_fits(ruleset: RuleSet) -> dict[str, frozenset[str]]:
    """Metric rule id → the kinds of value its numbers are written in."""
    return {r.id: frozenset(r.get("values") or DEFAULT_METRIC_VALUES) for r in ruleset.by_label("METRIC")}
