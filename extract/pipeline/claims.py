"""``ml_claims``: claim and qualifier spans (the logic is in ``extract.match.claims``)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from extract.match.claims import ClaimFinder
from extract.pipeline.batching import BatchedComponent
from extract.rules.ruleset import cached_rules


class ClaimMatcher(BatchedComponent):
    def __init__(self, nlp: Language, finder: ClaimFinder) -> None:
        self.finder = finder

    def prepare(self, docs: list[Doc]) -> None:
        self.finder.prepare(docs)

    def __call__(self, doc: Doc) -> Doc:
        return self.finder(doc)


@Language.factory("ml_claims", default_config={"rules": [], "use_env": True})
def make_claim_matcher(nlp: Language, name: str, rules: list[str], use_env: bool) -> ClaimMatcher:
    return ClaimMatcher(nlp, ClaimFinder(nlp, cached_rules(tuple(rules), use_env)))
