"""``ml_names``: the names a paper coins as entities (the logic is in ``extract.match.coined``)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from extract.match.coined import CoinedNameTagger
from extract.pipeline.rules import DEFAULT_RULES, RuleComponent, RuleSource
from extract.rules.ruleset import RuleSet


class NameFinder(RuleComponent):
    def build(self, nlp: Language, ruleset: RuleSet) -> CoinedNameTagger:
        return CoinedNameTagger(ruleset)

    def __call__(self, doc: Doc) -> Doc:
        return self.stage(doc)


@Language.factory("ml_names", default_config={"rules": DEFAULT_RULES})
def make_name_finder(nlp: Language, name: str, rules: RuleSource) -> NameFinder:
    return NameFinder(nlp, name, rules)
