"""``ml_normalize``: claim spans → ``doc._.claims`` rows with pint-normalized values."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from extract.normalize.quantities import Normalizer, qualifier_bounds
from extract.pipeline.batching import BatchedComponent
from extract.rules.ruleset import RuleSet, cached_rules
from extract.units import UnitNormalizer

if not Doc.has_extension("claims"):
    Doc.set_extension("claims", default=None)


class ClaimNormalizer(BatchedComponent):
    """Holds the one unit registry of this process and the rule lookup by id."""

    def __init__(self, ruleset: RuleSet) -> None:
        units = UnitNormalizer(ruleset.unit_files, ruleset.scales("scale"), ruleset.scales("money_scale"))
        self.normalizer = Normalizer(units, ruleset)

    def __call__(self, doc: Doc) -> Doc:
        spans = doc.spans.get("claims", [])
        qualifiers = qualifier_bounds(doc.spans.get("qualifiers", []), spans)
        doc._.claims = self.normalizer.claims(doc, spans, qualifiers)
        return doc


@Language.factory("ml_normalize", default_config={"rules": [], "use_env": True})
def make_claim_normalizer(nlp: Language, name: str, rules: list[str], use_env: bool) -> ClaimNormalizer:
    return ClaimNormalizer(cached_rules(tuple(rules), use_env))
