"""``ml_claims``: claim and qualifier spans (the logic is in ``extract.match.claims``)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from extract.match.claims import ClaimFinder
from extract.pipeline.rules import DEFAULT_RULES, RuleComponent, RuleSource
from extract.rules.ruleset import RuleSet


class ClaimMatcher(RuleComponent):
    def build(self, nlp: Language, ruleset: RuleSet) -> ClaimFinder:
        return ClaimFinder(nlp, ruleset)

    def prepare(self, docs: list[Doc]) -> None:
        self.stage.prepare(docs)

    def __call__(self, doc: Doc) -> Doc:
        return self.stage(doc)


@Language.factory("ml_claims", default_config={"rules": DEFAULT_RULES})
def make_claim_matcher(nlp: Language, name: str, rules: RuleSource) -> ClaimMatcher:
    return ClaimMatcher(nlp, name, rules)
