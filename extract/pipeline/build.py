"""Build the ``nlp`` object: the ``en_ml`` language (ML tokenizer, widened ``LIKE_NUM``), the
sentence splitter and our components, all naming one rule source."""

from __future__ import annotations

import os
from collections.abc import Sequence

import spacy
from spacy.language import Language

from extract.pipeline.language import LANG
from extract.pipeline.rules import RULES_ENTRY, build_stages

COMPONENTS = ("ml_entities", "ml_names", "ml_claims", "ml_normalize", "ml_link")


def build_nlp(rules: Sequence[str | os.PathLike] = (), use_env: bool = True) -> Language:
    """The full pipeline; ``rules`` are extra rule directories layered over the built-in ones.

    The same as ``spacy.blank("en_ml")`` plus ``add_pipe`` of each component with this rule
    source, with the rules read now: a bad rule file fails here, not at the first text."""
    source = {"@misc": RULES_ENTRY, "paths": [str(p) for p in rules], "use_env": use_env}
    nlp = spacy.blank(LANG, config={"nlp": {"tokenizer": {"rules": source}}})
    nlp.add_pipe("ml_sentences")
    for name in COMPONENTS:
        nlp.add_pipe(name, config={"rules": source})
    build_stages(nlp)
    return nlp
