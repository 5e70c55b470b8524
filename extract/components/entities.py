"""``ml_entities``: gazetteer names (datasets, methods, metrics, devices) as ``doc.ents``."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from extract.matching import CompiledRules, resolve_overlaps
from extract.rules import ENTITY_LABELS, RuleSet, cached_rules


class EntityTagger:
    """Marks every gazetteer name; later patterns refer to them through ``ENT_TYPE``."""

    def __init__(self, nlp: Language, ruleset: RuleSet) -> None:
        self.compiled = CompiledRules(
            nlp.vocab, nlp.make_doc, ruleset.by_label(*ENTITY_LABELS), ruleset.macros()
        )

    def __call__(self, doc: Doc) -> Doc:
        matches = resolve_overlaps(self.compiled.find(doc))
        doc.ents = [Span(doc, s, e, label=rule.label, span_id=rule.id) for rule, s, e in matches]
        return doc


@Language.factory("ml_entities", default_config={"rules": [], "use_env": True})
def make_entity_tagger(nlp: Language, name: str, rules: list[str], use_env: bool) -> EntityTagger:
    return EntityTagger(nlp, cached_rules(tuple(rules), use_env))
