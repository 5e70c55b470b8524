"""``ml_normalize``: claim spans → ``doc._.claims`` rows with pint-normalized values.

``doc._.claims`` lives in the attributes of the ``claims`` span group (the claim spans it
was made from), not in ``doc.user_data``: spaCy writes span groups, attributes included,
whatever it is told about user data, so the rows survive ``DocBin(docs=docs)`` with its
defaults (``store_user_data=False``), ``Doc.to_bytes`` and ``nlp.pipe(n_process=2)``.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from extract.normalize.quantities import Normalizer, qualifier_bounds
from extract.pipeline.rules import DEFAULT_RULES, RuleComponent, RuleSource
from extract.rules.ruleset import RuleSet
from extract.units import UnitNormalizer

CLAIM_SPANS = "claims"  # the span group of ml_claims
CLAIM_ROWS = "rows"  # its attribute that holds doc._.claims


def get_claims(doc: Doc) -> list[Any] | None:
    """The claim rows of ``doc``; None before ``ml_normalize`` ran."""
    group = doc.spans.get(CLAIM_SPANS)
    return None if group is None else group.attrs.get(CLAIM_ROWS)


def set_claims(doc: Doc, rows: list[Any] | None) -> None:
    if CLAIM_SPANS not in doc.spans:
        doc.spans[CLAIM_SPANS] = []
    doc.spans[CLAIM_SPANS].attrs[CLAIM_ROWS] = rows


if not Doc.has_extension("claims"):
    Doc.set_extension("claims", getter=get_claims, setter=set_claims)


class ClaimNormalizer(RuleComponent):
    """Holds the one unit registry of this process and the rule lookup by id."""

    def build(self, nlp: Language, ruleset: RuleSet) -> Normalizer:
        units = UnitNormalizer(ruleset.unit_files, ruleset.scales("scale"), ruleset.scales("money_scale"))
        return Normalizer(units, ruleset)

    @property
    def normalizer(self) -> Normalizer:
        return self.stage

    def __call__(self, doc: Doc) -> Doc:
        spans = doc.spans.get(CLAIM_SPANS, [])
        qualifiers = qualifier_bounds(doc.spans.get("qualifiers", []), spans)
        doc._.claims = self.stage.claims(doc, spans, qualifiers)
        return doc


@Language.factory("ml_normalize", default_config={"rules": DEFAULT_RULES})
def make_claim_normalizer(nlp: Language, name: str, rules: RuleSource) -> ClaimNormalizer:
    return ClaimNormalizer(nlp, name, rules)
