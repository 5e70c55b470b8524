"""``ml_names``: the names a paper coins as entities (the logic is in ``extract.match.coined``)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from extract.match.coined import CoinedNameTagger
from extract.pipeline.batching import BatchedComponent
from extract.rules.ruleset import cached_rules


class NameFinder(BatchedComponent):
    def __init__(self, tagger: CoinedNameTagger) -> None:
        self.tagger = tagger

    def __call__(self, doc: Doc) -> Doc:
        return self.tagger(doc)


@Language.factory("ml_names", default_config={"rules": [], "use_env": True})
def make_name_finder(nlp: Language, name: str, rules: list[str], use_env: bool) -> NameFinder:
    return NameFinder(CoinedNameTagger(cached_rules(tuple(rules), use_env)))
