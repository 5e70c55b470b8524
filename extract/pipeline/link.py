"""``ml_link``: context for claims (role and links of a result, model of a size, merged hardware)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from extract.link.linker import link_claims, metric_fits
from extract.link.roles import RoleCues
from extract.link.scope import Cues
from extract.pipeline.rules import DEFAULT_RULES, RuleComponent, RuleSource
from extract.rules.ruleset import RuleSet


class LinkTables:
    """What linking reads from the rules, built once per pipeline."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.names = {r.id: r.name for r in ruleset.rules if r.name}
        self.models = {r.id for r in ruleset.by_label("METHOD") if r.get("type") == "model"}
        self.cues = Cues.from_rules(ruleset)
        self.fits = metric_fits(ruleset)
        self.roles = RoleCues.from_rules(ruleset)


class ClaimLinker(RuleComponent):
    """Runs the pure linking functions of ``extract.link.linker`` on ``doc._.claims``."""

    def build(self, nlp: Language, ruleset: RuleSet) -> LinkTables:
        return LinkTables(ruleset)

    def __call__(self, doc: Doc) -> Doc:
        tables = self.stage
        extensions = doc._  # each "doc._" builds a new accessor object
        extensions.claims = link_claims(
            doc,
            extensions.claims or [],
            tables.names,
            tables.models,
            extensions.proposed or [],
            tables.cues,
            tables.fits,
            tables.roles,
        )
        return doc


@Language.factory("ml_link", default_config={"rules": DEFAULT_RULES})
def make_claim_linker(nlp: Language, name: str, rules: RuleSource) -> ClaimLinker:
    return ClaimLinker(nlp, name, rules)
