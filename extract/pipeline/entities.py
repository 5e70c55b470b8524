"""``ml_entities``: gazetteer and context names as ``doc.ents`` (the logic is in
``extract.match.entities``)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from extract.match.entities import EntityFinder
from extract.pipeline.batching import BatchedComponent
from extract.rules.ruleset import cached_rules


class EntityTagger(BatchedComponent):
    def __init__(self, nlp: Language, finder: EntityFinder) -> None:
        self.finder = finder

    def prepare(self, docs: list[Doc]) -> None:
        self.finder.prepare(docs)

    def __call__(self, doc: Doc) -> Doc:
        return self.finder(doc)


@Language.factory("ml_entities", default_config={"rules": [], "use_env": True})
def make_entity_tagger(nlp: Language, name: str, rules: list[str], use_env: bool) -> EntityTagger:
    return EntityTagger(nlp, EntityFinder(nlp, cached_rules(tuple(rules), use_env)))
