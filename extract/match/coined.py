"""The names a paper coins (proposed methods, new datasets) as entities (the ``ml_names``
component runs this).

Runs after ``ml_entities``: adds every occurrence of a coined name as a METHOD or DATASET
entity (replacing what overlaps it), and drops shape-rule names that the abstract itself
defines as generic ("reinforcement learning (RL)") or that ``generic_terms`` lists.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

from extract.match.context import Name, NameCues, confirm_shapes, list_names, one_kind
from extract.match.names import ProposalCues, coined_names, generic_short_forms, occurrences
from extract.rules.ruleset import RuleSet
from extract.text.abbreviations import find_abbreviations
from extract.text.doc import doc_text

for _name, _default in (("title", ""), ("proposed", None), ("long_forms", None), ("aliases", None)):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)

SHAPE_RULE_PREFIX = "method.shape."
PROPOSED_METHOD = "method.proposed"
PROPOSED_DATASET = "dataset.proposed"


class CoinedNameTagger:
    """Coined names from the title and proposal sentences (``extract.match.names``); then
    names by their context (``extract.match.context``)."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.cues = NameCues.from_rules(ruleset)
        self.proposal_cues = ProposalCues.from_rules(ruleset)

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        extensions = doc._  # each "doc._" builds a new accessor object
        abbreviations = find_abbreviations(text)
        # each entity once as a Name with its token bounds: Doc.ents builds every Span, and
        # each Span property looks its strings up again
        entities = {Name(e.start_char, e.end_char, e.label_, e.id_): (e.start, e.end) for e in doc.ents}
        ents = [(text[n.start : n.end], n) for n in entities]
        listed = {surface for surface, n in ents if n.label == "GENERIC"}
        listed_ents = [(surface, n) for surface, n in ents if _from_gazetteer(n.rule)]
        known = {prefix: n.label for surface, n in listed_ents for prefix in _word_prefixes(surface)}
        found = coined_names(
            extensions.title or "",
            text,
            abbreviations,
            frozenset(known),
            frozenset(listed),
            self.proposal_cues,
        )
        coined = [
            c
            for c in found
            if c.text not in listed and known.get(c.text) not in ("DATASET", "METRIC", "DEVICE")
        ]
        # an acronym the paper defines for a field or class ("reinforcement learning (RL)")
        # is generic — unless it is the name the paper coins
        generic = (generic_short_forms(abbreviations, self.proposal_cues) - {c.text for c in coined}) | listed
        tokens = {(n.start, n.end): bounds for n, bounds in entities.items()}  # char → token bounds
        new_ents = []
        for name in coined:
            label, rule = ("DATASET", PROPOSED_DATASET) if name.is_dataset else ("METHOD", PROPOSED_METHOD)
            for start in occurrences(name.text, text):
                end = start + len(name.text)
                bounds = _token_bounds(doc, tokens, start, end)
                if bounds is not None:
                    new_ents.append((bounds, Name(start, end, label, rule)))
        coined_texts = {c.text for c in coined}
        kept = [
            (entities[n], n)
            for surface, n in ents
            if not (n.rule.startswith(SHAPE_RULE_PREFIX) and surface in generic) and n.label != "GENERIC"
        ]
        chosen = _longest_first(new_ents + kept)  # ties keep the coined name
        chosen += [n for _, n in ents if n.label == "GENERIC"]  # a list skips them
        names = list_names(text, sorted(chosen), self.cues, frozenset(generic))
        names = [n for n in names if n.label != "GENERIC"]
        names = one_kind(text, confirm_shapes(text, names, abbreviations, self.cues, frozenset(coined_texts)))
        if names != sorted(entities):
            _set_entities(doc, names, entities, tokens)  # else doc.ents stays as it is
        extensions.proposed = [c.text for c in coined if not c.is_dataset]
        extensions.aliases = {  # "FooNet (FN)": FN is another name of FooNet
            a.short: a.long for a in abbreviations if a.long in coined_texts
        }
        extensions.long_forms = {a.short: (a.long_start, a.long_start + len(a.long)) for a in abbreviations}
        return doc


Bounds = tuple[int, int]  # a span's first token and the token after its last


def _token_bounds(doc: Doc, tokens: dict[Bounds, Bounds], start: int, end: int) -> Bounds | None:
    """The tokens of characters [start, end) (None if they cut a token): added to ``tokens``,
    which holds the ones already known, so each is looked up once."""
    bounds = tokens.get((start, end))
    if bounds is None:
        span = doc.char_span(start, end, alignment_mode="strict")
        if span is None:
            return None
        bounds = tokens[(start, end)] = (span.start, span.end)
    return bounds


def _longest_first(candidates: list[tuple[Bounds, Name]]) -> list[Name]:
    """``spacy.util.filter_spans`` on token bounds: the (first) longest of overlapping names
    wins, without a Span for each candidate."""
    ordered = sorted(candidates, key=lambda c: (c[0][1] - c[0][0], -c[0][0]), reverse=True)
    chosen, seen = [], set()
    for (start, end), name in ordered:
        if start not in seen and end - 1 not in seen:  # as filter_spans: the edges are checked
            chosen.append(name)
            seen.update(range(start, end))
    return chosen


def _set_entities(
    doc: Doc, names: list[Name], entities: dict[Name, Bounds], tokens: dict[Bounds, Bounds]
) -> None:
    """``doc.ents = names`` (those that cut a token dropped), writing only what changed:
    spaCy's setter rewrites every token, in Python. ``entities`` are the doc's (with their
    token bounds), written by the ``doc.ents`` setter of ``ml_entities``, so the tokens
    outside them are outside already and those of an entity that stays hold it already."""
    wanted = {}
    for name in names:
        bounds = _token_bounds(doc, tokens, name.start, name.end)
        if bounds is not None:
            wanted[name] = bounds
    if not entities:  # maybe never set: every token is written
        doc.ents = [Span(doc, s, e, label=n.label, span_id=n.rule) for n, (s, e) in wanted.items()]
        return
    added = [(name, bounds) for name, bounds in wanted.items() if entities.get(name) != bounds]
    gone = [bounds for name, bounds in entities.items() if wanted.get(name) != bounds]
    covered = {i for _, (start, end) in added for i in range(start, end)}
    freed = sorted({i for start, end in gone for i in range(start, end)} - covered)
    doc.set_ents(
        [Span(doc, start, end, label=name.label, span_id=name.rule) for name, (start, end) in added],
        outside=[Span(doc, i, i + 1) for i in freed],
        default="unmodified",
    )


def _word_prefixes(surface: str) -> list[str]:
    """A name and its leading words: a listed model run on over a space ("GPT-3 175B",
    "Llama 3.1 8B Instruct") is known by its first words too, which a proposal sentence
    reads word by word."""
    cuts = [at for at, char in enumerate(surface) if char == " "]
    return [surface[:at] for at in cuts] + [surface]


def _from_gazetteer(rule: str) -> bool:
    """Listed by name in a rule file, not guessed from shape or context."""
    return ".shape." not in rule and ".context." not in rule
