"""``ml_entities``: gazetteer and context names as ``doc.ents`` (the logic is in
``extract.match.entities``)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from extract.match.entities import EntityFinder
from extract.pipeline.rules import DEFAULT_RULES, RuleComponent, RuleSource
from extract.rules.ruleset import RuleSet


class EntityTagger(RuleComponent):
    def build(self, nlp: Language, ruleset: RuleSet) -> EntityFinder:
        return EntityFinder(nlp, ruleset)

    def prepare(self, docs: list[Doc]) -> None:
        self.stage.prepare(docs)

    def __call__(self, doc: Doc) -> Doc:
        return self.stage(doc)


@Language.factory("ml_entities", default_config={"rules": DEFAULT_RULES})
def make_entity_tagger(nlp: Language, name: str, rules: RuleSource) -> EntityTagger:
    return EntityTagger(nlp, name, rules)
