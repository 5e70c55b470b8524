"""``ml_link``: context for claims (role and links of a result, model of a size, merged hardware)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from extract.link.linker import link_claims, metric_fits
from extract.link.roles import RoleCues
from extract.link.scope import Cues
from extract.pipeline.batching import BatchedComponent
from extract.rules.ruleset import RuleSet, cached_rules


class ClaimLinker(BatchedComponent):
    """Runs the pure linking functions of ``extract.link.linker`` on ``doc._.claims``."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.names = {r.id: r.name for r in ruleset.rules if r.name}
        self.models = {r.id for r in ruleset.by_label("METHOD") if r.get("type") == "model"}
        self.cues = Cues.from_rules(ruleset)
        self.fits = metric_fits(ruleset)
        self.roles = RoleCues.from_rules(ruleset)

    def __call__(self, doc: Doc) -> Doc:
        extensions = doc._  # each "doc._" builds a new accessor object
        extensions.claims = link_claims(
            doc,
            extensions.claims or [],
            self.names,
            self.models,
            extensions.proposed or [],
            self.cues,
            self.fits,
            self.roles,
        )
        return doc


@Language.factory("ml_link", default_config={"rules": [], "use_env": True})
def make_claim_linker(nlp: Language, name: str, rules: list[str], use_env: bool) -> ClaimLinker:
    return ClaimLinker(cached_rules(tuple(rules), use_env))
