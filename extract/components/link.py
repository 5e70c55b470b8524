"""``ml_link``: context for claims (model of a size, merged hardware mentions)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from extract.link import link_claims


class ClaimLinker:
    """Runs the pure linking functions of ``extract.link`` on ``doc._.claims``."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.claims = link_claims(doc, doc._.claims or [])
        return doc


@Language.factory("ml_link")
def make_claim_linker(nlp: Language, name: str) -> ClaimLinker:
    return ClaimLinker()
