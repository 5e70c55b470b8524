"""spaCy factories: thin wrappers around the pure matching, normalizing and linking code.

Importing this package registers the factories, so a user can ``nlp.add_pipe("ml_claims")``
in their own pipeline (the ``spacy_factories`` entry points do the same for spaCy's loader).
"""

from extract.components.claims import ClaimMatcher, make_claim_matcher
from extract.components.entities import EntityTagger, make_entity_tagger
from extract.components.link import ClaimLinker, make_claim_linker
from extract.components.names import NameFinder, make_name_finder
from extract.components.normalize import ClaimNormalizer, make_claim_normalizer
from extract.components.sentences import SentenceSplitter, make_sentence_splitter

__all__ = [
    "ClaimLinker",
    "ClaimMatcher",
    "ClaimNormalizer",
    "EntityTagger",
    "NameFinder",
    "SentenceSplitter",
    "make_claim_linker",
    "make_claim_matcher",
    "make_claim_normalizer",
    "make_entity_tagger",
    "make_name_finder",
    "make_sentence_splitter",
]
