"""The names a paper coins (proposed methods, new datasets) as entities (the ``ml_names``
component runs this).

Runs after ``ml_entities``: adds every occurrence of a coined name as a METHOD or DATASET
entity (replacing what overlaps it), and drops shape-rule names that the abstract itself
defines as generic ("reinforcement learning (RL)") or that ``generic_terms`` lists.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span
from spacy.util import filter_spans

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
        # (surface text, span) once: Doc.ents builds every Span, Span.text joins tokens
        ents = [(text[e.start_char : e.end_char], e) for e in doc.ents]
        listed = {surface for surface, e in ents if e.label_ == "GENERIC"}
        known = {surface: e.label_ for surface, e in ents if _from_gazetteer(e)}
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
        generic = (generic_short_forms(abbreviations) - {c.text for c in coined}) | listed
        new_ents = []
        for name in coined:
            label, rule = ("DATASET", PROPOSED_DATASET) if name.is_dataset else ("METHOD", PROPOSED_METHOD)
            for start in occurrences(name.text, text):
                span = doc.char_span(start, start + len(name.text), alignment_mode="strict")
                if span is not None:
                    new_ents.append(Span(doc, span.start, span.end, label=label, span_id=rule))
        coined_texts = {c.text for c in coined}
        kept = [
            e
            for surface, e in ents
            if not (e.ent_id_.startswith(SHAPE_RULE_PREFIX) and surface in generic) and e.label_ != "GENERIC"
        ]
        spans = filter_spans(new_ents + kept)  # longest first; ties keep the coined name
        spans += [e for _, e in ents if e.label_ == "GENERIC"]  # a list skips them
        names = sorted(Name(e.start_char, e.end_char, e.label_, e.id_) for e in spans)
        names = list_names(text, names, self.cues, frozenset(generic))
        names = [n for n in names if n.label != "GENERIC"]
        names = one_kind(text, confirm_shapes(text, names, abbreviations, self.cues, frozenset(coined_texts)))
        if names != sorted(Name(e.start_char, e.end_char, e.label_, e.ent_id_) for _, e in ents):
            doc.ents = _spans(doc, names)  # else doc.ents stays as it is
        extensions.proposed = [c.text for c in coined if not c.is_dataset]
        extensions.aliases = {  # "FooNet (FN)": FN is another name of FooNet
            a.short: a.long for a in abbreviations if a.long in coined_texts
        }
        extensions.long_forms = {a.short: (a.long_start, a.long_start + len(a.long)) for a in abbreviations}
        return doc


def _spans(doc: Doc, names: list[Name]) -> list[Span]:
    out = []
    for name in names:
        span = doc.char_span(name.start, name.end, label=name.label, alignment_mode="strict")
        if span is not None:
            out.append(Span(doc, span.start, span.end, label=name.label, span_id=name.rule))
    return out


def _from_gazetteer(ent: Span) -> bool:
    """Listed by name in a rule file, not guessed from shape or context."""
    return ".shape." not in ent.ent_id_ and ".context." not in ent.ent_id_
