"""``ml_names``: the names a paper coins as entities (the logic is in ``extract.match.coined``)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from extract.match.coined import CoinedNameTagger
from extract.pipeline.batching import BatchedComponent


class NameFinder(BatchedComponent):
    def __init__(self, tagger: CoinedNameTagger) -> None:
        self.tagger = tagger

    def __call__(self, doc: Doc) -> Doc:
        return self.tagger(doc)


@Language.factory("ml_names")
def make_name_finder(nlp: Language, name: str) -> NameFinder:
    return NameFinder(CoinedNameTagger())
